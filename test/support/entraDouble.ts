// A test double of Microsoft Entra ID's v2.0 token endpoint for a service principal that signs in
// with workload identity federation, built from the documented wire format ("Microsoft identity
// platform and the OAuth 2.0 client credentials flow", "Workload identity federation"):
// POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials, client_id, scope,
// client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer and the CI platform's
// token as client_assertion. The assertion must match a federated credential of the application:
// its issuer, subject and audience (api://AzureADTokenExchange). Errors carry Entra's AADSTS codes.
// The access token is a JWT for ACR's audience (what /oauth2/exchange accepts).
import { createVerify, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncHandler } from './asyncHandler.js';

export const ENTRA_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
const ACR_AUDIENCE = 'https://containerregistry.azure.net';

export interface FederatedCredential {
  issuer: string;
  subject: string;
  audience: string;
}

export interface EntraDouble {
  tenant: string;
  /** The v2.0 issuer (discovery lives under it). */
  issuer: string;
  clientId: string;
  grants: number;
  /** Checks one of our access tokens (for the ACR double). */
  verify(token: string): Record<string, unknown> | null;
  stop(): Promise<void>;
}

export async function startEntraDouble(options: {
  federated: FederatedCredential[];
  /** Checks the assertion's signature against its issuer's keys. */
  verifySignature(token: string): boolean;
  accessTokenTtl?: number;
}): Promise<EntraDouble> {
  const tenant = randomUUID();
  const clientId = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let base = '';
  const state = { grants: 0 };

  const accessToken = () => {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'entra-double' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        iss: `https://sts.windows.net/${tenant}/`,
        aud: ACR_AUDIENCE,
        tid: tenant,
        appid: clientId,
        azp: clientId,
        sub: randomUUID(),
        oid: randomUUID(),
        iat: now,
        nbf: now,
        exp: now + (options.accessTokenTtl ?? 3599),
      }),
    ).toString('base64url');
    return `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
  };

  const server = createServer(
    asyncHandler(async (req, res) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      const entraError = (error: string, code: string, text: string) =>
        reply(400, {
          error,
          error_description: `${code}: ${text} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
          error_codes: [Number(code.slice(6))],
        });
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === `/${tenant}/v2.0/.well-known/openid-configuration`) {
        return reply(200, {
          issuer: `${base}/${tenant}/v2.0`,
          token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        });
      }
      if (url.pathname !== `/${tenant}/oauth2/v2.0/token` || req.method !== 'POST') return reply(404, { error: 'not_found' });
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'client_credentials')
        return entraError('unsupported_grant_type', 'AADSTS70003', 'The app requested an unsupported grant type.');
      if (form.get('client_id') !== clientId) {
        return entraError(
          'unauthorized_client',
          'AADSTS700016',
          `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenant}'.`,
        );
      }
      const assertion = form.get('client_assertion') ?? '';
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !assertion) {
        return entraError('invalid_client', 'AADSTS7000218', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      }
      if (!/\/\.default$/.test(form.get('scope') ?? ''))
        return entraError(
          'invalid_scope',
          'AADSTS1002012',
          'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
        );
      let claims: Record<string, unknown>;
      try {
        claims = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
      } catch {
        return entraError('invalid_client', 'AADSTS50027', 'JWT token is invalid or malformed.');
      }
      if (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) {
        return entraError('invalid_client', 'AADSTS700024', 'Client assertion is not within its valid time range.');
      }
      const match = options.federated.find((f) => f.issuer === claims.iss && f.subject === claims.sub && f.audience === claims.aud);
      if (!match || !options.verifySignature(assertion)) {
        return entraError(
          'invalid_client',
          'AADSTS70021',
          `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(claims.iss)}'. Assertion Subject: '${String(claims.sub)}'. Assertion Audience: '${String(claims.aud)}'.`,
        );
      }
      state.grants++;
      reply(200, {
        token_type: 'Bearer',
        expires_in: options.accessTokenTtl ?? 3599,
        ext_expires_in: options.accessTokenTtl ?? 3599,
        access_token: accessToken(),
      });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const double = state as EntraDouble;
  Object.assign(double, {
    tenant,
    issuer: `${base}/${tenant}/v2.0`,
    clientId,
    verify(token: string) {
      const [header, payload, signature] = token.split('.');
      if (!header || !payload || !signature) return null;
      if (!createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url'))) return null;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      return claims.aud === ACR_AUDIENCE && typeof claims.exp === 'number' && claims.exp > Date.now() / 1000 ? claims : null;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return double;
}
