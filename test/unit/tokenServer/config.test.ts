import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, parseDuration } from '../../../src/tokenServer/config.js';
import { exampleConfig } from '../../support/tokenServerExample.js';

const EXAMPLE = exampleConfig();

test('the issue example parses as written, with defaults filled', () => {
  const config = parseConfig(EXAMPLE, 'token-server.yaml');
  assert.equal(config.tokenTtl, 300);
  assert.equal(config.refreshTokenTtl, 10_800);
  assert.equal(config.providers[0].audience, 'registry');
  assert.deepEqual(config.providers[0].algorithms, ['RS256', 'ES256']);
  assert.equal(config.rules.length, 3);
  assert.deepEqual(config.rateLimit, { failures: 20, window: 60 });
});

test('the same configuration as JSON parses the same', () => {
  const json = JSON.stringify(parseConfig(EXAMPLE, 'a.yaml'));
  assert.deepEqual(parseConfig(json, 'a.json'), parseConfig(EXAMPLE, 'a.yaml'));
});

test('problems name the file and the line', () => {
  assert.throws(
    () => parseConfig(EXAMPLE.replace('tokenTtl: 5m', 'tokenTtl: 5 minutes'), 'ts.yaml'),
    /^HelperError: ts\.yaml:7: tokenTtl: "5 minutes" is not a duration/,
  );
  assert.throws(() => parseConfig(EXAMPLE.replace('actions: [pull, push]', 'actions: [pull, write]'), 'ts.yaml'), /ts\.yaml:16: rules\.0\.actions\.1:/);
  assert.throws(() => parseConfig(EXAMPLE.replace('    audience: registry\n', ''), 'ts.yaml'), /ts\.yaml:10: providers\.0\.audience:/);
  assert.throws(() => parseConfig(EXAMPLE.replace('issuer: registry-token-server', 'isuer: registry-token-server'), 'ts.yaml'), /ts\.yaml:\d+: .*isuer/);
  assert.throws(() => parseConfig(`${EXAMPLE}rules: []\n`, 'ts.yaml'), /ts\.yaml:2[34]: Map keys must be unique/);
  assert.throws(() => parseConfig('listen: [unclosed\n', 'ts.yaml'), /ts\.yaml:\d+: /);
});

test('meaning the schema cannot check is refused with the fix', () => {
  assert.throws(() => parseConfig(EXAMPLE.replace('listen: 127.0.0.1:5001', 'listen: localhost'), 'ts.yaml'), /listen "localhost" is not host:port/);
  assert.throws(() => parseConfig(EXAMPLE.replace('https://sso.example.com', 'http://sso.example.com'), 'ts.yaml'), /must use https/);
  assert.throws(
    () =>
      parseConfig(
        EXAMPLE.replace('    actions: [pull]\n  - anonymous', '    actions: [pull]\n  - anonymous').replace(
          /anonymous: true\n {4}repositories: \["public\/\*"\]\n {4}actions: \[pull\]/,
          'anonymous: true\n    repositories: ["public/*"]\n    actions: [pull, push]',
        ),
        'ts.yaml',
      ),
    /anonymous rules may only pull/,
  );
  assert.throws(
    () => parseConfig(EXAMPLE.replace('  - match: {groups: developers}', '  - anonymous: true\n    match: {groups: developers}'), 'ts.yaml'),
    /both anonymous and match/,
  );
});

test('durations', () => {
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('1.5h'), 5400);
  assert.equal(parseDuration(42), 42);
  assert.equal(parseDuration('0s'), undefined);
  assert.equal(parseDuration('5 minutes'), undefined);
});

const KEYCLOAK_DROP_IN =
  EXAMPLE.replace(
    '    usernameClaim: preferred_username\n',
    '    usernameClaim: preferred_username\n    passwordGrant: true\n    passwordClient: {clientId: registry-token-server, clientSecretFile: /etc/token-server/client-secret}\n',
  ) +
  `browserSignIn:
  provider: https://sso.example.com/realms/dev
  clientId: registry-web
  clientSecretFile: /etc/token-server/web-secret
  redirectUri: https://token.example.com/callback
  origins: [https://registry-ui.example.com/]
  sessionTtl: 12h
`;

test('the Keycloak drop-in keys: passwordGrant with its client, browserSignIn with origins and a session bounded by refreshTokenTtl', () => {
  const config = parseConfig(KEYCLOAK_DROP_IN, 'ts.yaml');
  assert.equal(config.providers[0].passwordGrant, true);
  assert.equal(config.providers[0].passwordClient?.clientId, 'registry-token-server');
  assert.deepEqual(config.browserSignIn?.origins, ['https://registry-ui.example.com']);
  assert.equal(config.browserSignIn?.sessionTtl, 3 * 3600, 'a session never outlives refreshTokenTtl (3h)');
  assert.equal(config.browserSignIn?.scope, 'openid profile');
});

test('the Keycloak drop-in keys are refused with the fix when they cannot work', () => {
  assert.throws(() => parseConfig(KEYCLOAK_DROP_IN.replace(/ {4}passwordClient: .*\n/, ''), 'ts.yaml'), /passwordGrant needs passwordClient/);
  assert.throws(
    () => parseConfig(KEYCLOAK_DROP_IN.replace('provider: https://sso.example.com/realms/dev', 'provider: https://other.example.com'), 'ts.yaml'),
    /browserSignIn\.provider .* is not the issuer of one of providers/,
  );
  assert.throws(
    () => parseConfig(KEYCLOAK_DROP_IN.replace('https://token.example.com/callback', 'https://token.example.com/cb'), 'ts.yaml'),
    /must end in \/callback/,
  );
  assert.throws(
    () => parseConfig(KEYCLOAK_DROP_IN.replace('https://token.example.com/callback', 'http://token.example.com/callback'), 'ts.yaml'),
    /must use https/,
  );
  assert.throws(
    () => parseConfig(KEYCLOAK_DROP_IN.replace('[https://registry-ui.example.com/]', '[https://registry-ui.example.com/app]'), 'ts.yaml'),
    /must be an origin only/,
  );
  assert.throws(() => parseConfig(KEYCLOAK_DROP_IN.replace('[https://registry-ui.example.com/]', '[]'), 'ts.yaml'), /origins is empty/);
  assert.throws(() => parseConfig(KEYCLOAK_DROP_IN.replace('[https://registry-ui.example.com/]', '["*"]'), 'ts.yaml'), /is not a URL/);
});
