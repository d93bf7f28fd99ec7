import type { SecretStore } from './store/secretStore.js';
import type { WithLock } from './store/fileLock.js';

/** The real outside world, built once by main.ts and handed to every command. */
export interface Ports {
  /** Opened on first use: bad input is answered without touching the keychain. */
  store: () => SecretStore;
  withLock: WithLock;
  configPath: string;
  env: NodeJS.ProcessEnv;
  nowS: () => number;
}
