// The composite GitHub Action (action.yml) run as a runner runs it, in a simulated Actions
// environment: each step's script under `bash --noprofile --norc -eo pipefail`, its `${{ }}`
// expressions from the inputs, GITHUB_PATH / GITHUB_OUTPUT / GITHUB_ENV files carried between steps,
// and the ID-token request variables (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN) pointed at a test CI
// issuer. It installs from a loopback mirror of a signed release, signs in with token exchange at a
// real oidc-provider, and skopeo pushes through the docker config it wrote to a token-auth registry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { assertBuilt, repoRoot, run, type RunResult } from '../support/helperBinary.js';
import { serveDirectory } from '../support/staticServer.js';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { PIPELINE_CLIENTS, startIdp, type Idp } from '../support/idp.js';
import { openRules, startTokenServerProcess, type TokenServerProcess } from '../support/tokenServerProcess.js';
import { startCiIssuer, type CiIssuer } from '../support/ciIssuer.js';
import { makeSigningKey, RELEASE_VERSION, writeRelease, type SigningKey } from '../support/releaseMirror.js';

const CI_AUDIENCE = 'registry-ci';

interface ActionStep {
  id?: string;
  name: string;
  shell: string;
  env?: Record<string, string>;
  run: string;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: ActionStep[] };
}
const action = parse(await readFile(join(repoRoot, 'action.yml'), 'utf8')) as Action;

let root: string;
let keyring: TestKeyring;
let ci: CiIssuer;
let idp: Idp;
let tokenServer: TokenServerProcess;
let registry: TestRegistry;
let key: SigningKey;
let mirror: Awaited<ReturnType<typeof serveDirectory>>;

before(async () => {
  assertBuilt();
  root = await mkdtemp(join(tmpdir(), 'dco-action-'));
  keyring = await startKeyring();
  ci = await startCiIssuer();
  idp = await startIdp({ ciTrust: { verify: (token) => ci.verify(token, CI_AUDIENCE) } });
  tokenServer = await startTokenServerProcess(openRules(idp, ['ci/*']));
  registry = await startRegistry(tokenServer.registryAuth);
  key = makeSigningKey(root);
  await writeRelease(join(root, 'release'), { key });
  mirror = await serveDirectory(join(root, 'release'));
});
after(async () => {
  await Promise.all([mirror?.stop(), registry?.stop(), tokenServer?.stop(), idp?.stop(), ci?.stop()]);
  await keyring?.stop();
  await rm(root, { recursive: true, force: true });
});

interface Job {
  home: string;
  env: NodeJS.ProcessEnv;
  /** Each step's result, in order. */
  results: RunResult[];
  outputs: Record<string, Record<string, string>>;
}

/** A fresh runner: HOME, RUNNER_TEMP and the GITHUB_* command files, the job's ID-token variables. */
async function newJob(name: string): Promise<Job> {
  const home = join(root, name);
  await mkdir(join(home, 'runner-temp'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...keyring.env,
    ...ci.github,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: '/usr/local/bin:/usr/bin:/bin',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: join(home, 'runner-temp'),
    GITHUB_PATH: join(home, 'github-path'),
    GITHUB_ENV: join(home, 'github-env'),
  };
  for (const file of [env.GITHUB_PATH!, env.GITHUB_ENV!]) await writeFile(file, '');
  return { home, env, results: [], outputs: {} };
}

/** `${{ … }}` as the runner evaluates the few forms action.yml uses; anything else is a test failure. */
function evaluate(text: string, context: { inputs: Record<string, string>; actionRef: string; outputs: Job['outputs'] }): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(expression))) {
      assert.ok(m[1] in action.inputs, `action.yml reads an undeclared input ${m[1]}`);
      return context.inputs[m[1]] ?? action.inputs[m[1]].default ?? '';
    }
    if (expression === 'github.action_path') return repoRoot;
    if (expression === 'github.action_ref') return context.actionRef;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression))) return context.outputs[m[1]]?.[m[2]] ?? '';
    throw new Error(`the simulated runner does not evaluate \${{ ${expression} }}`);
  });
}

/** Runs the action's steps in JOB, stopping at the first that fails (as a runner does). */
async function runAction(job: Job, inputs: Record<string, string>, actionRef = ''): Promise<RunResult> {
  let last: RunResult = { code: 0, stdout: '', stderr: '' };
  for (const [index, step] of action.runs.steps.entries()) {
    assert.equal(step.shell, 'bash');
    const script = join(job.home, `step-${index}.sh`);
    await writeFile(script, step.run);
    const outputFile = join(job.home, `output-${index}`);
    await writeFile(outputFile, '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), { inputs, actionRef, outputs: job.outputs })]));
    last = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      env: { ...job.env, ...stepEnv, GITHUB_OUTPUT: outputFile },
      timeoutMs: 180_000,
    });
    job.results.push(last);
    if (last.code !== 0) return last;
    if (step.id) job.outputs[step.id] = parseCommandFile(await readFile(outputFile, 'utf8'));
    await applyCommandFiles(job);
  }
  return last;
}

const parseCommandFile = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

/** What the runner does between steps: GITHUB_PATH lines go in front of PATH, GITHUB_ENV into the env. */
async function applyCommandFiles(job: Job): Promise<void> {
  const paths = (await readFile(job.env.GITHUB_PATH!, 'utf8')).split('\n').filter(Boolean).reverse();
  job.env.PATH = [...paths, '/usr/local/bin:/usr/bin:/bin'].join(':');
  Object.assign(job.env, parseCommandFile(await readFile(job.env.GITHUB_ENV!, 'utf8')));
}

const mirrorInputs = () => ({ version: RELEASE_VERSION, 'base-url': mirror.url, 'release-key': key.publicLine });

test('no input is spliced into a script: every ${{ }} is in a step env', () => {
  for (const step of action.runs.steps) assert.doesNotMatch(step.run, /\$\{\{/, step.name);
  assert.equal(action.runs.using, 'composite');
});

test('two lines in a workflow: install (signature-checked), sign in with the job token, then docker config works for skopeo', async () => {
  const job = await newJob('journey');
  const requestsBefore = ci.requests.github;
  const result = await runAction(job, {
    ...mirrorInputs(),
    registry: registry.host,
    issuer: idp.issuer,
    'client-id': PIPELINE_CLIENTS.exchange,
    'ci-token-audience': CI_AUDIENCE,
    args: `--resource ${idp.resource}`,
  });
  assert.equal(result.code, 0, job.results.map((r) => r.stdout + r.stderr).join('\n'));
  const prefix = join(job.home, 'runner-temp', 'docker-credential-oidc', 'bin');
  assert.deepEqual(job.outputs.install, { path: prefix });
  assert.equal(await readFile(job.env.GITHUB_PATH!, 'utf8'), `${prefix}\n`);
  assert.ok(mirror.requests.includes(`/download/v${RELEASE_VERSION}/SHA256SUMS.sig`), 'the signature was checked');
  assert.ok(ci.requests.github > requestsBefore, 'the job token came through ACTIONS_ID_TOKEN_REQUEST_URL');
  assert.match(job.results[1].stderr, new RegExp(`Signed in to ${registry.host.replace(/[.]/g, '\\.')} as .* without a person`));

  // A later step of the job: the tools are on PATH and docker's config names the helper.
  const config = JSON.parse(await readFile(join(job.home, '.docker', 'config.json'), 'utf8')) as { credHelpers?: Record<string, string> };
  assert.deepEqual(config.credHelpers, { [registry.host]: 'oidc' });
  const which = await run('bash', ['-c', 'command -v registry-login'], { env: job.env });
  assert.equal(which.stdout.trim(), join(prefix, 'registry-login'));
  const image = await makeOciImage(await mkdtemp(join(job.home, 'img-')));
  const push = await run(
    'skopeo',
    ['copy', '--authfile', join(job.home, '.docker', 'config.json'), '--dest-tls-verify=false', image, `docker://${registry.host}/ci/app:v1`],
    { env: job.env },
  );
  assert.equal(push.code, 0, push.stderr);
});

test('without a registry it only installs; without a version outside a release tag it says what to set', async () => {
  const job = await newJob('install-only');
  const installed = await runAction(job, mirrorInputs());
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(installed.stdout, /no registry input, so no sign-in/);
  assert.equal((await run('docker-credential-oidc', ['version'], { env: job.env })).code, 0);

  const unpinned = await runAction(await newJob('unpinned'), { ...mirrorInputs(), version: '' }, 'main');
  assert.equal(unpinned.code, 1);
  assert.match(
    unpinned.stdout,
    /^::error title=docker-credential-oidc::set 'with: version: X\.Y\.Z': this action is not used at a release tag \(main\), so it cannot pin a version itself$/m,
  );
  // At a release tag, the tag is the version.
  const tagged = await newJob('tagged');
  assert.equal((await runAction(tagged, { ...mirrorInputs(), version: '' }, `v${RELEASE_VERSION}`)).code, 0);
  assert.ok(mirror.requests.includes(`/download/v${RELEASE_VERSION}/SHA256SUMS`));
});

test('a hostile input stays a value; a release signed by another key installs nothing', async () => {
  const job = await newJob('hostile');
  const result = await runAction(job, {
    ...mirrorInputs(),
    registry: 'r.example',
    issuer: idp.issuer,
    'client-id': 'x',
    args: '$(touch pwned) `touch pwned` *',
  });
  assert.notEqual(result.code, 0);
  await assert.rejects(lstat(join(job.home, 'pwned')));
  await assert.rejects(lstat(join(repoRoot, 'pwned')));

  const other = await newJob('other-key');
  const refused = await runAction(other, { ...mirrorInputs(), 'release-key': makeSigningKey(other.home, 'other').publicLine });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is not signed by the release key: the download may have been tampered with; nothing was installed/);
  await assert.rejects(lstat(join(other.home, 'runner-temp', 'docker-credential-oidc')));
  assert.equal(other.results.length, 1, 'the sign-in step never ran');
});
