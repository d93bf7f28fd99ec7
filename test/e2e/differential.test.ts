// The same inputs to our binary and to Debian's docker-credential-secretservice (the Go helper from
// docker/docker-credential-helpers), each in its own fresh Secret Service: stdout and exit codes
// must be identical on everything docker relies on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, helperBinary, run } from '../support/helperBinary.js';

const GO_HELPER = '/usr/bin/docker-credential-secretservice';

let ours: TestKeyring;
let theirs: TestKeyring;
let home: string;

before(async () => {
  assertBuilt();
  [ours, theirs] = await Promise.all([startKeyring(), startKeyring()]);
  home = await mkdtemp(join(tmpdir(), 'dco-diff-'));
});
after(async () => {
  await Promise.all([ours?.stop(), theirs?.stop()]);
  await rm(home, { recursive: true, force: true });
});

type Step = [args: string[], input: string];

async function both(step: Step) {
  const [args, input] = step;
  const [a, b] = await Promise.all([run(helperBinary, args, { input, env: { ...ours.env, HOME: home } }), run(GO_HELPER, args, { input, env: theirs.env })]);
  return { ours: a, theirs: b };
}

const creds = (server: string, user: string, secret: string) => JSON.stringify({ ServerURL: server, Username: user, Secret: secret });

// Sequences docker itself produces: login stores the bare host, logout erases several spellings,
// build lists then gets, pulls get the host as stored.
const SEQUENCES: Array<{ name: string; steps: Step[] }> = [
  {
    name: 'docker login, pull, logout',
    steps: [
      [['store'], creds('registry.example:5000', 'alice', 'pw1')],
      [['get'], 'registry.example:5000'],
      [['get'], 'registry.example:5000\n'],
      [['get'], '  registry.example:5000  '],
      [['list'], 'unused'],
      [['erase'], 'registry.example:5000'],
      [['erase'], 'registry.example:5000'],
      [['erase'], 'http://registry.example:5000'],
      [['erase'], 'https://registry.example:5000'],
      [['get'], 'registry.example:5000'],
      [['list'], 'unused'],
    ],
  },
  {
    name: 'Docker Hub as docker sends it, special characters in the answer',
    steps: [
      [['store'], creds('https://index.docker.io/v1/', 'bob', 'p<a>&"ss\\word')],
      [['get'], 'https://index.docker.io/v1/'],
      [['list'], ''],
      [['erase'], 'https://index.docker.io/v1/'],
      [['store'], creds('https://index.docker.io/v1/', '<token>', 'refresh-token-value')],
      [['get'], 'https://index.docker.io/v1/'],
      [['erase'], 'https://index.docker.io/v1/'],
    ],
  },
  {
    name: 'repeated and differently cased fields resolve as Go decodes them',
    steps: [
      [['store'], '{"ServerURL":"keys1.example","Username":"u","Secret":"a","secret":"b","SECRET":"c"}'],
      [['get'], 'keys1.example'],
      [['store'], '{"ServerURL":"keys2.example","secret":"b","Secret":"a","Username":"first","username":"second"}'],
      [['get'], 'keys2.example'],
      [['store'], '{"ServerURL":"keys3.example","Username":"u","Secret":"kept","Secret":null}'],
      [['get'], 'keys3.example'],
      [['store'], '{"serverurl":"keys4.example","USERNAME":"u","\u017fecret":"long-s"}'],
      [['get'], 'keys4.example'],
      [['store'], '{"ServerURL":"keys5.example","ServerURL":"keys6.example","Username":"u","Secret":"s"}'],
      [['get'], 'keys5.example'],
      [['get'], 'keys6.example'],
      [['list'], ''],
    ],
  },
  {
    name: 'errors docker matches on',
    steps: [
      [['get'], 'never-stored.example'],
      [['get'], ''],
      [['get'], '\n'],
      [['erase'], ''],
      [['erase'], 'never-stored.example'],
      [['store'], creds('', 'u', 's')],
      [['store'], creds('r.example', '', 's')],
      [['bogus'], ''],
      [['STORE'], ''],
      [[], ''],
      [['list'], ''],
    ],
  },
];

for (const sequence of SEQUENCES) {
  test(`same stdout and exit code as docker-credential-secretservice: ${sequence.name}`, async () => {
    for (const step of sequence.steps) {
      const result = await both(step);
      const label = `${step[0].join(' ') || '(no argument)'} <<< ${JSON.stringify(step[1])}`;
      assert.equal(result.ours.code, result.theirs.code, `exit code of ${label}`);
      // Both print their own path as invoked in the usage line; everything else must match byte for byte.
      assert.equal(result.ours.stdout.replaceAll(helperBinary, '<helper>'), result.theirs.stdout.replaceAll(GO_HELPER, '<helper>'), `stdout of ${label}`);
    }
  });
}

test('where the Go helper is wrong we differ on purpose: a second username replaces, not duplicates', async () => {
  for (const step of [
    [['store'], creds('dup.example', 'first', 'one')],
    [['store'], creds('dup.example', 'second', 'two')],
  ] as Step[]) {
    await both(step);
  }
  const result = await both([['get'], 'dup.example']);
  assert.equal(result.ours.stdout, '{"ServerURL":"dup.example","Username":"second","Secret":"two"}\n');
  // The Go helper adds a second item, and which one its get answers depends on the search order.
  const count = async (keyring: TestKeyring, attribute: string, value: string) => {
    const { stdout } = await run('secret-tool', ['search', '--all', attribute, value], { env: keyring.env });
    return (stdout.match(/^\[\//gm) ?? []).length;
  };
  assert.equal(await count(theirs, 'server', 'dup.example'), 2);
  assert.equal(await count(ours, 'username', 'dup.example'), 1);
});
