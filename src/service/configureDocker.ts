// configure-docker: point docker (credHelpers, or credsStore) at us, and move the passwords docker
// left in clear text in config.json into the keychain. Every secret is written to the keychain and
// read back before its clear-text copy is removed; the file is rewritten once, atomically, at the end.
import type { Deps } from '../deps.js';
import {
  HELPER_NAME,
  addCredHelpers,
  dockerRegistryKey,
  findPlaintextCredentials,
  parseDockerConfig,
  removeAuthSecret,
  setCredsStore,
  undoOurEntries,
} from '../config/dockerConfig.js';
import { readDockerConfigFile, writeDockerConfigFile } from '../config/dockerConfigFile.js';
import { lookup } from '../config/ownKeys.js';
import { dockerConfigPath } from '../config/paths.js';
import { parseServerUrl } from '../registryAddress.js';

export interface ConfigureDockerOptions {
  registries: string[];
  credsStore: boolean;
  undo: boolean;
  /** 'ask' prompts when plaintext credentials are found (only on a terminal). */
  migrate: 'yes' | 'no' | 'ask';
}

export interface ConfigureDockerReport {
  path: string;
  changed: boolean;
  helpersAdded: string[];
  credsStore: boolean;
  plaintext: string[];
  migrated: string[];
  failed: string[];
}

export async function configureDocker(deps: Deps, options: ConfigureDockerOptions): Promise<ConfigureDockerReport> {
  const say = (line: string) => deps.terminal.stderr(`${line}\n`);
  const file = readDockerConfigFile(dockerConfigPath(deps.env));
  const config = parseDockerConfig(file.text, file.path);
  const report: ConfigureDockerReport = { path: file.path, changed: false, helpersAdded: [], credsStore: false, plaintext: [], migrated: [], failed: [] };
  let text = file.text;

  if (options.undo) {
    text = undoOurEntries(text, file.path);
  } else {
    const registries = options.registries.length
      ? options.registries
      : deps.settings.peekServerUrls();
    if (options.credsStore) {
      text = setCredsStore(text);
      report.credsStore = true;
    } else {
      const keys = [...new Set(registries.map(dockerRegistryKey))].filter((k) => lookup(config.credHelpers, k) !== HELPER_NAME);
      text = addCredHelpers(text, keys);
      report.helpersAdded = keys;
    }

    const plaintext = findPlaintextCredentials(config);
    report.plaintext = plaintext.map((p) => p.key);
    if (plaintext.length > 0) {
      say(`${file.path} holds ${plaintext.length} password(s) in clear text: ${plaintext.map((p) => `${p.key} (${p.username})`).join(', ')}`);
      const migrate =
        options.migrate === 'yes' ||
        (options.migrate === 'ask' && (await deps.terminal.confirm('Move them into the keychain and remove them from config.json? [y/N] ')));
      if (migrate) {
        for (const credential of plaintext) {
          const account = parseServerUrl(credential.key).key;
          try {
            await deps.items.write(account, { kind: 'static', serverURL: credential.key, username: credential.username, secret: credential.secret });
            const record = await deps.items.read(account);
            if (record?.kind !== 'static' || record.secret !== credential.secret || record.username !== credential.username) {
              throw new Error('the keychain did not give back what was written');
            }
          } catch (error) {
            report.failed.push(credential.key);
            say(`kept ${credential.key} in ${file.path}: ${error instanceof Error ? error.message : String(error)}`);
            continue;
          }
          text = removeAuthSecret(text, credential.key);
          const key = dockerRegistryKey(credential.key);
          if (!report.credsStore && config.credsStore !== HELPER_NAME && lookup(config.credHelpers, key) !== HELPER_NAME && !report.helpersAdded.includes(key)) {
            text = addCredHelpers(text, [key]);
            report.helpersAdded.push(key);
          }
          report.migrated.push(credential.key);
        }
      }
    }
  }

  if (text !== file.text) {
    writeDockerConfigFile(file.path, text.endsWith('\n') ? text : `${text}\n`);
    report.changed = true;
  }
  return report;
}
