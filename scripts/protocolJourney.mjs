// The credential-helper protocol as docker drives it, against the OS keychain of the machine it runs
// on: what the release workflow runs natively on every runner (Windows Credential Manager, macOS
// Keychain, a Secret Service on Linux) with the binary it just built. test/e2e/windowsWine.test.ts
// runs the same steps under Wine here, where `list` is the one difference (Wine's CredEnumerateW).
//   node scripts/protocolJourney.mjs dist/docker-credential-oidc[.exe]
import { spawnSync } from 'node:child_process';

const [binary] = process.argv.slice(2);
if (!binary) throw new Error('usage: node scripts/protocolJourney.mjs BINARY');
const registry = `https://journey-${process.pid}.example:5000`;
// Larger than one Windows Credential Manager item (2,560 bytes): the record must be split and joined.
const secret = 'j'.repeat(6000);

function helper(args, input = '') {
  const result = spawnSync(binary, args, { input, encoding: 'utf8', timeout: 60_000, windowsHide: true });
  if (result.error) throw result.error;
  return result;
}
function expect(condition, what, result) {
  if (!condition)
    throw new Error(
      `${what}: exit ${result.status}, stdout ${JSON.stringify(result.stdout.slice(0, 300))}, stderr ${JSON.stringify(result.stderr.slice(0, 300))}`,
    );
  console.log(`ok: ${what}`);
}

const version = helper(['version']);
expect(version.status === 0 && /^docker-credential-oidc \S+ \(Node\.js v\d+\.\d+\.\d+ inside\)\n$/.test(version.stdout), 'version', version);
const stored = helper(['store'], JSON.stringify({ ServerURL: registry, Username: 'journey', Secret: secret }));
expect(stored.status === 0, 'store a 6,000-byte secret for a registry with a port', stored);
try {
  const got = helper(['get'], `${registry}\r\n`);
  expect(
    got.status === 0 && got.stdout === `${JSON.stringify({ ServerURL: registry, Username: 'journey', Secret: secret })}\n`,
    'get (input ending in CRLF) answers it whole',
    got,
  );
  const list = helper(['list']);
  expect(list.status === 0 && JSON.parse(list.stdout)[registry] === 'journey', 'list names it', list);
} finally {
  const erased = helper(['erase'], registry);
  expect(erased.status === 0, 'erase', erased);
}
const gone = helper(['get'], registry);
expect(gone.status === 1 && gone.stdout === 'credentials not found in native keychain\n', 'get after erase: not found, exit 1', gone);
const listed = helper(['list']);
expect(listed.status === 0 && !(registry in JSON.parse(listed.stdout)), 'nothing of it left in the keychain', listed);
