// Runs every *.test.ts under the given directories (default: test/unit and test/e2e) with node's
// test runner; node 20's --test takes no globs, so the files are listed here.
//
// gnome-keyring-daemon itself sometimes aborts under the suite's load (upstream gnome-keyring #190:
// "get_pkcs11_session: assertion 'client' failed", then a GLib-ERROR abort), and D-Bus starts an
// empty daemon in its place. A test file whose daemon died says so on stderr (test/support/keyring.ts).
// When every failed file is one whose daemon died, those files are run once more, and must pass;
// any other failure fails the run at once.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const KEYRING_DEATH_MARK = '[test keyring died]';
const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit', 'test/e2e'];

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** Runs the files, echoing everything; resolves with the exit code and what was printed. */
function runFiles(files) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    for (const [stream, sink] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      stream.on('data', (chunk) => {
        sink.write(chunk);
        output += chunk.toString();
      });
    }
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The files with a failed test, as the spec reporter names them ("test at FILE:LINE:COL"). */
function failedFiles(output) {
  return new Set([...output.matchAll(/^test at (.+?\.test\.ts):\d+:\d+$/gm)].map((m) => relative('.', m[1])));
}

/** The files whose keyring daemon died ("[test keyring died] (FILE) gnome-keyring-daemon …"). */
function filesWhoseDaemonDied(output) {
  const marker = KEYRING_DEATH_MARK.replace(/[[\]]/g, '\\$&');
  return new Set([...output.matchAll(new RegExp(`${marker} \\((.+?\\.test\\.ts)\\)`, 'g'))].map((m) => relative('.', m[1])));
}

const files = roots.flatMap((root) => (statSync(root).isDirectory() ? findTests(root) : [root]));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
console.log(`running ${files.length} test files: ${files.map((f) => relative('.', f)).join(' ')}`);
const first = await runFiles(files);
if (first.code === 0) process.exit(0);
const failed = failedFiles(first.output);
const died = filesWhoseDaemonDied(first.output);
const again = [...failed];
if (again.length === 0 || !again.every((file) => died.has(file))) process.exit(first.code);
console.log(`\nthe keyring daemon died under ${again.join(', ')} (upstream gnome-keyring #190): running ${again.length === 1 ? 'it' : 'them'} once more`);
const second = await runFiles(again);
process.exit(second.code);
