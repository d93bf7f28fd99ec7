// The platform rules (src/runtime/platform.ts) for each OS, checked on Linux: Windows' paths with Windows'
// separators, and the addon directory check Windows gets instead of POSIX mode bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Stats } from 'node:fs';
import { dockerConfigPath, lockDirectory, settingsPath, cacheDirectory, runtimeDirectory } from '../../../src/runtime/paths.js';
import { ownershipProblem, processStart } from '../../../src/runtime/platform.js';

const windowsEnv = {
  USERPROFILE: 'C:\\Users\\ada',
  APPDATA: 'C:\\Users\\ada\\AppData\\Roaming',
  LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local',
  // Set by Git Bash or MSYS; Windows rules never read them.
  HOME: '/home/ada',
  XDG_CONFIG_HOME: '/home/ada/.config',
  XDG_CACHE_HOME: '/home/ada/.cache',
  XDG_RUNTIME_DIR: '/run/user/1000',
};

test('Windows: settings under %APPDATA%, cache and locks under %LOCALAPPDATA%, docker under %USERPROFILE%\\.docker', () => {
  assert.equal(settingsPath(windowsEnv, 'win32'), 'C:\\Users\\ada\\AppData\\Roaming\\docker-credential-oidc\\config.json');
  assert.equal(cacheDirectory(windowsEnv, 'win32'), 'C:\\Users\\ada\\AppData\\Local\\docker-credential-oidc');
  assert.equal(runtimeDirectory(windowsEnv, 'win32'), undefined);
  assert.equal(lockDirectory(windowsEnv, 'win32'), 'C:\\Users\\ada\\AppData\\Local\\docker-credential-oidc\\locks');
  assert.equal(dockerConfigPath(windowsEnv, 'win32'), 'C:\\Users\\ada\\.docker\\config.json');
});

test('Windows: DOCKER_CONFIG and DOCKER_CREDENTIAL_OIDC_CONFIG win; without %APPDATA% the profile default is used', () => {
  assert.equal(dockerConfigPath({ ...windowsEnv, DOCKER_CONFIG: 'D:\\ci\\docker' }, 'win32'), 'D:\\ci\\docker\\config.json');
  assert.equal(settingsPath({ ...windowsEnv, DOCKER_CREDENTIAL_OIDC_CONFIG: 'D:\\ci\\oidc.json' }, 'win32'), 'D:\\ci\\oidc.json');
  assert.equal(settingsPath({ USERPROFILE: 'C:\\Users\\bo' }, 'win32'), 'C:\\Users\\bo\\AppData\\Roaming\\docker-credential-oidc\\config.json');
  assert.equal(cacheDirectory({ USERPROFILE: 'C:\\Users\\bo' }, 'win32'), 'C:\\Users\\bo\\AppData\\Local\\docker-credential-oidc');
});

test('Linux and macOS: XDG directories, ~/Library/Caches on macOS, locks in the runtime dir', () => {
  const env = { HOME: '/home/ada' };
  assert.equal(settingsPath(env, 'linux'), '/home/ada/.config/docker-credential-oidc/config.json');
  assert.equal(cacheDirectory(env, 'linux'), '/home/ada/.cache/docker-credential-oidc');
  assert.equal(cacheDirectory(env, 'darwin'), '/home/ada/Library/Caches/docker-credential-oidc');
  assert.equal(lockDirectory(env, 'linux'), '/home/ada/.cache/docker-credential-oidc/locks');
  assert.equal(lockDirectory({ ...env, XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux'), '/run/user/1000/docker-credential-oidc/locks');
  assert.equal(dockerConfigPath(env, 'darwin'), '/home/ada/.docker/config.json');
});

const directory = { isSymbolicLink: () => false } as Stats;
const windowsStat = { mode: 0o40777, uid: 0 } as Stats; // what Node reports for any writable folder on Windows
const noLinks = () => directory;

test('Windows addon directory: inside %LOCALAPPDATA% under the profile is private, whatever the mode bits say', () => {
  assert.equal(ownershipProblem('C:\\Users\\ada\\AppData\\Local\\docker-credential-oidc', windowsStat, 'win32', windowsEnv, noLinks), null);
  assert.equal(
    ownershipProblem('c:\\users\\ADA\\appdata\\local\\Temp\\docker-credential-oidc-user\\keyring-1.node', windowsStat, 'win32', windowsEnv, noLinks),
    null,
  );
});

test('Windows addon directory: outside %LOCALAPPDATA%, a %LOCALAPPDATA% outside the profile, or a junction on the way is refused', () => {
  assert.match(ownershipProblem('C:\\ProgramData\\docker-credential-oidc', windowsStat, 'win32', windowsEnv, noLinks) ?? '', /not inside your %LOCALAPPDATA%/);
  assert.match(ownershipProblem('C:\\Users\\ada\\AppData\\LocalLow\\x', windowsStat, 'win32', windowsEnv, noLinks) ?? '', /not inside your %LOCALAPPDATA%/);
  assert.match(ownershipProblem('C:\\Users\\ada\\AppData\\Local', windowsStat, 'win32', windowsEnv, noLinks) ?? '', /not inside/);
  assert.match(
    ownershipProblem('C:\\shared\\docker-credential-oidc', windowsStat, 'win32', { ...windowsEnv, LOCALAPPDATA: 'C:\\shared' }, noLinks) ?? '',
    /not inside your profile/,
  );
  const junctionAt = (linked: string) => (path: string) => ({ isSymbolicLink: () => path.toLowerCase() === linked.toLowerCase() }) as Stats;
  assert.match(
    ownershipProblem('C:\\Users\\ada\\AppData\\Local\\docker-credential-oidc', windowsStat, 'win32', windowsEnv, junctionAt('C:\\Users\\ada\\AppData')) ?? '',
    /AppData is a symbolic link or junction/,
  );
});

test('POSIX addon directory: another user, or group/other write, is refused by the mode bits', () => {
  const uid = process.getuid!();
  assert.equal(ownershipProblem('/home/ada/.cache/x', { uid, mode: 0o40700 } as Stats, 'linux'), null);
  assert.match(ownershipProblem('/tmp/x', { uid, mode: 0o41777 } as Stats, 'linux') ?? '', /writable by other users/);
  assert.match(ownershipProblem('/tmp/x', { uid: uid + 1, mode: 0o40700 } as Stats, 'linux') ?? '', /belongs to uid/);
});

test('lock holders: Linux knows a process by its start time, other platforms by the pid alone', () => {
  assert.match(processStart(process.pid, 'linux') ?? '', /^\d+$/);
  assert.equal(processStart(2 ** 22 + 1, 'linux'), null);
  assert.equal(processStart(process.pid, 'win32'), '');
});
