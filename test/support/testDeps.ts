// The Deps of a unit test: an in-memory keychain, a settings file in a temp dir, an in-process lock,
// a fixed clock the test moves, an injected fetch and a terminal that records what it was told.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsFile } from '../../src/config/settingsFile.js';
import type { Deps, Terminal } from '../../src/deps.js';
import type { Fetch, WithLock } from '../../src/model.js';
import type { DeviceCode } from '../../src/oidc/deviceFlow.js';
import type { SignInPresenter } from '../../src/service/login.js';
import { renewCredential } from '../../src/service/renewCredential.js';
import { ItemStore } from '../../src/store/itemStore.js';
import { MemoryStore } from './memoryStore.js';

/** A mutex per name inside this process: what the file lock gives across processes. */
function memoryLock(): WithLock & { held: Set<string> } {
  const tails = new Map<string, Promise<void>>();
  const held = new Set<string>();
  const withLock = (async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    tails.set(name, previous.then(() => mine));
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
export function testPresenter(options: { canOpenBrowser?: boolean; onDeviceCode?: (code: DeviceCode) => void; onBrowser?: (url: string) => void } = {}): SignInPresenter {
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
  clock: { now: number };
  stderr: string[];
  launched: string[][];
  settingsPath: string;
}

export function testDeps(options: { fetch?: Fetch; terminal?: Partial<Terminal>; env?: NodeJS.ProcessEnv; store?: MemoryStore } = {}): TestWorld {
  const store = options.store ?? new MemoryStore();
  const clock = { now: 1_700_000_000 };
  const stderr: string[] = [];
  const launched: string[][] = [];
  const withLock = memoryLock();
  const settingsPath = join(mkdtempSync(join(tmpdir(), 'dco-unit-')), 'config.json');
  const noNetwork: Fetch = async (input) => {
    throw new Error(`no network in this test (asked for ${String(input)})`);
  };
  const deps: Deps = {
    env: options.env ?? {},
    nowS: () => clock.now,
    items: new ItemStore(store),
    withLock,
    settings: new SettingsFile(settingsPath, withLock),
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
      ...options.terminal,
    },
    // In-process: what the detached renewer runs, without the process around it.
    renewDetached: async (key) => {
      await renewCredential(deps, key);
    },
  };
  return { deps, store, clock, stderr, launched, settingsPath };
}
