// The debug trace's writer: where it goes, what a line looks like, what it refuses to hold, and how it
// stays bounded (a forgotten variable on a build machine must never fill a disk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateDirectory } from '../../../src/runtime/paths.js';
import { installTraceSink, trace, traceRequested, tracing } from '../../../src/runtime/trace.js';
import { TraceFile, formatTraceLine, startTrace, traceDestination } from '../../../src/runtime/traceFile.js';

const NOW = Date.UTC(2026, 11, 7, 7, 12, 41, 123);

test('the variable: set means on, the usual spellings of "off" mean off; =1 is debug.log in the state directory', () => {
  for (const off of [undefined, '', ' ', '0', 'false', 'OFF', 'no']) assert.equal(traceRequested({ DOCKER_CREDENTIAL_OIDC_DEBUG: off }), false, String(off));
  for (const on of ['1', 'true', 'yes', '/tmp/x.log']) assert.equal(traceRequested({ DOCKER_CREDENTIAL_OIDC_DEBUG: on }), true, on);
  assert.equal(traceDestination({ DOCKER_CREDENTIAL_OIDC_DEBUG: '1', XDG_STATE_HOME: '/s' }, 'linux'), '/s/docker-credential-oidc/debug.log');
  assert.equal(traceDestination({ DOCKER_CREDENTIAL_OIDC_DEBUG: 'on', HOME: '/h' }, 'linux'), '/h/.local/state/docker-credential-oidc/debug.log');
  assert.equal(traceDestination({ DOCKER_CREDENTIAL_OIDC_DEBUG: '/var/log/dco.log' }, 'linux'), '/var/log/dco.log');
  assert.equal(traceDestination({ DOCKER_CREDENTIAL_OIDC_DEBUG: 'off' }, 'linux'), undefined);
  assert.equal(stateDirectory({ HOME: '/Users/a' }, 'darwin'), '/Users/a/Library/Logs/docker-credential-oidc');
  assert.equal(stateDirectory({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local', HOME: '/h' }, 'win32'), 'C:\\Users\\a\\AppData\\Local\\docker-credential-oidc');
});

test('a line: time, pid, step, key=value; quoted when it must be; undefined fields left out', () => {
  assert.equal(
    formatTraceLine(NOW, 42, 'http', { method: 'GET', url: 'https://idp.example/token', status: 200, ms: 35, error: undefined }),
    '2026-12-07T07:12:41.123Z 42 http method=GET url=https://idp.example/token status=200 ms=35\n',
  );
  assert.equal(formatTraceLine(NOW, 1, 'error', { message: 'no "x"', empty: '' }), '2026-12-07T07:12:41.123Z 1 error message="no \\"x\\"" empty=""\n');
});

test('a line is one line and holds no secret-shaped value, whatever a caller passes', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
  const line = formatTraceLine(NOW, 1, 'x', {
    refreshToken: 'rt-123',
    client_secret: 's3cr3t',
    Authorization: 'Bearer abc',
    cookie: 'sid=1',
    description: `bad token ${jwt} here`,
    text: 'a\nb\u001b[31m',
    count: 3,
  });
  for (const secret of ['rt-123', 's3cr3t', 'Bearer abc', 'sid=1', jwt, '\u001b']) assert.ok(!line.includes(secret), secret);
  assert.match(
    line,
    /refreshToken=\[redacted\] client_secret=\[redacted\] Authorization=\[redacted\] cookie=\[redacted\] description="bad token \[redacted jwt\] here" text="a\\nb\[31m" count=3\n$/,
  );
  assert.equal(line.split('\n').length, 2, 'one line');
  assert.ok(formatTraceLine(NOW, 1, 'x', { long: 'a'.repeat(5000) }).length < 500, 'values are cut');
});

test('the file is created 0600 (an existing one narrowed) and rotated to .1 before it passes its bound', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-trace-'));
  try {
    const path = join(dir, 'sub', 'debug.log');
    const file = new TraceFile(path, 1000);
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 25; i++) file.append(line);
    file.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
    assert.ok(existsSync(`${path}.1`));
    assert.ok(statSync(path).size <= 1000 && statSync(`${path}.1`).size <= 1000);
    assert.equal((statSync(path).size + statSync(`${path}.1`).size) % 100, 0, 'only whole lines');

    const named = join(dir, 'named.log');
    writeFileSync(named, 'before\n');
    chmodSync(named, 0o644);
    const other = new TraceFile(named);
    other.append('after\n');
    other.close();
    assert.equal(statSync(named).mode & 0o777, 0o600);
    assert.equal(readFileSync(named, 'utf8'), 'before\nafter\n', 'appended, not replaced');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a trace that cannot be written is said once and turned off; it never fails the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-trace-'));
  const warnings: string[] = [];
  try {
    writeFileSync(join(dir, 'file'), '');
    // A directory where the file's directory should be: every write fails.
    const path = startTrace({ DOCKER_CREDENTIAL_OIDC_DEBUG: join(dir, 'file', 'debug.log') }, (text) => warnings.push(text));
    assert.equal(path, join(dir, 'file', 'debug.log'));
    assert.equal(tracing(), true);
    trace('command', { command: 'get' });
    trace('exit', { code: 0 });
    assert.equal(tracing(), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /cannot write the debug trace to .*\((ENOTDIR|EEXIST)\): tracing is off/);
  } finally {
    installTraceSink(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('off: trace() does nothing and no sink is installed', () => {
  installTraceSink(undefined);
  assert.equal(tracing(), false);
  trace('command', { command: 'get' });
  assert.equal(
    startTrace({}, () => assert.fail('no warning')),
    undefined,
  );
  assert.equal(tracing(), false);
});
