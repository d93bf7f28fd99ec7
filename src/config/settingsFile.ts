// Our settings file (registries → provider settings, provider endpoints), never a secret. Read once
// per command and kept; rewritten atomically under a lock so that two logins at once cannot lose each
// other's registry. The hot path only peeks (`entryOf`): no schema validator is loaded to answer `get`.
import { readFileSync } from 'node:fs';
import { HelperError, signInAgain } from '../errors.js';
import { sessionKeyOf, storeOfAccount, storeOfRegistry, type HelperSettings, type RegistryEntry, type StoreName, type WithLock } from '../model.js';
import { replaceFileAtomically } from './atomicFile.js';
import { secretVariableNames } from './secretVariables.js';
import { lookup } from './ownKeys.js';

type PeekedEntry = Pick<RegistryEntry, 'serverURL' | 'issuer' | 'clientId' | 'mode' | 'grant' | 'store'>;

export class SettingsFile {
  private validated: HelperSettings | undefined;
  private peeked: Record<string, unknown> | null | undefined;

  constructor(
    readonly path: string,
    private readonly withLock: WithLock,
  ) {}

  /**
   * The saved entry of a registry without validating the file: enough for `get` to tell "signed out"
   * from "never configured". Anything unreadable reads as not configured; `read` reports it.
   */
  peekEntry(key: string): PeekedEntry | undefined {
    const entry = lookup(this.peekRegistries(), key);
    return entry && typeof entry === 'object' ? (entry as PeekedEntry) : undefined;
  }

  /** The server URLs of every saved registry, read as leniently as peekEntry. */
  peekServerUrls(): string[] {
    return this.peekEntries()
      .map((entry) => entry.serverURL)
      .filter((url): url is string => typeof url === 'string');
  }

  /** The store that keeps an account (model.ts storeOfAccount), from the registries as peeked. */
  peekStoreOf(account: string): StoreName {
    return storeOfAccount(account, (key) => this.peekEntry(key));
  }

  /** Names of the environment variables that hold secrets for some registry (config/secretVariables.ts). */
  peekSecretVariables(): string[] {
    return secretVariableNames(this.peekEntries() as Array<{ clientSecretEnv?: unknown; ciToken?: unknown }>);
  }

  /** The stores other than the keychain that some registry keeps its tokens in. */
  peekOtherStoresInUse(): StoreName[] {
    return [...new Set(this.peekEntries().map(storeOfRegistry))].filter((store) => store !== 'secret-service');
  }

  private peekEntries(): PeekedEntry[] {
    return Object.values(this.peekRegistries() ?? {}).filter((entry): entry is PeekedEntry => Boolean(entry) && typeof entry === 'object');
  }

  private peekRegistries(): Record<string, unknown> | null {
    if (this.peeked === undefined) {
      try {
        const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { registries?: unknown };
        this.peeked = parsed && typeof parsed.registries === 'object' ? (parsed.registries as Record<string, unknown>) : null;
      } catch {
        this.peeked = null;
      }
    }
    return this.peeked;
  }

  /** The validated settings, read once per command. */
  async read(): Promise<HelperSettings> {
    this.validated ??= await this.load();
    return this.validated;
  }

  /** Read-modify-write under the settings lock, from what is on disk now; returns the new settings. */
  async update(change: (settings: HelperSettings) => HelperSettings): Promise<HelperSettings> {
    return this.withLock('config', async () => {
      const next = change(await this.load());
      replaceFileAtomically(this.path, `${JSON.stringify(next, null, 2)}\n`);
      this.validated = next;
      this.peeked = undefined;
      return next;
    });
  }

  private async load(): Promise<HelperSettings> {
    const { emptySettings, validateSettings } = await import('./settingsSchema.js');
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptySettings();
      throw new HelperError(
        'config-unreadable',
        `cannot read ${this.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check its permissions`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HelperError('config-invalid', `${this.path} is not valid JSON: fix or remove it, then ${signInAgain('REGISTRY')} again`);
    }
    const result = validateSettings(json);
    if ('where' in result) throw new HelperError('config-invalid', `${this.path} has an invalid setting at ${result.where}: ${result.problem}`);
    return result.settings;
  }
}

/** Registries whose tokens come from the given sign-in. */
export function registriesOfSession(settings: HelperSettings, sessionKey: string): string[] {
  return Object.entries(settings.registries)
    .filter(([, entry]) => sessionKeyOf(entry) === sessionKey)
    .map(([key]) => key);
}
