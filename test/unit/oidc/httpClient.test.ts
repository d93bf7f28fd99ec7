// The one fetch every provider and registry request goes through, against real HTTP servers on
// 127.0.0.1: it never follows a redirect (the ACR exchange once re-sent the access token to whatever
// host a redirect named) and never reads more than it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetch, MAX_RESPONSE_BYTES } from '../../../src/oidc/httpClient.js';
import { acrMode } from '../../../src/oidc/modes/acr.js';
import type { ModeContext } from '../../../src/oidc/modes/modeContext.js';
import { endlessAnswer } from '../../support/endlessAnswer.js';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string; host: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

function acrContext(registryHost: string, transport: Transport): ModeContext {
  return {
    registryHost,
    settings: { issuer: 'https://idp', clientId: 'c', scope: 's', mode: 'acr', usernameClaim: 'sub', secretToken: 'access-token' },
    session: { kind: 'oidc-session', issuer: 'https://idp', clientId: 'c', authenticatedAt: 0 },
    accessToken: async () => ({ value: 'the-entra-access-token', issuedAt: 0, expiresAt: 9e9 }),
    idToken: async () => ({ value: 'id', issuedAt: 0, expiresAt: 9e9 }),
    fetch: createFetch(transport.options),
    nowS: () => 100,
  };
}

/** Both ways a request leaves: Node's own fetch, and npm undici with an agent (a CA file or a proxy). */
interface Transport {
  name: string;
  options: Parameters<typeof createFetch>[0];
}
const TRANSPORTS: Transport[] = [
  { name: "Node's own fetch", options: { env: {} } },
  { name: 'undici with an agent (--ca-file)', options: { env: {}, caFile: '/etc/ssl/certs/ca-certificates.crt' } },
];

for (const transport of TRANSPORTS) {
  test(`the ACR exchange refuses a redirect: the access token never reaches the host it names (${transport.name})`, async () => {
    const elsewhere: string[] = [];
    const thief = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        elsewhere.push(body);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ refresh_token: 'attacker-chosen' }));
      });
    });
    const registry = await serve((_req, res) => {
      res.writeHead(307, { location: `${thief.origin}/oauth2/exchange` });
      res.end();
    });
    try {
      await assert.rejects(acrMode(acrContext(registry.host, transport)), {
        code: 'idp-error',
        message: new RegExp(
          `^${registry.origin.replace(/[.]/g, '\\.')} answered with a redirect \\(HTTP 307 to ${thief.origin.replace(/[.]/g, '\\.')}/oauth2/exchange\\): refused`,
        ),
      });
      assert.deepEqual(elsewhere, [], 'nothing was sent to the redirect target');
    } finally {
      await Promise.all([close(thief.server), close(registry.server)]);
    }
  });

  test(`an endless body is cut off at the limit, with one clear error; a small one is read as usual (${transport.name})`, async () => {
    const counter = { sent: 0 };
    const flood = await serve((req, res) => {
      if (req.url === '/small') {
        res.end('{"ok":true}');
        return;
      }
      endlessAnswer(res, 300 * 1024 * 1024, counter);
    });
    try {
      const fetch = createFetch(transport.options);
      assert.deepEqual(await (await fetch(`${flood.origin}/small`)).json(), { ok: true });
      const response = await fetch(`${flood.origin}/big`);
      await assert.rejects(response.text(), { code: 'idp-error', message: `${flood.origin} sent an answer larger than 256 KiB: refused` });
      assert.ok(counter.sent < 64 * MAX_RESPONSE_BYTES, `the server stopped early (${counter.sent} bytes sent)`);
    } finally {
      await close(flood.server);
    }
  });

  test(`a declared oversized body and oversized headers are refused before the body is read (${transport.name})`, async () => {
    const server = await serve((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': String(MAX_RESPONSE_BYTES + 1) });
        res.end(Buffer.alloc(MAX_RESPONSE_BYTES + 1));
        return;
      }
      res.writeHead(200, { 'x-padding': 'a'.repeat(64 * 1024) });
      res.end('{}');
    });
    try {
      const fetch = createFetch(transport.options);
      await assert.rejects(fetch(`${server.origin}/declared`), { message: /larger than 256 KiB: refused/ });
      await assert.rejects(fetch(`${server.origin}/headers`));
    } finally {
      await close(server.server);
    }
  });

  test(`a server that never answers is given up after the timeout (${transport.name})`, async () => {
    const silent = await serve(() => undefined);
    try {
      const fetch = createFetch({ ...transport.options, timeoutMs: 300 });
      await assert.rejects(fetch(`${silent.origin}/`));
    } finally {
      await close(silent.server);
    }
  });
}
