// An HTTP answer that never ends, for the tests that check a client reads answers only up to its bound:
// JSON-looking spaces, written as fast as the client takes them, up to `limitBytes` or until it hangs up.
import type { ServerResponse } from 'node:http';

/** Starts the flood on `res`; `counter.sent` says how many bytes went out so far. */
export function endlessAnswer(res: ServerResponse, limitBytes: number, counter: { sent: number }): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (counter.sent < limitBytes && res.write(chunk)) counter.sent += chunk.length;
    if (counter.sent < limitBytes) res.once('drain', pump);
    else res.end();
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}
