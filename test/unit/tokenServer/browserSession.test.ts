import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserSessions, cookieKey, cookieValue } from '../../../src/tokenServer/browserSession.js';
import { OidcVerifier } from '../../../src/tokenServer/oidcVerifier.js';
import { RegistryTokens } from '../../../src/tokenServer/registryTokens.js';
import { Rules } from '../../../src/tokenServer/rules.js';
import { loadSigningKeys } from '../../../src/tokenServer/signingKeys.js';
import { TokenService } from '../../../src/tokenServer/tokenService.js';

const key = cookieKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const otherKey = cookieKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const SUBJECT = { sub: 'alice', username: 'alice', idp: 'https://sso.example.com', claims: { sub: 'alice', groups: ['developers'] }, vouchedAt: 1_800_000_000 };
const NOW = 1_800_000_000;
const header = (setCookie: string) => setCookie.split(';')[0];

test('a session cookie carries who signed in, signed, and nothing else', async () => {
  const sessions = new BrowserSessions(key, { secure: true, sessionTtlS: 3600 });
  const cookie = await sessions.startSession(SUBJECT, NOW);
  assert.match(cookie, /^__Host-registry_session=[^;]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=None; Secure$/);
  const read = await sessions.readSession(`other=1; ${header(cookie)}`, NOW + 10);
  assert.deepEqual({ ...read, sid: undefined, exp: undefined }, { ...SUBJECT, sid: undefined, exp: undefined });
  assert.equal(await sessions.readSession(header(cookie), NOW + 3601), undefined, 'expired');
  assert.equal(await new BrowserSessions(otherKey, { secure: true, sessionTtlS: 3600 }).readSession(header(cookie), NOW), undefined, 'another key');
  const [name, value] = header(cookie).split('=') as [string, string];
  const [h, p, s] = value.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), claims: { groups: ['admins'] } })).toString('base64url');
  assert.equal(await sessions.readSession(`${name}=${h}.${forged}.${s}`, NOW), undefined, 'tampered claims');
});

test('loopback http: no Secure, SameSite=Lax; the sign-in cookie is not a session', async () => {
  const sessions = new BrowserSessions(key, { secure: false, sessionTtlS: 600 });
  const flow = await sessions.startFlow({ state: 's', verifier: 'v', nonce: 'n', returnTo: 'http://127.0.0.1:8080/' }, NOW);
  assert.match(flow, /^registry_signin=[^;]+; Path=\/callback; Max-Age=600; HttpOnly; SameSite=Lax$/);
  assert.deepEqual(await sessions.readFlow(header(flow), NOW), { state: 's', verifier: 'v', nonce: 'n', returnTo: 'http://127.0.0.1:8080/' });
  const asSession = header(flow).replace('registry_signin', 'registry_session');
  assert.equal(await sessions.readSession(asSession, NOW), undefined);
});

test('logout ends a session on the server too, so a copied cookie is worth nothing', async () => {
  const sessions = new BrowserSessions(key, { secure: false, sessionTtlS: 600 });
  const cookie = header(await sessions.startSession(SUBJECT, NOW));
  const cleared = await sessions.endSession(cookie, NOW + 1);
  assert.match(cleared, /^registry_session=; Path=\/; Max-Age=0;/);
  assert.equal(await sessions.readSession(cookie, NOW + 2), undefined);
});

test('cookie headers are read as RFC 6265 writes them, and bounded', () => {
  assert.equal(cookieValue('a=1; b=2;c=3', 'c'), '3');
  assert.equal(cookieValue('ab=1', 'b'), undefined);
  assert.equal(cookieValue(`a=${'x'.repeat(20_000)}`, 'a'), undefined);
  assert.equal(cookieValue(undefined, 'a'), undefined);
});

test("a session's registry tokens end with the session, and a session is never turned into a refresh token", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-session-'));
  const [keyFile, certFile] = [join(dir, 'k.pem'), join(dir, 'c.pem')];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=s'],
    { stdio: 'ignore' },
  );
  const tokens = new RegistryTokens(loadSigningKeys(keyFile, certFile), 'ts', 300, 3600);
  const rules = new Rules([{ match: { groups: 'developers' }, repositories: ['team/*'], actions: ['pull'] }]);
  const service = new TokenService('registry.example', new OidcVerifier([], 15, fetch, {}), rules, tokens, () => NOW);
  const { decision, issued } = await service.token({
    service: 'registry.example',
    scopes: ['repository:team/app:pull'],
    credential: { kind: 'session', subject: SUBJECT, endsAt: NOW + 10 },
    offline: true,
  });
  assert.deepEqual(decision.granted, ['repository:team/app:pull']);
  assert.equal(issued?.expiresIn, 10, 'tokenTtl is 300 s, the session has 10 s left');
  assert.equal(issued?.refreshToken, undefined);
});
