// doctor's pure parts: reading a D-Bus address, naming a network failure, splitting an error into
// what and fix, the clock bound, a pipeline's CI token source; and get's errors pointing at doctor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperError, notSignedIn } from '../../../src/errors.js';
import type { RegistryEntry } from '../../../src/model.js';
import { withDoctorHint } from '../../../src/service/doctor/doctorHint.js';
import { fromError } from '../../../src/service/doctor/check.js';
import { busSocketOf } from '../../../src/service/doctor/sessionBus.js';
import { classifyFailure, fixFor, proxyFor } from '../../../src/service/doctor/networkFailure.js';
import { checkClockSkew } from '../../../src/service/doctor/providerDiscovery.js';
import { checkPipelineCredential } from '../../../src/service/doctor/ciTokenPresence.js';

const entry = (extra: Partial<RegistryEntry> = {}): RegistryEntry => ({
  serverURL: 'reg.example',
  issuer: 'https://idp.example',
  clientId: 'c',
  scope: 'openid',
  mode: 'password',
  usernameClaim: 'sub',
  secretToken: 'access-token',
  ...extra,
});

test('a D-Bus address: the first unix socket, path or abstract, %-decoded; other transports said as such', () => {
  assert.deepEqual(busSocketOf('unix:path=/run/user/1000/bus'), { path: '/run/user/1000/bus', abstract: false });
  assert.deepEqual(busSocketOf('unix:abstract=/tmp/dbus-Ab%2cC,guid=0123'), { path: '/tmp/dbus-Ab,C', abstract: true });
  assert.deepEqual(busSocketOf('tcp:host=localhost,port=1234;unix:path=/x'), { other: 'tcp' });
  assert.equal(busSocketOf(''), undefined);
});

test('a network failure is named: a TLS code anywhere in the cause chain, else the deepest message', () => {
  const tls = Object.assign(new Error('self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca'), {
    code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  });
  assert.deepEqual(classifyFailure(new TypeError('fetch failed', { cause: tls })), {
    kind: 'tls',
    what: 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
  });
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  assert.deepEqual(classifyFailure(new TypeError('fetch failed', { cause: refused })), { kind: 'unreachable', what: 'connect ECONNREFUSED 127.0.0.1:9' });
  assert.equal(classifyFailure(new DOMException('timed out', 'TimeoutError')).what, 'no answer within 10 s');
  assert.equal(classifyFailure(new HelperError('invalid-input', 'refused: a redirect')).kind, 'refused-by-us');
});

test('the fix for a TLS failure names --ca-file; behind a proxy, the proxy; NO_PROXY is honoured', () => {
  const url = new URL('https://idp.corp.example/.well-known/openid-configuration');
  assert.match(fixFor({ kind: 'tls', what: '' }, url, undefined, {}), /sign in again with --ca-file PATH-TO-CA\.pem, or set NODE_EXTRA_CA_CERTS/);
  assert.match(fixFor({ kind: 'tls', what: '' }, url, '/etc/ca.pem', {}), /the extra CAs \(--ca-file \/etc\/ca\.pem\) do not include/);
  const proxied = { HTTPS_PROXY: 'http://user:pw@proxy.corp:3128' };
  assert.equal(proxyFor(url, proxied), 'proxy.corp:3128', 'the proxy, without its credentials');
  assert.match(fixFor({ kind: 'unreachable', what: '' }, url, undefined, proxied), /the proxy proxy\.corp:3128/);
  assert.equal(proxyFor(url, { ...proxied, NO_PROXY: '.corp.example' }), undefined);
  assert.equal(proxyFor(new URL('http://idp.example'), proxied), undefined, 'HTTPS_PROXY is not for http');
});

test('an error becomes "what. Fix: how" at its first ": " outside parentheses', () => {
  const result = fromError('failed', 'sign-in', notSignedIn('reg.example'), 'reg.example');
  assert.deepEqual(result, {
    check: 'sign-in',
    registry: 'reg.example',
    status: 'failed',
    detail: 'not signed in to reg.example',
    fix: 'run "registry-login reg.example"',
  });
  const nested = fromError('warning', 'x', new HelperError('keychain-failure', 'the keyring failed (read: EPERM: denied): use --store none'));
  assert.equal(nested.detail, 'the keyring failed (read: EPERM: denied)');
  assert.equal(nested.fix, 'use --store none');
  assert.deepEqual(fromError('failed', 'x', new Error('plain')), { check: 'x', status: 'failed', detail: 'plain' });
});

test('the clock: within two minutes is ok, beyond fails and says which way', () => {
  const target = { key: 'reg.example', registry: 'reg.example', entry: entry() };
  const at = (skewS: number | undefined) =>
    checkClockSkew(target, { result: { check: 'provider', status: 'ok', detail: '' }, answered: true, ...(skewS === undefined ? {} : { skewS }) })[0];
  assert.equal(at(30).status, 'ok');
  assert.match(at(600).detail, /this machine's clock is 10 min behind/);
  assert.match(at(-600).detail, /10 min ahead of/);
  assert.equal(at(undefined).status, 'warning');
  assert.deepEqual(checkClockSkew(target, { result: { check: 'provider', status: 'failed', detail: '' }, answered: false }), []);
});

test("a pipeline's CI token source: present or missing, never asked for", async () => {
  const github = entry({ grant: 'token-exchange', ciToken: 'github-actions' });
  const missing = await checkPipelineCredential(github, 'reg.example', {});
  assert.equal(missing.status, 'failed');
  assert.match(
    `${missing.detail}. Fix: ${missing.fix}`,
    /^ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set\. Fix: give the job "permissions: id-token: write"/,
  );
  const present = await checkPipelineCredential(github, 'reg.example', {
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'secret-request-token',
  });
  assert.equal(present.status, 'ok');
  assert.ok(!JSON.stringify(present).includes('secret-request-token'));
  const file = await checkPipelineCredential(entry({ grant: 'jwt-bearer', ciToken: 'file:/nonexistent/token' }), 'reg.example', {});
  assert.match(`${file.detail}. Fix: ${file.fix}`, /^cannot read the CI token file \/nonexistent\/token \(ENOENT\)\. Fix: check --ci-token file:PATH/);
  const auto = await checkPipelineCredential(entry({ grant: 'token-exchange', ciToken: 'auto' }), 'reg.example', {
    GITLAB_CI: 'true',
    GITLAB_OIDC_TOKEN: 'eyJ.a.b',
  });
  assert.equal(auto.detail, '--grant token-exchange: the CI token comes from GitLab (GITLAB_OIDC_TOKEN)');
  assert.equal((await checkPipelineCredential(entry({ grant: 'token-exchange', ciToken: 'auto' }), 'reg.example', {})).status, 'failed');
});

test("get's set-up failures point at doctor; a sign-in to redo and docker's own answers do not", async () => {
  const failing = (error: Error) =>
    withDoctorHint({ add: () => Promise.resolve(), delete: () => Promise.resolve(), list: () => Promise.resolve(new Map()), get: () => Promise.reject(error) });
  await assert.rejects(
    failing(new HelperError('keychain-unavailable', 'no Secret Service on the D-Bus session bus.')).get('https://reg.example:5000/v2/'),
    (error: HelperError) => {
      assert.equal(error.code, 'keychain-unavailable');
      assert.equal(
        error.message,
        'no Secret Service on the D-Bus session bus; for more, run "docker-credential-oidc doctor reg.example:5000", or set DOCKER_CREDENTIAL_OIDC_DEBUG=1 to trace the next try',
      );
      return true;
    },
  );
  await assert.rejects(failing(notSignedIn('reg.example')).get('reg.example'), { message: 'not signed in to reg.example: run "registry-login reg.example"' });
  await assert.rejects(failing(new HelperError('credentials-not-found', 'credentials not found in native keychain')).get('reg.example'), {
    message: 'credentials not found in native keychain',
  });
});
