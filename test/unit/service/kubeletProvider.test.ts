import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login } from '../../../src/service/login.js';
import { cacheSecondsFor, provideForKubelet } from '../../../src/service/kubeletProvider.js';
import { fakeProvider } from '../../support/fakeProvider.js';
import { testDeps, testPresenter } from '../../support/testDeps.js';

const request = (image: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: 'CredentialProviderRequest', apiVersion: 'credentialprovider.kubelet.k8s.io/v1', image, ...extra });

function world() {
  const idp = fakeProvider();
  const w = testDeps({ fetch: idp.fetch, noSecretService: true });
  const secret = join(mkdtempSync(join(tmpdir(), 'dco-node-')), 'secret');
  writeFileSync(secret, 'node-secret');
  return { ...w, idp, secret };
}

test("a node's client credentials answer the kubelet; nothing is kept; cacheDuration ends before the token", async () => {
  const w = world();
  w.idp.accessTokenTtl = 3600;
  await login(
    w.deps,
    'reg.example',
    { issuer: w.idp.issuer, clientId: 'node', grant: 'client-credentials', clientSecretFile: w.secret, store: 'none', username: 'node' },
    testPresenter(),
  );
  const answer = await provideForKubelet(w.deps, request('reg.example/team/app:1'));
  assert.deepEqual(answer.auth, { 'reg.example': { username: 'node', password: 'pat-2' } });
  assert.equal(answer.cacheDuration, '55m0s', 'an hour minus the 5 min margin');
  assert.equal(w.kernel.items.size, 0);
});

test("the pod's service-account token is the subject of a token exchange, fresh per request", async () => {
  const w = world();
  await login(w.deps, 'reg.example', { issuer: w.idp.issuer, clientId: 'k8s', grant: 'token-exchange', ciToken: 'kubelet' }, testPresenter());
  assert.equal(w.idp.counts.pipeline, 0, 'nothing to exchange at configuration time');
  await provideForKubelet(w.deps, request('reg.example/app', { serviceAccountToken: 'sa-token-pod-1' }));
  await provideForKubelet(w.deps, request('reg.example/app', { serviceAccountToken: 'sa-token-pod-2' }));
  assert.deepEqual(
    w.idp.pipelineRequests.map((f) => f.get('subject_token')),
    ['sa-token-pod-1', 'sa-token-pod-2'],
  );
  assert.equal(w.deps.env.DOCKER_CREDENTIAL_OIDC_KUBELET_SERVICE_ACCOUNT_TOKEN, undefined, 'the token never reaches the shared environment');
  await assert.rejects(provideForKubelet(w.deps, request('reg.example/app')), { message: /sent no service-account token .*tokenAttributes/ });
});

test('registries it does not serve, and people, are refused with what to do', async () => {
  const w = world();
  await assert.rejects(provideForKubelet(w.deps, request('other.example/app')), { code: 'not-configured', message: /other.example is not configured in / });
  await assert.rejects(provideForKubelet(w.deps, request('nginx:latest')), { message: /Docker Hub/ });
});

test('cacheDuration: a tenth of the lifetime as margin, between 10 s and 5 min, at least 1 s', () => {
  assert.equal(cacheSecondsFor({ issuedAt: 0, expiresAt: 3600 }, 0), 3300);
  assert.equal(cacheSecondsFor({ issuedAt: 0, expiresAt: 300 }, 0), 270);
  assert.equal(cacheSecondsFor({ issuedAt: 0, expiresAt: 60 }, 0), 50);
  assert.equal(cacheSecondsFor({ issuedAt: 0, expiresAt: 5 }, 0), 1);
});
