// The Deps of a unit test: an in-memory keychain, a settings file in a temp dir, an in-process lock,
// a fixed clock the test moves, an injected fetch and a terminal that records what it was told.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsFile } from '../../src/config/settingsFile.js';
import type { Deps, Terminal } from '../../src/service/deps.js';
import type { Fetch, WithLock } from '../../src/model.js';
import type { DeviceCode } from '../../src/oidc/deviceFlow.js';
import type { SignInPresenter } from '../../src/service/login.js';
import { renewCredential } from '../../src/service/renewCredential.js';
import { HelperError } from '../../src/errors.js';
import { ItemStore } from '../../src/store/itemStore.js';
import { NoStore } from '../../src/store/noStore.js';
import { RoutingStore } from '../../src/store/routingStore.js';
import type { SecretStore } from '../../src/store/secretStore.js';
import { MemoryStore } from './memoryStore.js';
import { urlOfInput } from './fetchInput.js';

/** A machine with no Secret Service: every keychain call fails as the real one does there. */
export class AbsentKeychain implements SecretStore {
  private fail(): never {
    throw new HelperError('keychain-unavailable', 'no Secret Service answers on this D-Bus session (org.freedesktop.secrets)');
  }
  async read(): Promise<string | null> {
    this.fail();
  }
  async write(): Promise<void> {
    this.fail();
  }
  async remove(): Promise<boolean> {
    this.fail();
  }
  async entries(): Promise<Array<{ account: string; value: string }>> {
    this.fail();
  }
}

/** A mutex per name inside this process: what the file lock gives across processes. */
function memoryLock(): WithLock & { held: Set<string> } {
  const tails = new Map<string, Promise<void>>();
  const held = new Set<string>();
  const withLock = (async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    tails.set(
      name,
      previous.then(() => mine),
    );
    await previous;
    held.add(name);
    try {
      return await work();
    } finally {
      held.delete(name);
      release();
    }
  }) as WithLock & { held: Set<string> };
  withLock.held = held;
  return withLock;
}

/** A presenter that records what a person would have seen, and can play the desktop or not. */
export function testPresenter(
  options: { canOpenBrowser?: boolean; onDeviceCode?: (code: DeviceCode) => void; onBrowser?: (url: string) => void } = {},
): SignInPresenter {
  return {
    canOpenBrowser: options.canOpenBrowser ?? false,
    showDeviceCode: (code) => {
      options.onDeviceCode?.(code);
      return () => undefined;
    },
    openBrowser: (url) => options.onBrowser?.(url),
    say: () => undefined,
  };
}

export interface TestWorld {
  deps: Deps;
  store: MemoryStore;
  /** The kernel keyring of this test machine. */
  kernel: MemoryStore;
  clock: { now: number };
  stderr: string[];
  launched: string[][];
  settingsPath: string;
}

export function testDeps(
  options: { fetch?: Fetch; terminal?: Partial<Terminal>; env?: NodeJS.ProcessEnv; store?: MemoryStore; noSecretService?: boolean } = {},
): TestWorld {
  const store = options.store ?? new MemoryStore();
  const kernel = new MemoryStore();
  const clock = { now: 1_700_000_000 };
  const stderr: string[] = [];
  const launched: string[][] = [];
  const withLock = memoryLock();
  const settingsPath = join(mkdtempSync(join(tmpdir(), 'dco-unit-')), 'config.json');
  const noNetwork: Fetch = async (input) => {
    throw new Error(`no network in this test (asked for ${urlOfInput(input)})`);
  };
  const settings = new SettingsFile(settingsPath, withLock);
  const stores = { 'secret-service': options.noSecretService ? new AbsentKeychain() : store, kernel, none: new NoStore() };
  const deps: Deps = {
    env: options.env ?? {},
    nowS: () => clock.now,
    items: new ItemStore(
      new RoutingStore(stores, { storeOf: (account) => settings.peekStoreOf(account), otherStoresInUse: () => settings.peekOtherStoresInUse() }),
    ),
    stores,
    withLock,
    settings,
    fetchFor: () => options.fetch ?? noNetwork,
    terminal: {
      stdout: () => undefined,
      stderr: (text) => stderr.push(text),
      isStdinTty: false,
      isStderrTty: false,
      platform: 'linux',
      interrupt: new AbortController().signal,
      confirm: async () => false,
      launch: (command, args) => launched.push([command, ...args]),
      readInput: () => '',
      stopRequested: () => new Promise<string>(() => {}),
      onEscapedFault: () => undefined,
      ...options.terminal,
    },
    // In-process: what the detached renewer runs, without the process around it.
    renewDetached: async (key) => {
      const credential = await renewCredential(deps, key);
      return credential ? { username: credential.username, secret: credential.secret } : undefined;
    },
  };
  return { deps, store, kernel, clock, stderr, launched, settingsPath };
}
