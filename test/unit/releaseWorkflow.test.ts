// The release workflow cannot run here (no GitHub runners): it is validated against GitHub's
// workflow schema with @action-validator/cli, and checked for what install.sh needs from it. The
// composite action (action.yml) is validated against the action schema the same way (its steps run
// in test/e2e/action.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/helperBinary.js';

const workflow = join(repoRoot, '.github', 'workflows', 'release.yml');
const action = join(repoRoot, 'action.yml');
const validate = (file: string) => spawnSync(join(repoRoot, 'node_modules', '.bin', 'action-validator'), [file], { encoding: 'utf8' });

test('the release workflow is valid against the GitHub Actions schema', () => {
  const result = validate(workflow);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('the validator does reject a broken workflow (the check can fail)', () => {
  const broken = join(mkdtempSync(join(tmpdir(), 'dco-workflow-')), 'release.yml');
  writeFileSync(broken, readFileSync(workflow, 'utf8').replace('runs-on: ${{ matrix.runner }}', 'runs-onn: ${{ matrix.runner }}'));
  assert.notEqual(validate(broken).status, 0);
});

test('every platform is built and smoke-tested, and the release has what install.sh downloads', () => {
  const text = readFileSync(workflow, 'utf8');
  for (const target of ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64']) assert.match(text, new RegExp(`target: ${target},`));
  assert.match(text, /npm run test:unit/);
  for (const os of ['Secret Service', 'macOS Keychain', 'Windows Credential Manager']) assert.match(text, new RegExp(`Protocol journey \\(${os}\\)`));
  assert.match(text, /node scripts\/protocolJourney\.mjs dist\/docker-credential-oidc\.exe/);
  assert.match(text, /run: npm run release/, 'each platform packs with the script npm test exercises');
  assert.match(text, /sha256sum docker-credential-oidc\[-_\]\* install\.sh > SHA256SUMS/);
  assert.match(text, /ssh-keygen -q -Y sign -f "\$key" -n file SHA256SUMS/);
  assert.match(text, /ssh-keygen -Y verify -f allowed_signers -I release@docker-credential-oidc -n file -s SHA256SUMS\.sig < SHA256SUMS/);
  assert.match(text, /install\.sh/);
  assert.match(text, /slsa-github-generator/);
});

test('action.yml is valid against the GitHub Actions action schema, and a broken one is rejected', () => {
  const result = validate(action);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const broken = join(mkdtempSync(join(tmpdir(), 'dco-action-')), 'action.yml');
  writeFileSync(broken, readFileSync(action, 'utf8').replace('using: composite', 'usin: composite'));
  assert.notEqual(validate(broken).status, 0);
});
