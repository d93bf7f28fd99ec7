// configure-docker: point docker (credHelpers, or credsStore) at us, and move the passwords docker
// left in clear text in config.json into the keychain. It prints nothing and asks nothing itself: the
// command decides about a migration (asking the person) and prints the report with its notes. Every secret is written to the keychain and
// read back before its clear-text copy is removed. The file is rewritten once, atomically, from what
// is on disk at that moment: another program (docker login, gcloud) that wrote it meanwhile is not
// overwritten, its change is kept and ours applied on top.
import type { Deps } from './deps.js';
import { HelperError } from '../errors.js';
import {
  HELPER_NAME,
  dockerRegistryKey,
  editDockerConfig,
  findPlaintextCredentials,
  parseDockerConfig,
  type DockerConfig,
  type DockerConfigChanges,
  type PlaintextCredential,
} from '../config/dockerConfig.js';
import { readDockerConfigFile } from '../config/dockerConfigFile.js';
import { replaceFileAtomically } from '../config/atomicFile.js';
import { lookup } from '../config/ownKeys.js';
import { dockerConfigPath } from '../runtime/paths.js';
import { parseServerUrl } from '../protocol/registryAddress.js';

export interface ConfigureDockerOptions {
  registries: string[];
  credsStore: boolean;
  undo: boolean;
  /** Whether to move clear-text credentials into the keychain; a function decides once they are found. */
  migrate: 'yes' | 'no' | ((found: Array<{ key: string; username: string }>, path: string) => Promise<boolean>);
}

export interface ConfigureDockerReport {
  path: string;
  changed: boolean;
  /** No registry was named and none is signed in: there was nothing to point at us. */
  nothingToConfigure: boolean;
  helpersAdded: string[];
  credsStore: boolean;
  plaintext: string[];
  migrated: string[];
  failed: string[];
  /** Left in config.json on purpose (another spelling with another password, changed meanwhile). */
  kept: string[];
  /** auths keys that are not registry addresses. */
  skipped: string[];
  /** One line per entry skipped or kept, saying why and what to do. */
  notes: string[];
}

/** Attempts at replacing the file when another program keeps changing it. */
const MAX_WRITE_ATTEMPTS = 5;

const sameCredential = (a: PlaintextCredential, b: PlaintextCredential) => a.username === b.username && a.secret === b.secret;

/** The auths keys of one registry (every spelling), the one docker login writes first. */
function groupByRegistry(plaintext: PlaintextCredential[], report: ConfigureDockerReport): PlaintextCredential[][] {
  const groups = new Map<string, PlaintextCredential[]>();
  for (const credential of plaintext) {
    let account: string;
    try {
      account = parseServerUrl(credential.key).key;
    } catch (error) {
      report.skipped.push(credential.key);
      report.notes.push(`skipped auths entry ${JSON.stringify(credential.key)}: ${(error as Error).message}`);
      continue;
    }
    groups.set(account, [...(groups.get(account) ?? []), credential]);
  }
  return [...groups.values()].map((group) => {
    const bare = group.findIndex((c) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(c.key));
    return bare > 0 ? [group[bare], ...group.filter((_, i) => i !== bare)] : group;
  });
}

export async function configureDocker(deps: Deps, options: ConfigureDockerOptions): Promise<ConfigureDockerReport> {
  const path = dockerConfigPath(deps.env);
  const initial = readDockerConfigFile(path);
  const config = parseDockerConfig(initial.text, path);
  const report: ConfigureDockerReport = {
    path,
    changed: false,
    nothingToConfigure: false,
    helpersAdded: [],
    credsStore: false,
    plaintext: [],
    migrated: [],
    failed: [],
    kept: [],
    skipped: [],
    notes: [],
  };

  const registries = options.registries.length ? options.registries : deps.settings.peekServerUrls();
  const ourKeys = options.undo || options.credsStore ? [] : [...new Set(registries.map(dockerRegistryKey))];
  report.nothingToConfigure = !options.undo && !options.credsStore && ourKeys.length === 0;
  report.credsStore = options.credsStore;

  /** Moved into the keychain: these auths entries lose their secret if they still hold it. */
  const moved: PlaintextCredential[] = [];
  if (!options.undo) {
    const groups = groupByRegistry(findPlaintextCredentials(config), report);
    report.plaintext = groups.flat().map((c) => c.key);
    if (groups.length > 0) {
      const found = groups.flat().map(({ key, username }) => ({ key, username }));
      const migrate = typeof options.migrate === 'function' ? await options.migrate(found, path) : options.migrate === 'yes';
      if (migrate) for (const group of groups) await migrateGroup(deps, group, moved, report, path);
    }
  }

  // Written under our lock, from what is on disk now; retried when another program wrote meanwhile.
  await deps.withLock('docker-config', async () => {
    for (let attempt = 1; ; attempt++) {
      const file = readDockerConfigFile(path);
      const current = parseDockerConfig(file.text, path);
      const changes = plannedChanges(current, options, ourKeys, moved, report, path);
      const nothing = !changes.addHelpers?.length && !changes.removeHelpers?.length && !changes.credsStore && !changes.stripSecrets?.length;
      if (nothing) return;
      const text = editDockerConfig(file.text, path, changes);
      if (text === file.text) return;
      if (replaceFileAtomically(path, text.endsWith('\n') ? text : `${text}\n`, { unchangedSince: file.exists ? file.text : null })) {
        report.changed = true;
        return;
      }
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new HelperError(
          'config-unwritable',
          `${path} kept changing while it was being edited (another program is writing it): nothing was changed; try again`,
        );
      }
    }
  });
  return report;
}

/** Writes the group's credential to the keychain and reads it back; every spelling holding it may then go. */
async function migrateGroup(
  deps: Deps,
  group: PlaintextCredential[],
  moved: PlaintextCredential[],
  report: ConfigureDockerReport,
  path: string,
): Promise<void> {
  const chosen = group[0];
  const account = parseServerUrl(chosen.key).key;
  try {
    await deps.items.write(account, { kind: 'static', serverURL: chosen.key, username: chosen.username, secret: chosen.secret });
    const record = await deps.items.read(account);
    if (record?.kind !== 'static' || record.secret !== chosen.secret || record.username !== chosen.username) {
      throw new Error('the keychain did not give back what was written');
    }
  } catch (error) {
    for (const credential of group) report.failed.push(credential.key);
    report.notes.push(`kept ${chosen.key} in ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  for (const credential of group) {
    if (sameCredential(credential, chosen)) {
      moved.push(credential);
    } else {
      // Two spellings of one registry with different passwords: the keychain holds one of them.
      report.kept.push(credential.key);
      report.notes.push(
        `kept ${credential.key} in ${path}: it holds another password than ${chosen.key}, which was moved into the keychain; remove the one that is wrong`,
      );
    }
  }
}

function plannedChanges(
  current: DockerConfig,
  options: ConfigureDockerOptions,
  ourKeys: string[],
  moved: PlaintextCredential[],
  report: ConfigureDockerReport,
  path: string,
): DockerConfigChanges {
  if (options.undo) {
    const helpers = current.credHelpers ?? {};
    return {
      removeHelpers: Object.keys(helpers).filter((k) => helpers[k] === HELPER_NAME),
      ...(current.credsStore === HELPER_NAME ? { credsStore: 'remove' as const } : {}),
    };
  }
  // Only an entry that still holds exactly what went into the keychain loses its secret.
  const now = new Map(findPlaintextCredentials(current).map((c) => [c.key, c]));
  const strip: string[] = [];
  report.migrated = [];
  for (const credential of moved) {
    const there = now.get(credential.key);
    if (there && sameCredential(there, credential)) {
      strip.push(credential.key);
      report.migrated.push(credential.key);
    } else if (there) {
      report.notes.push(`kept ${credential.key} in ${path}: it changed while it was being moved (docker login?); run configure-docker --migrate again`);
    }
  }
  // credsStore reaches docker only (skopeo, podman and buildah read credHelpers): a named registry
  // gets its entry anyway; a migrated one needs it only where nothing of ours covers it yet.
  const storeIsOurs = options.credsStore || current.credsStore === HELPER_NAME;
  const migratedKeys = report.migrated.map(dockerRegistryKey).filter(() => !storeIsOurs);
  const helpers = [...new Set([...ourKeys, ...migratedKeys])].filter((key) => lookup(current.credHelpers, key) !== HELPER_NAME);
  report.helpersAdded = helpers;
  return {
    addHelpers: helpers,
    ...(options.credsStore && current.credsStore !== HELPER_NAME ? { credsStore: 'set' as const } : {}),
    stripSecrets: strip,
  };
}
