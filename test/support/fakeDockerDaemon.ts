// No Docker engine runs here, but the legacy builder's credential path is all client-side: the CLI
// calls the helper's `list` and `get`, then sends every credential to the daemon in the
// X-Registry-Config header of POST /build. This stand-in daemon answers /_ping and records that header.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeDaemon {
  host: string;
  registryConfigs: Array<Record<string, { username?: string; password?: string; serveraddress?: string }>>;
  stop(): Promise<void>;
}

export async function startFakeDaemon(): Promise<FakeDaemon> {
  const registryConfigs: FakeDaemon['registryConfigs'] = [];
  const server = createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.writeHead(200, { 'API-Version': '1.41', OSType: 'linux', 'Builder-Version': '1', 'Content-Type': 'text/plain' });
      res.end('OK');
      return;
    }
    const header = req.headers['x-registry-config'];
    if (typeof header === 'string') registryConfigs.push(JSON.parse(Buffer.from(header, 'base64').toString('utf8')));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"stream":"built by the fake daemon\\n"}\n{"aux":{"ID":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    registryConfigs,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
