import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKeys } from '../../../src/tokenServer/signingKeys.js';
import { RegistryTokens } from '../../../src/tokenServer/registryTokens.js';
import { FailureLimiter } from '../../../src/tokenServer/failureLimiter.js';

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
const subject = { sub: 'alice', username: 'alice', idp: 'https://idp', claims: { sub: 'alice', groups: ['developers'] } };

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
  assert.deepEqual(await after.verifyRefreshToken(token, 'registry.example', 1_010), subject);
  const dropped = new RegistryTokens(loadSigningKeys(newPair.key, newPair.cert), 'ts', 300, 3600);
  assert.deepEqual(await dropped.verifyRefreshToken(token, 'registry.example', 1_010), { refused: 'registry refresh token signed by an unknown key' });
});

test('a refresh token is bound to its service and issuer, expires, and is not an access token', async () => {
  const tokens = new RegistryTokens(loadSigningKeys(newPair.key, bundle), 'ts', 300, 3600);
  const { token } = await tokens.refreshToken('registry.example', subject, 1_000);
  assert.deepEqual(await tokens.verifyRefreshToken(token, 'other.example', 1_010), { refused: 'registry refresh token issued for another service' });
  assert.deepEqual(await tokens.verifyRefreshToken(token, 'registry.example', 1_000 + 3_601), { refused: 'registry refresh token expired' });
  const access = await tokens.accessToken('registry.example', 'alice', [{ type: 'repository', name: 'a', actions: ['pull'] }], 1_000);
  assert.deepEqual(await tokens.verifyRefreshToken(access, 'registry.example', 1_010), { refused: 'not a registry refresh token' });
  const other = new RegistryTokens(loadSigningKeys(newPair.key, bundle), 'another-issuer', 300, 3600);
  assert.deepEqual(await other.verifyRefreshToken(token, 'registry.example', 1_010), { refused: 'registry refresh token failed verification' });
  const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  assert.ok(Number.isInteger(claims.iat) && Number.isInteger(claims.exp) && Number.isInteger(claims.nbf), 'Distribution decodes the times as int64');
});

test('failure limiter: blocks one address after its limit, for the rest of its window only', () => {
  const limiter = new FailureLimiter(3, 1_000);
  for (let i = 0; i < 3; i++) limiter.recordFailure('a', 100);
  assert.ok(limiter.blockedFor('a', 200) > 0);
  assert.equal(limiter.blockedFor('b', 200), 0);
  assert.equal(limiter.blockedFor('a', 1_100), 0);
});
