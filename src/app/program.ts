// The composition root of the process edge (app/: with processIo.ts, cachedAnswer.ts and
// renewerMain.ts, the only code that reads argv and stdin, handles signals and sets exit codes;
// test/unit/architecture.test.ts holds that): it reads argv and stdin (or takes what main.ts read),
// builds the one Deps, routes to the protocol (every docker pull calls `get`) or to the human
// commands, and sets the exit code. The protocol path loads neither commander nor the sign-in code:
// both are imported only when a human command or a renewal needs them (test/unit/hotPath.test.ts).
import { writeSync } from 'node:fs';
import { SettingsFile } from '../config/settingsFile.js';
import { lockDirectory, settingsPath } from '../runtime/paths.js';
import { kernelCacheFor, kernelCacheReadsOn } from '../store/kernelCache/setup.js';
import { splitSecrets } from '../config/secretVariables.js';
import type { Deps, Terminal } from '../service/deps.js';
import { HelperError, describeUnexpected } from '../errors.js';
import { lazyBuiltin } from '../runtime/lazyBuiltin.js';
import { invokedAs, onEscapedFault, print, readStdin, stopRequested } from './processIo.js';
import type { Fetch, HandedCredential, WithLock } from '../model.js';
import type { RenewerExit } from '../service/renewerLine.js';
import { loadKeyring, loadKoffi } from '../runtime/addon.js';
import { answerProtocol, isProtocolAction } from '../protocol/handleCommand.js';
import { unknownAction, usage } from '../protocol/messages.js';
import { credentialHelper } from '../service/credentialHelper.js';
import { withDoctorHint } from '../service/doctor/doctorHint.js';
import { kernelCacheLifetimeMs } from '../store/kernelCache/policy.js';
import { CachedStore } from '../store/kernelCache/cachedStore.js';
import { ChunkedStore, itemLimitFor } from '../store/chunkedStore.js';
import { ItemStore } from '../store/itemStore.js';
import { KernelKeyring } from '../store/kernelKeyring.js';
import { KeychainStore } from '../store/keychainStore.js';
import { LockingStore } from '../store/lockingStore.js';
import { NoStore } from '../store/noStore.js';
import { RoutingStore, storeChoiceOf } from '../store/routingStore.js';
import type { SecretStore } from '../store/secretStore.js';
import { LOGIN_PROGRAM_NAME, PROGRAM_NAME, RUNTIME, VERSION } from '../version.js';
import { parseServerUrl } from '../protocol/registryAddress.js';
import { trace, traceRequested } from '../runtime/trace.js';

const DEFAULT_KEYCHAIN_TIMEOUT_MS = 15_000;

const HUMAN_COMMANDS = new Set([
  'login',
  'logout',
  'status',
  'doctor',
  'configure-docker',
  'kubelet-credential-provider',
  'pull-secret',
  'export-config',
  'token-server',
  'help',
]);

/** The hidden verb of the detached renewer (app/renewerMain.ts): `get` runs this binary with it. */
const RENEWER_VERB = '__renew-credential';

function keychainTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.DOCKER_CREDENTIAL_OIDC_KEYCHAIN_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_KEYCHAIN_TIMEOUT_MS;
}

function terminal(interrupt: () => AbortSignal, secretVariables: () => string[]): Terminal {
  return {
    stdout: (text) => print(1, text),
    stderr: (text) => print(2, text),
    // Getters: process.stdin and process.stderr are streams whose first touch loads node:net, node:tty
    // and node:stream (~4 ms, measured); the protocol verbs read and write the descriptors directly.
    get isStdinTty() {
      return Boolean(process.stdin.isTTY);
    },
    get isStderrTty() {
      return Boolean(process.stderr.isTTY);
    },
    platform: process.platform,
    // A getter too: the AbortController global is itself lazy, and its first touch loads its module.
    get interrupt() {
      return interrupt();
    },
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
    readInput: readStdin,
    stopRequested,
    onEscapedFault,
    launch: (command, args) => {
      const { spawn } = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
      // The browser never sees a secret we were given in our environment.
      const child = spawn(command, args, { detached: true, windowsHide: true, stdio: 'ignore', env: splitSecrets(process.env, secretVariables()).env });
      child.on('error', () => undefined);
      child.unref();
    },
  };
}

/**
 * The Secret Service, behind the kernel cache on Linux. Every command writes through the cache (its
 * writes must end what others cached); only `get` and `list` read through it.
 * DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE=off turns its reads off.
 */
function keychainWithCache(keychain: SecretStore, env: NodeJS.ProcessEnv, readThrough: boolean): SecretStore | CachedStore {
  const kernel = kernelCacheFor(env);
  if (!kernel) return keychain;
  return new CachedStore(keychain, kernel.cache, kernel.generation, {
    readThrough: readThrough && kernelCacheReadsOn(env),
    lifetimeMs: kernelCacheLifetimeMs,
    nowMs: Date.now,
  });
}

/**
 * The real dependencies. Nothing here opens the keychain, reads a file or loads a library yet.
 * `cacheReads`: the keychain's items may be answered from the kernel cache (`get`, `list`).
 */
function realDeps(interrupt: () => AbortSignal, cacheReads = false): Deps {
  const env = process.env;
  const locks = lockDirectory(env);
  // The lock module (and node:crypto) is not needed on the read-only path of `get`.
  const withLock: WithLock = async (name, work) => (await import('../runtime/fileLock.js')).fileLock(locks)(name, work);
  const fetchFor = (caFile: string | undefined): Fetch => {
    // undici is loaded by the first request, not by `get` of a cached credential.
    let fetch: Promise<Fetch> | undefined;
    return async (input, init) => {
      fetch ??= import('../oidc/httpClient.js').then(({ createFetch }) => createFetch({ caFile, env }));
      return (await fetch)(input, init);
    };
  };
  const itemLimit = itemLimitFor(process.platform);
  const os = new KeychainStore(loadKeyring, keychainTimeoutMs(env));
  // Only Windows Credential Manager needs records split (2,560 bytes an item).
  const keychain = itemLimit === null ? os : new ChunkedStore(os, itemLimit);
  const settings = new SettingsFile(settingsPath(env), withLock);
  const stores = {
    'secret-service': keychainWithCache(new LockingStore(keychain, withLock), env, cacheReads),
    kernel: new LockingStore(new KernelKeyring(loadKoffi), withLock),
    none: new NoStore(),
  };
  const secretService = stores['secret-service'];
  const deps: Deps = {
    env,
    ...(secretService instanceof CachedStore ? { keychainAnswers: secretService } : {}),
    nowS: () => Math.floor(Date.now() / 1000),
    items: new ItemStore(new RoutingStore(stores, storeChoiceOf(settings))),
    stores,
    withLock,
    settings,
    fetchFor,
    terminal: terminal(interrupt, () => settings.peekSecretVariables()),
    renewDetached: (key) => renewDetached(key, settings.peekSecretVariables()),
  };
  return deps;
}

/**
 * Starts this binary as the renewer in its own session (setsid: out of reach of Ctrl-C to the
 * terminal's process group and of the SIGKILL docker sends its helper), and waits for its one line.
 */
async function renewDetached(registryKey: string, secretVariables: string[]): Promise<HandedCredential | undefined> {
  const { awaitRenewerAnswer } = await import('../service/renewerLine.js');
  const { spawn } = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
  const isSea = lazyBuiltin<typeof import('node:sea')>('node:sea').isSea();
  // From source (tsx) the binary is node and the program is a script.
  const args = isSea ? [RENEWER_VERB, registryKey] : [...process.execArgv, process.argv[1], RENEWER_VERB, registryKey];
  // Secrets from our environment (a client secret) go over the stdin pipe, not into its environment.
  const { env, secrets } = splitSecrets(process.env, secretVariables);
  // Windows: detached keeps it out of the job object Node puts its children in (closed, with them,
  // when the get exits); windowsHide starts it without a console window flashing up.
  const child = spawn(process.execPath, args, { detached: true, windowsHide: true, stdio: ['pipe', 'pipe', 'ignore'], env });
  trace('renewer-start', { registry: registryKey, pid: child.pid });
  child.stdin.on('error', () => undefined);
  child.stdin.end(JSON.stringify(secrets));
  const exited = new Promise<RenewerExit>((resolve, reject) => {
    child.once('error', (error) => reject(new HelperError('idp-error', `cannot start the renewal process (${error.message}): try again`)));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  try {
    const handed = await awaitRenewerAnswer(child.stdout, exited);
    trace('renewer-answer', { registry: registryKey, ok: true });
    return handed;
  } catch (error) {
    trace('renewer-answer', { registry: registryKey, ok: false, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

/** What the waiting get handed over its pipe: secret variables, as one JSON object of strings. */
function secretsFromParent(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readStdin() || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
  } catch {
    return {};
  }
}

/** The renewer process: ignores the signals that end builds, bounded by its own deadline. */
async function runRenewerProcess(registryKey: string): Promise<number> {
  const [{ runRenewer }, { RENEWAL_DEADLINE_MS }] = await Promise.all([import('./renewerMain.js'), import('../runtime/fileLock.js')]);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
  setTimeout(() => process.exit(1), RENEWAL_DEADLINE_MS).unref();
  Object.assign(process.env, secretsFromParent());
  const { line, exitCode } = await runRenewer(
    realDeps(() => new AbortController().signal),
    registryKey,
  );
  try {
    writeSync(1, line);
  } catch {
    // The get that started us is gone (EPIPE): the tokens are stored, which is what matters.
  }
  return exitCode;
}

/** Ctrl-C or a TERM while a protocol verb holds a lock: release it, then exit as killed by it. */
function exitOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      void import('../runtime/fileLock.js').then(({ releaseHeldLocks }) => releaseHeldLocks()).finally(() => process.exit(code));
    });
  }
}

/** The registry a protocol call is about, for the trace: never the input itself (store's holds a secret). */
function registryOfInput(action: string, input: string): string {
  if (action === 'list') return '';
  try {
    const stored = action === 'store' ? (JSON.parse(input) as { ServerURL?: unknown }).ServerURL : input;
    return typeof stored === 'string' ? parseServerUrl(stored).key : '(not a server URL)';
  } catch {
    return '(not a server URL)';
  }
}

async function runProtocol(action: string, deps: Deps, readInput: () => string): Promise<number> {
  const input = traceRequested(deps.env)
    ? () => {
        const text = readInput();
        trace('command', { command: action, registry: registryOfInput(action, text) || undefined });
        return text;
      }
    : readInput;
  const answer = await answerProtocol(() => withDoctorHint(credentialHelper(deps)), action, input, PROGRAM_NAME);
  if (answer.exitCode !== 0) trace('error', { message: answer.stdout.trim() });
  print(1, answer.stdout);
  print(2, answer.stderr);
  return answer.exitCode;
}

/** The trace, when DOCKER_CREDENTIAL_OIDC_DEBUG asks for one: its writer is loaded only then. */
async function startTraceIfAsked(args: string[], name: string): Promise<void> {
  if (!traceRequested(process.env)) return;
  const { startTrace } = await import('../runtime/traceFile.js');
  startTrace(process.env, (text) => print(2, text));
  const verb = name === LOGIN_PROGRAM_NAME ? 'login' : (args[0] ?? '');
  // A protocol verb's registry is traced once its input is read (runProtocol); the renewer's is its argument.
  if (!(args.length === 1 && isProtocolAction(verb)))
    trace('command', { command: verb === RENEWER_VERB ? 'renewer' : verb, registry: verb === RENEWER_VERB ? args[1] : undefined, version: VERSION });
}

async function main(readInput: () => string): Promise<number> {
  const args = process.argv.slice(2);
  const name = invokedAs();
  await startTraceIfAsked(args, name);
  // Aborted on Ctrl-C by the human commands; the protocol verbs exit on it instead (exitOnSignals).
  let interrupt: AbortController | undefined;
  const interruptSignal = () => (interrupt ??= new AbortController()).signal;

  if (name !== LOGIN_PROGRAM_NAME) {
    if (args.length === 1 && isProtocolAction(args[0])) {
      exitOnSignals();
      return runProtocol(args[0], realDeps(interruptSignal, args[0] === 'get' || args[0] === 'list'), readInput);
    }
    if (args.length === 2 && args[0] === RENEWER_VERB) return runRenewerProcess(args[1]);
    if (args.length === 0) {
      // Like the Go helpers: the name as invoked (docker runs docker-credential-NAME from PATH).
      print(1, `${usage(process.argv0 || PROGRAM_NAME)}\n`);
      return 1;
    }
    if (args.length === 1 && (args[0] === 'version' || args[0] === '--version' || args[0] === '-v')) {
      print(1, `${PROGRAM_NAME} ${VERSION} (Node.js ${RUNTIME} inside)\n`);
      return 0;
    }
    if (args.length === 1 && !args[0].startsWith('-') && !HUMAN_COMMANDS.has(args[0])) {
      print(1, `${unknownAction(args[0])}\n`);
      return 1;
    }
  }

  const { runCli } = await import('../cli/commands.js');
  process.on('SIGINT', () => (interrupt ??= new AbortController()).abort());
  return runCli(name === LOGIN_PROGRAM_NAME ? ['login', ...args] : args, realDeps(interruptSignal));
}

/**
 * Runs the command line and exits. `readInput`: the protocol verbs' stdin, when the entry
 * (main.ts) has read it already.
 */
export function runProgram(readInput: () => string = readStdin): void {
  main(readInput).then(
    (code) => {
      trace('exit', { code });
      process.exit(code);
    },
    (error: unknown) => {
      print(2, `${PROGRAM_NAME}: ${describeUnexpected(error)}\n`);
      trace('exit', { code: 1, error: describeUnexpected(error) });
      process.exit(1);
    },
  );
}
