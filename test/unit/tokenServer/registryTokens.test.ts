import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKeys } from '../../../src/tokenServer/signingKeys.js';
import { RegistryTokens } from '../../../src/tokenServer/registryTokens.js';
import { FailureLimiter } from '../../../src/tokenServer/failureLimiter.js';
import { TokenService } from '../../../src/tokenServer/tokenService.js';
import { OidcVerifier } from '../../../src/tokenServer/oidcVerifier.js';
import { Rules } from '../../../src/tokenServer/rules.js';

const dir = mkdtempSync(join(tmpdir(), 'dco-keys-'));
function pair(name: string, kind: 'ec' | 'rsa'): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const keyArgs = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { key, cert };
}
const oldPair = pair('old', 'rsa');
const newPair = pair('new', 'ec');
const bundle = join(dir, 'bundle.crt');
writeFileSync(bundle, readFileSync(oldPair.cert, 'utf8') + readFileSync(newPair.cert, 'utf8'));
const subject = { sub: 'alice', username: 'alice', idp: 'https://idp', claims: { sub: 'alice', groups: ['developers'] }, vouchedAt: 1_000 };
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, number>;

test('RSA signs RS256, EC signs ES256, each with its libtrust kid and x5c', () => {
  const rsa = loadSigningKeys(oldPair.key, oldPair.cert).current;
  const ec = loadSigningKeys(newPair.key, newPair.cert).current;
  assert.equal(rsa.alg, 'RS256');
  assert.equal(ec.alg, 'ES256');
  assert.match(ec.kid, /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  assert.notEqual(rsa.kid, ec.kid);
  assert.equal(ec.x5c.length, 1);
});

test('a key that matches no certificate of the bundle is refused at start', () => {
  assert.throws(() => loadSigningKeys(newPair.key, oldPair.cert), /matches no certificate/);
  assert.throws(() => loadSigningKeys(join(dir, 'absent.key'), bundle), /cannot read the signing key/);
});

test('rotation: refresh tokens of the old key stay valid while its certificate is in the bundle', async () => {
  const before = new RegistryTokens(loadSigningKeys(oldPair.key, bundle), 'ts', 300, 3600);
  const after = new RegistryTokens(loadSigningKeys(newPair.key, bundle), 'ts', 300, 3600);
  const { token } = await before.refreshToken('registry.example', subject, 1_000);
  assert.deepEqual(await after.verifyRefreshToken(token, 'registry.example', 1_010), { ...subject, chainEndsAt: 4_600, signedByCurrentKey: false });
  const dropped = new RegistryTokens(loadSigningKeys(newPair.key, newPair.cert), 'ts', 300, 3600);
  assert.deepEqual(await dropped.verifyRefreshToken(token, 'registry.example', 1_010), { refused: 'registry refresh token signed by an unknown key' });
});

test('a refresh token is bound to its service and issuer, expires, and is not an access token', async () => {
  const tokens = new RegistryTokens(loadSigningKeys(newPair.key, bundle), 'ts', 300, 3600);
  const { token } = await tokens.refreshToken('registry.example', subject, 1_000);
  assert.deepEqual(await tokens.verifyRefreshToken(token, 'other.example', 1_010), { refused: 'registry refresh token issued for another service' });
  assert.deepEqual(await tokens.verifyRefreshToken(token, 'registry.example', 1_000 + 3_601), { refused: 'registry refresh token expired' });
  const { token: access } = await tokens.accessToken('registry.example', 'alice', [{ type: 'repository', name: 'a', actions: ['pull'] }], 1_000);
  assert.deepEqual(await tokens.verifyRefreshToken(access, 'registry.example', 1_010), { refused: 'not a registry refresh token' });
  const other = new RegistryTokens(loadSigningKeys(newPair.key, bundle), 'another-issuer', 300, 3600);
  assert.deepEqual(await other.verifyRefreshToken(token, 'registry.example', 1_010), { refused: 'registry refresh token failed verification' });
  const claims = JSON.parse(Buffer.from(access.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
  assert.ok(Number.isInteger(claims.iat) && Number.isInteger(claims.exp) && Number.isInteger(claims.nbf), 'Distribution decodes the times as int64');
});

test('failure limiter: blocks one address after its limit, for the rest of its window only', () => {
  const limiter = new FailureLimiter(3, 1_000);
  for (let i = 0; i < 3; i++) limiter.recordFailure('a', 100);
  assert.ok(limiter.blockedFor('a', 200) > 0);
  assert.equal(limiter.blockedFor('b', 200), 0);
  assert.equal(limiter.blockedFor('a', 1_100), 0);
});

/** A token service over refresh tokens only (no provider is ever asked), its clock in `clock.now`. */
function refreshOnlyService(keysFrom: { key: string }, refreshTtlS: number, clock: { now: number }) {
  const tokens = new RegistryTokens(loadSigningKeys(keysFrom.key, bundle), 'ts', 300, refreshTtlS);
  const rules = new Rules([{ match: { sub: '*' }, repositories: ['team/*'], actions: ['pull', 'push'] }]);
  return { tokens, service: new TokenService('registry.example', new OidcVerifier([], 15, fetch, {}), rules, tokens, () => clock.now) };
}
const renew = (service: TokenService, token: string) =>
  service.token({ service: 'registry.example', scopes: ['repository:team/app:pull'], credential: { kind: 'refresh', token }, offline: true });

test('a chain of renewed refresh tokens ends refreshTokenTtl after the sign-in that started it', async () => {
  const clock = { now: 1_000 };
  const { tokens, service } = refreshOnlyService(newPair, 20, clock);
  let { token } = await tokens.refreshToken('registry.example', subject, 1_000);
  for (clock.now = 1_004; clock.now < 1_020; clock.now += 4) {
    const { decision, issued } = await renew(service, token);
    assert.equal(decision.outcome, 'issued', `renewal at ${clock.now}: ${decision.reason}`);
    assert.equal(claimsOf(issued!.refreshToken!).exp, 1_020, `the renewed refresh token ends with its chain (at ${clock.now})`);
    assert.ok(claimsOf(issued!.token).exp <= 1_020 && issued!.expiresIn <= 1_020 - clock.now, 'an access token of the chain ends with it');
    token = issued!.refreshToken!;
  }
  for (clock.now = 1_020; clock.now < 1_040; clock.now += 4) {
    const { decision, issued } = await renew(service, token);
    assert.deepEqual([decision.outcome, decision.status, issued], ['refused', 401, undefined], `renewal at ${clock.now}`);
  }
});

test('a shorter refreshTokenTtl also shortens the chains already handed out', async () => {
  const clock = { now: 1_010 };
  const { token } = await refreshOnlyService(newPair, 3_600, clock).tokens.refreshToken('registry.example', subject, 1_000);
  const { decision } = await renew(refreshOnlyService(newPair, 5, clock).service, token);
  assert.deepEqual([decision.outcome, decision.reason], ['refused', 'registry refresh token expired']);
});

test('a refresh token of the previous signing key grants access but is not renewed into the new key', async () => {
  const clock = { now: 1_010 };
  const { token } = await refreshOnlyService(oldPair, 3_600, clock).tokens.refreshToken('registry.example', subject, 1_000);
  const { decision, issued } = await renew(refreshOnlyService(newPair, 3_600, clock).service, token);
  assert.equal(decision.outcome, 'issued');
  assert.equal(issued!.refreshToken, undefined, 'dropping the old certificate then ends the chain');
});
