// A long build in a pipeline: access tokens live 4 s and CI tokens 5 s, and `get` keeps answering
// for minutes, because every renewal asks the CI platform for a fresh token first (the failure ACR
// and Entra users report most is the build that dies when its first CI token expires).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';
import { helperBinary, loginBinary, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { PIPELINE_CLIENTS, startIdp, type Idp } from '../support/idp.js';
import { openRules, startTokenServerProcess, type TokenServerProcess } from '../support/tokenServerProcess.js';
import { startCiIssuer, type CiIssuer } from '../support/ciIssuer.js';

const SOAK_SECONDS = Number(process.env.DCO_PIPELINE_SOAK_SECONDS ?? 150);
const CI_AUDIENCE = 'registry-ci';

let world: KeyringWorld;
let ci: CiIssuer;
let idp: Idp;
let tokenServer: TokenServerProcess;
let registry: TestRegistry;

before(async () => {
  world = await startKeyringWorld('pipeline-soak');
  ci = await startCiIssuer({ ttl: 5 });
  idp = await startIdp({ accessTokenTtl: 4, ciTrust: { verify: (token) => ci.verify(token, CI_AUDIENCE) } });
  tokenServer = await startTokenServerProcess(openRules(idp, ['ci/*']));
  registry = await startRegistry(tokenServer.registryAuth);
});

after(async () => {
  await Promise.all([registry?.stop(), tokenServer?.stop(), idp?.stop(), ci?.stop()]);
  await world?.stop();
});

test(
  `gets keep working for ${SOAK_SECONDS} s of 4 s access tokens and 5 s CI tokens, one fresh CI token per grant`,
  { timeout: (SOAK_SECONDS + 120) * 1000 },
  async () => {
    const env = { ...world.env, ...ci.github, PATH: `${dirname(helperBinary)}:${process.env.PATH}` };
    const login = await run(
      loginBinary,
      [
        registry.host,
        '--issuer',
        idp.issuer,
        '--client-id',
        PIPELINE_CLIENTS.exchange,
        '--resource',
        idp.resource,
        '--grant',
        'token-exchange',
        '--ci-token',
        'github-actions',
        '--ci-token-audience',
        CI_AUDIENCE,
        // The token server also offers the exchange (acr mode, long-lived registry tokens): this soak
        // is about the access token itself, renewed with a fresh CI token at every grant.
        '--mode',
        'password',
      ],
      { env },
    );
    assert.equal(login.code, 0, login.stderr);
    const authFile = join(world.home, 'auth.json');
    await writeFile(authFile, JSON.stringify({ credHelpers: { [registry.host]: 'oidc' } }));
    const image = await makeOciImage(await mkdtemp(join(world.home, 'img-')));
    const push = await run('skopeo', ['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/ci/app:v1`], { env });
    assert.equal(push.code, 0, push.stderr);

    const grantsBefore = idp.stats.tokenRequests['token-exchange'] ?? 0;
    const ciBefore = ci.requests.github;
    const failures: string[] = [];
    let gets = 0;
    const secrets = new Set<string>();
    const end = Date.now() + SOAK_SECONDS * 1000;
    while (Date.now() < end) {
      const result = await runHelper(['get'], { env, input: registry.host });
      gets++;
      if (result.code !== 0) failures.push(`get ${gets} at ${new Date().toISOString()}: ${result.stdout}${result.stderr}`);
      else secrets.add(JSON.parse(result.stdout).Secret);
      await new Promise((r) => setTimeout(r, 250));
    }
    // The last token still opens the registry.
    const pull = await run(
      'skopeo',
      ['copy', '--authfile', authFile, '--src-tls-verify=false', `docker://${registry.host}/ci/app:v1`, `oci:${join(world.home, 'pulled')}:v1`],
      { env },
    );
    assert.deepEqual(failures, []);
    assert.equal(pull.code, 0, pull.stderr);
    const grants = (idp.stats.tokenRequests['token-exchange'] ?? 0) - grantsBefore;
    const ciTokens = ci.requests.github - ciBefore;
    // A 4 s token is renewed when 2 s are left: about one grant every 2 s.
    assert.ok(grants >= SOAK_SECONDS / 4, `${grants} grants in ${SOAK_SECONDS} s`);
    assert.ok(ciTokens >= grants, `${ciTokens} CI tokens for ${grants} grants: each grant fetched a fresh one`);
    assert.ok(ciTokens <= grants + 1, 'and only for a grant (the pull may have started one more)');
    assert.equal(idp.stats.tokenRequests['token-exchange_error'] ?? 0, 0, 'no CI token was presented expired');
    assert.ok(secrets.size >= grants - 1);
    console.log(`pipeline soak: ${gets} gets, ${grants} grants, ${ciTokens} CI tokens, ${secrets.size} distinct access tokens`);
  },
);
