// Every provider docs/providers.md names, driven end to end through the built binary against a double built
// from that provider's documentation (test/support/providers/*.ts cite it): the device sign-in, the
// browser flow, get, a refresh, the provider's own refresh failure, a denial (exit 4) and logout.
// oidc-provider remains the reference for what the RFCs define (oidcJourney.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loginBinary, runHelper, type RunResult } from '../support/helperBinary.js';
import { startBrowserLogin, stubBrowser } from '../support/browserLogin.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';
import { startProviderDouble, type Personality, type ProviderDouble } from '../support/providers/providerDouble.js';
import { google, GOOGLE_CLIENT_SECRET } from '../support/providers/google.js';
import { entra } from '../support/providers/entra.js';
import { keycloak } from '../support/providers/keycloak.js';
import { okta } from '../support/providers/okta.js';
import { gitlab } from '../support/providers/gitlab.js';
import { dex } from '../support/providers/dex.js';

const ACCESS_TOKEN_TTL = 4;

let world: KeyringWorld;
let launcher: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  world = await startKeyringWorld('providers');
  launcher = await stubBrowser(world.home);
  await writeFile(join(world.home, 'google-client-secret'), `${GOOGLE_CLIENT_SECRET}\n`, { mode: 0o600 });
});
after(async () => world?.stop());

/** What a person adds per provider (the recipes of docs/providers.md). */
const extraArgs = (home: string): Record<string, string[]> => ({
  google: ['--client-secret-file', join(home, 'google-client-secret'), '--username', 'oauth2accesstoken'],
  gitlab: ['--username', 'oauth2'],
});

/** registry-login as a person runs it; the double plays the person (approve or decline at the first poll). */
function login(double: ProviderDouble, registry: string, flow: 'device-code' | 'browser'): { done: Promise<RunResult>; browserUrl: Promise<string> } {
  const args = [
    registry,
    '--issuer',
    double.issuer,
    '--client-id',
    'docker-cli',
    '--scope',
    'openid offline_access',
    '--flow',
    flow,
    ...(extraArgs(world.home)[double.personality.name] ?? []),
  ];
  if (flow === 'device-code') args.push('--no-browser');
  const { done, url } = startBrowserLogin(args, world.env, launcher, world.home);
  return { done, browserUrl: url };
}

/** The browser: the provider answers the authorization URL with a redirect to the helper's listener. */
async function browse(url: string): Promise<void> {
  const atProvider = await fetch(url, { redirect: 'manual' });
  const back = atProvider.headers.get('location');
  assert.ok(back, `the provider redirected back (HTTP ${atProvider.status})`);
  await (await fetch(back)).text();
}

async function get(registry: string): Promise<RunResult> {
  return runHelper(['get'], { env: world.env, input: registry });
}

const personalities: Array<{ personality: Personality; shows: RegExp; ended: RegExp }> = [
  {
    personality: google,
    shows: /open https:\/\/www\.google\.com\/device and enter the code/,
    ended: /the provider ended the sign-in for \S+ .*: run "registry-login/,
  },
  {
    personality: entra,
    shows: /To sign in, use a web browser to open the page https:\/\/microsoft\.com\/devicelogin and enter the code/,
    ended: /the provider needs you to sign in again for \S+ .*: run "registry-login/,
  },
  { personality: keycloak, shows: /\/realms\/dev\/device/, ended: /the provider ended the sign-in for \S+ .*: run "registry-login/ },
  { personality: okta, shows: /\/activate/, ended: /the provider ended the sign-in for \S+ .*: run "registry-login/ },
  { personality: gitlab, shows: /\/oauth\/device/, ended: /the provider ended the sign-in for \S+ .*: run "registry-login/ },
  { personality: dex, shows: /\/dex\/device/, ended: /the provider ended the sign-in for \S+ .*: run "registry-login/ },
];

for (const { personality, shows, ended } of personalities) {
  test(`${personality.name}: device sign-in, get, refresh, the provider's refresh failure, browser flow, logout, denial`, async () => {
    const double = await startProviderDouble(personality, { accessTokenTtl: ACCESS_TOKEN_TTL });
    const registry = `${personality.name}.registry.test`;
    try {
      // Device code: the code and the provider's own page are shown, the sign-in completes.
      const signedIn = await login(double, registry, 'device-code').done;
      assert.equal(signedIn.code, 0, signedIn.stderr);
      assert.match(signedIn.stderr, shows);
      assert.match(signedIn.stderr, new RegExp(`Logged in to ${registry.replace(/\./g, '\\.')} as `));
      let answer = await get(registry);
      assert.equal(answer.code, 0, answer.stdout);
      assert.equal(JSON.parse(answer.stdout).Secret, double.issued.at(-1));

      // A refresh (the 4 s token is renewed with 2 s left), rotation as the provider does it.
      await sleep(2500);
      answer = await get(registry);
      assert.equal(answer.code, 0, answer.stdout);
      assert.equal(JSON.parse(answer.stdout).Secret, double.issued.at(-1));
      assert.equal(double.counts.refresh, 1);
      assert.equal(double.counts.refreshFailures, 0);

      // The provider ends the sign-in: its own error text becomes "run registry-login".
      double.endAllSessions();
      await sleep(2500);
      answer = await get(registry);
      assert.equal(answer.code, 1);
      assert.match(answer.stdout, ended);
      assert.equal(answer.stdout.trim().split('\n').length, 1);

      // The browser flow signs in again (authorization code + PKCE on the loopback redirect).
      const browser = login(double, registry, 'browser');
      await browse(await browser.browserUrl);
      const again = await browser.done;
      assert.equal(again.code, 0, again.stderr);
      answer = await get(registry);
      assert.equal(JSON.parse(answer.stdout).Secret, double.issued.at(-1));

      // logout: revoked where the provider has a revocation endpoint.
      const logout = await runHelper(['logout', registry], { env: world.env });
      assert.equal(logout.code, 0, logout.stderr);
      assert.equal(double.counts.revocations, personality.paths.revoke ? 1 : 0);
      assert.equal((await get(registry)).code, 1, 'signed out');

      // A person who declines, at the device page and in the browser: exit 4, a plain sentence.
      double.decision = 'deny';
      const declined = await login(double, `declined.${registry}`, 'device-code').done;
      assert.equal(declined.code, 4, declined.stderr);
      assert.match(declined.stderr, /sign-in to declined\.\S+ was denied at /);
      const declinedInBrowser = login(double, `declined-browser.${registry}`, 'browser');
      await browse(await declinedInBrowser.browserUrl);
      assert.equal((await declinedInBrowser.done).code, 4);
    } finally {
      await double.stop();
    }
  });
}

test('the Harbor recipe: the ID token is the CLI secret, the username its preferred_username claim', async () => {
  const double = await startProviderDouble(keycloak, { accessTokenTtl: 300 });
  try {
    const registry = 'harbor.registry.test';
    const child = spawn(
      loginBinary,
      [
        registry,
        '--issuer',
        double.issuer,
        '--client-id',
        'harbor-cli',
        '--secret',
        'id-token',
        '--username-claim',
        'preferred_username',
        '--flow',
        'device-code',
        '--no-browser',
      ],
      { env: world.env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    assert.equal(await new Promise((resolve) => child.once('close', resolve)), 0, stderr);
    const answer = JSON.parse((await get(registry)).stdout) as { Username: string; Secret: string };
    const claims = JSON.parse(Buffer.from(answer.Secret.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual([answer.Username, claims.aud, claims.iss, claims.preferred_username], ['alice', 'harbor-cli', double.issuer, 'alice']);
    assert.ok(!double.issued.includes(answer.Secret), 'the ID token, not the access token');
  } finally {
    await double.stop();
  }
});

test('a client secret from an environment variable reaches the renewer over a pipe, never through its environment', async () => {
  const double = await startProviderDouble(google, { accessTokenTtl: 4 });
  try {
    const registry = 'env-secret.registry.test';
    const env = { ...world.env, GOOGLE_SECRET: GOOGLE_CLIENT_SECRET };
    const args = [
      registry,
      '--issuer',
      double.issuer,
      '--client-id',
      'docker-cli',
      '--scope',
      'openid offline_access',
      '--client-secret-env',
      'GOOGLE_SECRET',
      '--username',
      'oauth2accesstoken',
      '--flow',
      'device-code',
      '--no-browser',
    ];
    const signedIn = await startBrowserLogin(args, env, launcher, world.home).done;
    assert.equal(signedIn.code, 0, signedIn.stderr);
    await sleep(2500);
    // The refresh is held at the provider while the renewer's environment is looked at.
    double.tokenDelayMs = 1500;
    const getting = runHelper(['get'], { env, input: registry });
    await sleep(800);
    const environments: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('__renew-credential') && cmdline.includes(registry))
        environments.push(await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''));
    }
    const answer = await getting;
    assert.equal(answer.code, 0, answer.stdout);
    assert.equal(JSON.parse(answer.stdout).Secret, double.issued.at(-1), 'renewed with the secret');
    assert.ok(environments.length >= 1, 'the renewer was running');
    for (const environ of environments) assert.ok(!environ.includes(GOOGLE_CLIENT_SECRET), "the client secret is not in the renewer's environment");

    // Nor in the browser's, at a desktop.
    const browserArgs = args
      .map((a) => (a === 'device-code' ? 'browser' : a === registry ? `desktop.${registry}` : a === 'docker-cli' ? 'desktop-cli' : a))
      .filter((a) => a !== '--no-browser');
    const browser = startBrowserLogin(browserArgs, { ...env, DISPLAY: ':0' }, launcher, world.home);
    await browse(await browser.url);
    assert.equal((await browser.done).code, 0);
    const browserEnv = await browser.browserEnvironment();
    assert.match(browserEnv, /DISPLAY=:0/, 'the stub browser was started and recorded its environment');
    assert.ok(!browserEnv.includes(GOOGLE_CLIENT_SECRET), "the client secret is not in the browser's environment");
  } finally {
    await double.stop();
  }
});
