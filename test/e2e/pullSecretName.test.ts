// `pull-secret --name` and `--namespace` become a Kubernetes object's metadata: what the API server
// would refuse (RFC 1123 names: lower case, digits, '-' and '.', at most 253 characters; a namespace
// is one label of at most 63) is refused here, in one line, before any credential is obtained.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, runHelper } from '../support/helperBinary.js';

let home: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  assertBuilt();
  home = await mkdtemp(join(tmpdir(), 'dco-pull-secret-'));
  env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') };
});

after(() => rm(home, { recursive: true, force: true }));

const refused: Array<[string, string[]]> = [
  ['a path', ['--name', '../x']],
  ['upper case', ['--name', 'RegCred']],
  ['a newline', ['--name', 'regcred\nkind: ConfigMap']],
  ['a leading dash', ['--name', '-regcred']],
  ['254 characters', ['--name', 'a'.repeat(254)]],
  ['a namespace with a dot', ['--name', 'regcred', '--namespace', 'team.a']],
  ['a namespace of 64 characters', ['--name', 'regcred', '--namespace', 'n'.repeat(64)]],
];

for (const [what, flags] of refused) {
  test(`pull-secret refuses ${what} in one line, before it looks for credentials`, async () => {
    const result = await runHelper(['pull-secret', ...flags, 'registry.example'], { env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /is not a Kubernetes (name|namespace).*RFC 1123/);
    assert.doesNotMatch(result.stderr, /D-Bus|Secret Service|not configured/);
  });
}

test('pull-secret takes a dotted lower-case name and gets as far as the credentials', async () => {
  const result = await runHelper(['pull-secret', '--name', 'regcred.team-a', '--namespace', 'team-a', 'registry.example'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /registry\.example is not configured/);
});
