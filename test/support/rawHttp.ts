// Raw bytes to a server over a plain TCP socket, and its first answer: for requests no HTTP client
// would send, such as `GET //[ HTTP/1.1`. Resolves when an answer is complete (status line, headers,
// content-length bytes), when the server closes, or at the time bound (an incomplete input that the
// server is still waiting on gets no answer, and `text` is then empty).
import { connect } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent. */
  text: string;
  /** The status of the first answer, when it began with an HTTP/1.1 status line. */
  status?: number;
  /** The server closed the connection (rather than the time bound ending the wait). */
  closed: boolean;
}

function complete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
  return length !== undefined && Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length);
}

export function sendRaw(url: string, bytes: Buffer | string, timeoutMs = 10_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const socket = connect({ host: hostname, port: Number(port) });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
      resolve({ text, closed, ...(status ? { status: Number(status) } : {}) });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (complete(Buffer.concat(chunks).toString('latin1'))) done();
    });
    socket.on('error', done);
    socket.on('close', () => {
      closed = true;
      done();
    });
    socket.write(bytes);
  });
}
