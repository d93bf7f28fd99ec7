// The one set of dependencies every command and use case takes what it needs from. app/program.ts builds
// the real one once; unit tests build one over an in-memory store, a temp settings file and an
// injected fetch (test/support/testDeps.ts).
import type { SettingsFile } from '../config/settingsFile.js';
import type { Fetch, HandedCredential, StoreName, WithLock } from '../model.js';
import type { ItemStore } from '../store/itemStore.js';
import type { SecretStore } from '../store/secretStore.js';

/** What a command may touch of the process and the person in front of it. */
export interface Terminal {
  stdout(text: string): void;
  /** Prompts, progress and errors: stdout belongs to docker and to scripts. */
  stderr(text: string): void;
  isStdinTty: boolean;
  isStderrTty: boolean;
  platform: NodeJS.Platform;
  /** Aborted on Ctrl-C. */
  interrupt: AbortSignal;
  /** Asks a yes/no question on the terminal (stderr); false when nobody can answer. */
  confirm(question: string): Promise<boolean>;
  /** Starts a program detached from us (the browser); never given a secret. */
  launch(command: string, args: string[]): void;
  /** All of stdin (the kubelet's request); refused past the protocol's 1 MiB bound. */
  readInput(): string;
  /** Resolves with the signal's name when the process is asked to stop (SIGTERM, Ctrl-C): a server's cue to drain. */
  stopRequested(): Promise<string>;
  /**
   * A long-running server's last line of defence: a fault that escaped every handler (an uncaught
   * exception, an unhandled rejection) is reported here instead of ending the process.
   */
  onEscapedFault(report: (kind: string, error: unknown) => void): void;
}

export interface Deps {
  env: NodeJS.ProcessEnv;
  /** Epoch seconds. */
  nowS: () => number;
  /**
   * Our items, each in the store its registry chose (store/routingStore.ts); the keychain itself is
   * opened on first use.
   */
  items: ItemStore;
  /** The stores themselves, to check at registry-login that the chosen one works here. */
  stores: Record<StoreName, SecretStore>;
  /**
   * Answers computed from the keychain's items, cached in kernel memory until the next change
   * (store/kernelCache/cachedStore.ts `remember`); absent where there is no kernel cache.
   */
  keychainAnswers?: { remember(name: string, lifetimeMs: number, compute: () => Promise<string>): Promise<string> };
  /** Cross-process locks: renewals of one sign-in, writes of one item, the settings file. */
  withLock: WithLock;
  settings: SettingsFile;
  /** The fetch for a registry's provider: proxies from the environment, the registry's CA file. */
  fetchFor(caFile: string | undefined): Fetch;
  terminal: Terminal;
  /**
   * Renews a registry's cached credential (service/renewCredential.ts) where a killed `get` cannot
   * take the renewal down with it: app/program.ts runs it in a detached process of the same binary; unit
   * tests run it in-process. Resolves once the new credential is stored, with that credential (the
   * renewer hands it back over its stdout pipe, which saves `get` reading the keychain again);
   * rejects with its error.
   */
  renewDetached(registryKey: string): Promise<HandedCredential | undefined>;
}
