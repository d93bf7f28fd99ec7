// A test double of Azure Container Registry's documented token exchange, POST /oauth2/exchange
// (grant_type=access_token, service, tenant, access_token → {"refresh_token"}), that accepts
// access tokens of our test provider. Served on the registry's own host:port like ACR does.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { asyncHandler } from './asyncHandler.js';

export interface AcrDouble {
  host: string;
  exchanges: number;
  /** Milliseconds spent on each exchange, arrival to last byte (the registry's work, not ours). */
  serveMs: number[];
  lastForm?: Record<string, string>;
  /** The ACR refresh tokens handed out (to check what the helper answers). */
  issued: string[];
  stop(): Promise<void>;
}

export async function startAcrDouble(verify: (accessToken: string) => Promise<Record<string, unknown> | null>, lifetimeS = 3 * 3600): Promise<AcrDouble> {
  const state: Omit<AcrDouble, 'host' | 'stop'> = { exchanges: 0, serveMs: [], issued: [] };
  const server = createServer(
    asyncHandler(async (req, res) => {
      const arrived = process.hrtime.bigint();
      res.once('finish', () => state.serveMs.push(Number(process.hrtime.bigint() - arrived) / 1e6));
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/oauth2/exchange') return reply(404, { errors: [{ code: 'NOT_FOUND' }] });
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = Object.fromEntries(new URLSearchParams(raw));
      state.lastForm = form;
      if (form.grant_type !== 'access_token' || !form.access_token || !form.service) {
        return reply(400, { errors: [{ code: 'BAD_REQUEST', message: 'grant_type, service and access_token are required' }] });
      }
      const claims = await verify(form.access_token);
      if (!claims) return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }] });
      state.exchanges++;
      const now = Math.floor(Date.now() / 1000);
      // ACR refresh tokens are JWTs; only exp matters to the helper.
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ jti: randomUUID(), sub: claims.sub, aud: form.service, exp: now + lifetimeS, iat: now, grant_type: 'refresh_token' }),
      ).toString('base64url');
      const token = `${header}.${payload}.acr-double-signature`;
      state.issued.push(token);
      reply(200, { refresh_token: token });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const double = state as AcrDouble;
  double.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return double;
}
