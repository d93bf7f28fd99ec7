import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, parseRequest, registryHostOf, response } from '../../../src/kubelet/credentialProviderApi.js';

// What kubelets of each API version write (k8s.io/kubelet/pkg/apis/credentialprovider/*/types.go).
const GOLDEN = {
  v1: '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"registry.example.com:5000/team/app:1.0"}',
  v1WithServiceAccount:
    '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"registry.example.com/team/app@sha256:0123","serviceAccountToken":"eyJ.sa.token","serviceAccountAnnotations":{"example.com/client-id":"app"}}',
  v1beta1: '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","image":"registry.example.com/app"}',
  v1alpha1: '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1alpha1","image":"localhost/app:dev"}',
};

test('every API version parses; the service-account token and annotations of KEP-4412 are kept', () => {
  assert.deepEqual(parseRequest(GOLDEN.v1), { apiVersion: 'credentialprovider.kubelet.k8s.io/v1', image: 'registry.example.com:5000/team/app:1.0' });
  assert.deepEqual(parseRequest(GOLDEN.v1WithServiceAccount), {
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    image: 'registry.example.com/team/app@sha256:0123',
    serviceAccountToken: 'eyJ.sa.token',
    serviceAccountAnnotations: { 'example.com/client-id': 'app' },
  });
  assert.equal(parseRequest(GOLDEN.v1beta1).apiVersion, 'credentialprovider.kubelet.k8s.io/v1beta1');
  assert.equal(parseRequest(GOLDEN.v1alpha1).apiVersion, 'credentialprovider.kubelet.k8s.io/v1alpha1');
});

test('the response echoes the API version, keys auth by the matched host, and says Registry', () => {
  const answer = response('credentialprovider.kubelet.k8s.io/v1beta1', 'registry.example.com', { username: 'u', password: 'p' }, 3725);
  assert.deepEqual(answer, {
    kind: 'CredentialProviderResponse',
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1beta1',
    cacheKeyType: 'Registry',
    cacheDuration: '1h2m5s',
    auth: { 'registry.example.com': { username: 'u', password: 'p' } },
  });
});

test('durations are Go durations of whole seconds, never zero', () => {
  assert.deepEqual(
    [goDuration(0), goDuration(0.4), goDuration(59), goDuration(60), goDuration(3600), goDuration(86399)],
    ['1s', '1s', '59s', '1m0s', '1h0m0s', '23h59m59s'],
  );
});

test('the registry host of an image; Docker Hub references are refused with the reason', () => {
  assert.equal(registryHostOf('Registry.Example.com:5000/team/app:1'), 'registry.example.com:5000');
  assert.equal(registryHostOf('localhost/app'), 'localhost');
  assert.equal(registryHostOf('myreg.azurecr.io/app@sha256:00'), 'myreg.azurecr.io');
  for (const hub of ['nginx', 'library/nginx:1.27', 'team/app'])
    assert.throws(() => registryHostOf(hub), { message: /names no registry host, so it is Docker Hub's/ });
});

test('bad requests are one clear line each', () => {
  const cases: Array<[string, RegExp]> = [
    ['{not json', /stdin is not JSON/],
    ['[]', /not a JSON object/],
    ['{"apiVersion":"credentialprovider.kubelet.k8s.io/v1"}', /no "image"/],
    ['{"apiVersion":"credentialprovider.kubelet.k8s.io/v2","image":"r.example/a"}', /apiVersion "credentialprovider.kubelet.k8s.io\/v2" is not one of/],
    ['{"image":"r.example/a"}', /apiVersion null/],
    ['{"kind":"ExecCredential","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"r.example/a"}', /kind "ExecCredential"/],
    ['{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"r.example/a b"}', /not an image reference/],
    ['{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"r.example/a","serviceAccountToken":"a\\nb"}', /not a token/],
  ];
  for (const [input, message] of cases) assert.throws(() => parseRequest(input), { code: 'invalid-input', message });
});
