// The only module that touches process.*: it reads argv and stdin, builds the real dependencies,
// runs one command and sets the exit code. The protocol path (every docker pull calls `get`) loads
// nothing else: commander and the sign-in code are imported only for the human commands.
import { readSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { HelperError, describeUnexpected, exitCodeFor, isProtocolAnswer, oneLine } from './errors.js';
import { PROTOCOL_ACTIONS, runProtocolAction, type ProtocolAction } from './cli/protocolAction.js';
import { unknownAction, usage } from './protocol/messages.js';
import { KeychainStore } from './store/keychainStore.js';
import { loadKeyring } from './native/keyringAddon.js';
import { LockingStore } from './store/lockingStore.js';
import { fileLock, lockDirectory } from './store/fileLock.js';
import { helperConfigPath } from './config/helperConfigPath.js';
import type { Ports } from './ports.js';
import { lazyBuiltin } from './lazyBuiltin.js';
import type { SecretStore } from './store/secretStore.js';
import { PROGRAM_NAME, VERSION, LOGIN_PROGRAM_NAME } from './version.js';

/** Docker never sends more than a URL or one credential; a flood on stdin is refused, not buffered. */
const MAX_STDIN_BYTES = 1024 * 1024;
const DEFAULT_KEYCHAIN_TIMEOUT_MS = 15_000;

const HUMAN_COMMANDS = new Set(['login', 'logout', 'status', 'configure-docker', 'help']);

function readStdin(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking pipe with nothing in it yet: wait a little instead of spinning.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF' || code === 'EBADF' || code === 'ENXIO') break; // no stdin at all
      throw error;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_STDIN_BYTES) {
      throw new HelperError('input-too-large', `input on stdin is larger than ${MAX_STDIN_BYTES} bytes: refused`);
    }
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function keychainTimeoutMs(): number {
  const seconds = Number(process.env.DOCKER_CREDENTIAL_OIDC_KEYCHAIN_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_KEYCHAIN_TIMEOUT_MS;
}

function invokedAs(): string {
  return basename(process.argv0 || process.argv[1] || PROGRAM_NAME).replace(/\.(exe|cjs|js|ts)$/i, '');
}

function print(fd: 1 | 2, text: string): void {
  if (text) writeSync(fd, text);
}

/** Docker reads the protocol's errors on stdout; operational errors also go to stderr for people. */
function reportProtocolError(error: unknown): number {
  const failure =
    error instanceof HelperError ? error : new HelperError('keychain-failure', describeUnexpected(error));
  const message = oneLine(failure.message);
  print(1, `${message}\n`);
  if (!isProtocolAnswer(failure)) print(2, `${PROGRAM_NAME}: ${message}\n`);
  return exitCodeFor(failure);
}

function realPorts(): Ports {
  const env = process.env;
  const withLock = fileLock(lockDirectory(env));
  let store: SecretStore | undefined;
  return {
    store: () => (store ??= new LockingStore(new KeychainStore(loadKeyring(), keychainTimeoutMs()), withLock)),
    withLock,
    configPath: helperConfigPath(env),
    env,
    nowS: () => Math.floor(Date.now() / 1000),
  };
}

async function runProtocol(action: ProtocolAction): Promise<number> {
  try {
    const stdout = await runProtocolAction(action, readStdin(), () => {
      const ports = realPorts();
      const store = ports.store();
      return {
        store,
        configPath: ports.configPath,
        nowS: ports.nowS,
        sessions: async () => {
          const { createSessionService } = await import('./service/sessionService.js');
          return createSessionService({ ...ports, store });
        },
      };
    });
    print(1, stdout);
    return 0;
  } catch (error) {
    return reportProtocolError(error);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const name = invokedAs();

  if (name !== LOGIN_PROGRAM_NAME) {
    if (args.length === 1 && PROTOCOL_ACTIONS.has(args[0]!)) return runProtocol(args[0] as ProtocolAction);
    if (args.length === 0) {
      // Like the Go helpers: the name as invoked (docker runs docker-credential-NAME from PATH).
      print(1, `${usage(process.argv0 || PROGRAM_NAME)}\n`);
      return 1;
    }
    if (args.length === 1 && (args[0] === 'version' || args[0] === '--version' || args[0] === '-v')) {
      print(1, `${PROGRAM_NAME} ${VERSION}\n`);
      return 0;
    }
    if (args.length === 1 && !args[0]!.startsWith('-') && !HUMAN_COMMANDS.has(args[0]!)) {
      print(1, `${unknownAction(args[0]!)}\n`);
      return 1;
    }
  }

  const { runCli } = await import('./cli/program.js');
  const interrupt = new AbortController();
  process.on('SIGINT', () => interrupt.abort());
  return runCli(name === LOGIN_PROGRAM_NAME ? ['login', ...args] : args, {
    env: process.env,
    stdout: (text) => print(1, text),
    stderr: (text) => print(2, text),
    isStdinTty: Boolean(process.stdin.isTTY),
    isStderrTty: Boolean(process.stderr.isTTY),
    platform: process.platform,
    interrupt: interrupt.signal,
    ports: realPorts(),
    confirm: async (question) => {
      if (!process.stdin.isTTY) return false;
      const { createInterface } = lazyBuiltin<typeof import('node:readline/promises')>('node:readline/promises');
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question(question)).trim());
      } finally {
        prompt.close();
      }
    },
    launch: (command, commandArgs) => {
      const { spawn } = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
      const child = spawn(command, commandArgs, { detached: true, stdio: 'ignore' });
      child.on('error', () => undefined);
      child.unref();
    },
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    print(2, `${PROGRAM_NAME}: ${describeUnexpected(error)}\n`);
    process.exit(1);
  },
);
