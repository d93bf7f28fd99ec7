// Pipelines sign in without a person: registry-login checks the configuration with one grant; `get`
// runs the grant again (with a fresh CI token) whenever the cached token is missing or expiring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login } from '../../../src/service/login.js';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import { fakeProvider } from '../../support/fakeProvider.js';
import { testDeps, testPresenter } from '../../support/testDeps.js';
import type { SettingsInput } from '../../../src/config/resolveSettings.js';

function pipelineWorld(options: { env?: NodeJS.ProcessEnv; noSecretService?: boolean } = {}) {
  const idp = fakeProvider();
  const world = testDeps({ fetch: idp.fetch, env: options.env ?? {}, ...(options.noSecretService ? { noSecretService: true } : {}) });
  const signIn = (registry: string, flags: SettingsInput) => login(world.deps, registry, { issuer: idp.issuer, clientId: 'robot', ...flags }, testPresenter());
  return { ...world, idp, signIn };
}

function secretFile(secret: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dco-secret-')), 'secret');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return file;
}

test('client credentials with a secret file: login runs the grant once, saves only the path, and get reuses the token', async () => {
  const w = pipelineWorld();
  const file = secretFile('s3cret-value');
  const result = await w.signIn('reg.example', { grant: 'client-credentials', clientSecretFile: file, username: 'robot' });
  assert.equal(result.pipeline, true);
  assert.equal(result.store, 'secret-service');
  assert.equal(w.idp.counts.pipeline, 1);
  const form = w.idp.pipelineRequests[0];
  assert.deepEqual([form.get('grant_type'), form.get('client_id'), form.get('client_secret')], ['client_credentials', 'robot', 's3cret-value']);
  const settings = readFileSync(w.settingsPath, 'utf8');
  assert.ok(!settings.includes('s3cret-value') && settings.includes(file), 'the path is saved, never the secret');
  assert.ok(!w.store.items.has('session:https://idp.test#robot') || !JSON.parse(w.store.items.get('session:https://idp.test#robot')!).refreshToken);

  const helper = credentialHelper(w.deps);
  assert.deepEqual(await helper.get('reg.example'), { ServerURL: 'reg.example', Username: 'robot', Secret: 'pat-1' });
  assert.equal(w.idp.counts.pipeline, 1, 'a fresh cached token needs no request');
  w.clock.now += 400; // past half of the 300 s lifetime
  assert.equal((await helper.get('reg.example')).Secret, 'pat-2', 'an expiring token is replaced by a new grant, no person involved');
  assert.equal(w.idp.counts.pipeline, 2);
});

test('token exchange presents the CI token, read again at every renewal (a GitLab id_tokens variable)', async () => {
  const env: NodeJS.ProcessEnv = { CI_JOB_JWT_V2: 'ci-token-1' };
  const w = pipelineWorld({ env });
  await w.signIn('reg.example', { grant: 'token-exchange', ciToken: 'gitlab:CI_JOB_JWT_V2', audience: 'registry' });
  const first = w.idp.pipelineRequests[0];
  assert.equal(first.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
  assert.deepEqual(
    [first.get('subject_token'), first.get('subject_token_type'), first.get('audience')],
    ['ci-token-1', 'urn:ietf:params:oauth:token-type:jwt', 'registry'],
  );
  env.CI_JOB_JWT_V2 = 'ci-token-2';
  w.clock.now += 400;
  await credentialHelper(w.deps).get('reg.example');
  assert.equal(w.idp.pipelineRequests[1].get('subject_token'), 'ci-token-2');
  assert.ok(![...w.store.items.values()].some((v) => v.includes('ci-token')), 'the CI token is never kept');
});

test('jwt-bearer presents a projected token file as the assertion; client-credentials with --ci-token as a federated client assertion', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-ci-'));
  writeFileSync(join(dir, 'token'), 'projected-1\n');
  const w = pipelineWorld();
  await w.signIn('one.example', { grant: 'jwt-bearer', ciToken: `file:${join(dir, 'token')}` });
  const bearer = w.idp.pipelineRequests[0];
  assert.deepEqual([bearer.get('grant_type'), bearer.get('assertion')], ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'projected-1']);
  await w.signIn('two.example', { grant: 'client-credentials', clientId: 'app', ciToken: `file:${join(dir, 'token')}`, scope: 'api://x/.default' });
  const federated = w.idp.pipelineRequests[1];
  assert.deepEqual(
    [
      federated.get('grant_type'),
      federated.get('client_id'),
      federated.get('client_assertion_type'),
      federated.get('client_assertion'),
      federated.get('scope'),
      federated.get('client_secret'),
    ],
    ['client_credentials', 'app', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'projected-1', 'api://x/.default', null],
  );
});

test('private_key_jwt signs a fresh assertion for every request', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const file = join(mkdtempSync(join(tmpdir(), 'dco-key-')), 'key.json');
  writeFileSync(file, JSON.stringify({ ...key, kid: 'robot-key-1' }));
  const w = pipelineWorld();
  await w.signIn('reg.example', { grant: 'client-credentials', privateKeyFile: file });
  w.clock.now += 400;
  await credentialHelper(w.deps).get('reg.example');
  const assertions = w.idp.pipelineRequests.map((form) => form.get('client_assertion')!);
  assert.equal(assertions.length, 2);
  assert.notEqual(assertions[0], assertions[1], 'a new assertion each time');
  const [header, payload] = assertions[0]
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  assert.deepEqual([header.alg, header.kid, payload.iss, payload.sub], ['ES256', 'robot-key-1', 'robot', 'robot']);
  assert.ok(!readFileSync(w.settingsPath, 'utf8').includes('"d"'), 'the key stays in its file');
});

test('without a Secret Service a pipeline keeps its token in the kernel keyring; a person is refused with the flag to use', async () => {
  const w = pipelineWorld({ noSecretService: true });
  const result = await w.signIn('reg.example', { grant: 'client-credentials', clientSecretFile: secretFile('x') });
  assert.deepEqual([result.store, result.storeReason], ['kernel', 'no Secret Service here']);
  assert.equal(JSON.parse(w.kernel.items.get('reg.example')!).secret, 'pat-1');
  assert.equal((await credentialHelper(w.deps).get('reg.example')).Secret, 'pat-1');

  await assert.rejects(login(w.deps, 'person.example', { issuer: w.idp.issuer, clientId: 'cli' }, testPresenter()), (error: Error) => {
    assert.match(error.message, /add --store kernel/);
    return true;
  });
  assert.equal(w.idp.counts.device, 0, 'refused before anybody is asked for a code');
});

test('--store none keeps nothing: every get runs the grant', async () => {
  const w = pipelineWorld({ noSecretService: true });
  await w.signIn('reg.example', { grant: 'client-credentials', clientSecretFile: secretFile('x'), store: 'none' });
  const helper = credentialHelper(w.deps);
  await helper.get('reg.example');
  await helper.get('reg.example');
  assert.equal(w.idp.counts.pipeline, 3);
  assert.equal(w.kernel.items.size + w.store.items.size, 0);
  assert.deepEqual([...(await helper.list())], [], 'list answers without a Secret Service');
});

test('a refused grant is one line that says what to fix', async () => {
  const w = pipelineWorld();
  w.idp.pipelineError = { error: 'invalid_client', error_description: 'client authentication failed' };
  await assert.rejects(w.signIn('reg.example', { grant: 'client-credentials', clientSecretFile: secretFile('wrong') }), {
    message:
      /refused --grant client-credentials for reg.example \(invalid_client\): it did not accept the client's credentials: check --client-id and the secret or key/,
  });
  w.idp.pipelineError = { error: 'invalid_request', error_description: 'AADSTS70021: No matching federated identity record found for presented assertion.' };
  await assert.rejects(w.signIn('reg.example', { grant: 'client-credentials', ciToken: 'gitlab:TOKEN' }), {
    code: 'not-configured',
    message: /GitLab CI variable TOKEN holds no token/,
  });
  const env = { TOKEN: 'a.b.c' };
  const w2 = pipelineWorld({ env });
  w2.idp.pipelineError = w.idp.pipelineError;
  await assert.rejects(w2.signIn('reg.example', { grant: 'client-credentials', ciToken: 'gitlab:TOKEN' }), {
    message: /no federated credential of the application matches the CI token from GitLab \(TOKEN\)/,
  });
  w2.idp.pipelineError = { error: 'invalid_request', error_description: 'AADSTS700024: Client assertion is not within its valid time range.' };
  await assert.rejects(w2.signIn('reg.example', { grant: 'client-credentials', ciToken: 'gitlab:TOKEN' }), { message: /is not within its valid time range/ });
  assert.equal(w.store.items.size + w2.store.items.size, 0, 'nothing stored');
});

test('settings that cannot work are refused before any request', async () => {
  const w = pipelineWorld();
  await assert.rejects(w.signIn('reg.example', { grant: 'client-credentials' }), { message: /needs the client's credential: add --client-secret-file PATH/ });
  await assert.rejects(w.signIn('reg.example', { grant: 'token-exchange' }), { message: /presents the CI platform's token: add --ci-token/ });
  await assert.rejects(w.signIn('reg.example', { grant: 'jwt-bearer', ciToken: 'jenkins' }), { message: /--ci-token "jenkins" is not a token source/ });
  await assert.rejects(w.signIn('reg.example', { grant: 'client-credentials', ciToken: 'auto', clientSecretEnv: 'X' }), {
    message: /drop --client-secret-env/,
  });
  await assert.rejects(w.signIn('reg.example', { ciToken: 'auto' }), { message: /add --grant client-credentials/ });
  assert.equal(w.idp.counts.discovery, 0);
});

test('a pipeline whose store fills up (the kernel keyring quota) still answers, with a grant per get', async () => {
  const w = pipelineWorld({ noSecretService: true });
  await w.signIn('reg.example', { grant: 'client-credentials', clientSecretFile: secretFile('x'), store: 'kernel' });
  const { HelperError } = await import('../../../src/errors.js');
  w.kernel.write = async () => {
    throw new HelperError('keychain-failure', "the kernel keyring's quota for this user is full (write: EDQUOT)");
  };
  w.clock.now += 400;
  const helper = credentialHelper(w.deps);
  assert.equal((await helper.get('reg.example')).Secret, 'pat-2');
  assert.equal((await helper.get('reg.example')).Secret, 'pat-3', 'nothing could be cached: the next get runs the grant again');
  assert.equal(w.idp.counts.pipeline, 3);
});
