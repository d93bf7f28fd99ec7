// Request handlers of the test servers are async; node:http ignores the promise. This wrapper makes a
// handler's failure end that one response (500, or a reset once the head is out) and shows the
// error, instead of an unhandled rejection that would end the whole test process.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function asyncHandler(
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<unknown>,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handler(request, response).catch((error: unknown) => {
      console.error('test server handler failed:', error);
      if (response.headersSent) response.destroy();
      else response.writeHead(500, { 'content-type': 'text/plain' }).end('test server handler failed');
    });
  };
}
