// docker's config.json as text: parsed once, checked for what would make an edit ambiguous, and
// edited locally (config/jsonTextEdits.ts), so every key we do not own keeps its place, order and
// formatting (docker writes tab-indented JSON; people minify it or keep their own style).
import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { HelperError } from '../errors.js';
import { IDENTITY_TOKEN_USERNAME } from '../model.js';
import { parseServerUrl } from '../protocol/registryAddress.js';
import { applyTextEdits, duplicateKey, editObject, findProperty, indentUnit, propertiesByKey, type ObjectChanges, type TextEdit } from './jsonTextEdits.js';

export const HELPER_NAME = 'oidc';
const DOCKER_HUB = 'https://index.docker.io/v1/';

export interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string; email?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

export interface PlaintextCredential {
  key: string;
  username: string;
  secret: string;
  kind: 'auth' | 'identitytoken';
}

/** host[:port][path] as docker keys config.json; Docker Hub keeps the URL docker itself uses. */
export function dockerRegistryKey(input: string): string {
  const address = parseServerUrl(input);
  if (/^(index\.)?docker\.io$/.test(address.host) && !address.port && (address.path === '' || address.path === '/v1')) return DOCKER_HUB;
  return address.key;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

interface ParsedDockerConfig {
  text: string;
  root: Node;
  config: DockerConfig;
}

/** An absent or empty file is edited as docker would write a new one. */
const EMPTY_FILE = '{\n}\n';

/** Parses config.json once; refuses (never quoting its content) what an edit could get wrong. */
function parseTreeOf(source: string, path: string): ParsedDockerConfig {
  const text = source.trim() === '' ? EMPTY_FILE : source;
  const refuse = (why: string) => new HelperError('config-invalid', `${path} ${why}: fix it by hand; nothing was changed`);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0) {
    const { line, column } = lineAndColumn(text, errors[0].offset);
    throw refuse(`is not valid JSON (${printParseErrorCode(errors[0].error)} at line ${line}, column ${column})`);
  }
  if (!root || root.type !== 'object') throw refuse('is not a JSON object');
  const rootDuplicate = duplicateKey(root);
  if (rootDuplicate) throw refuse(`has the key ${JSON.stringify(rootDuplicate)} twice`);
  for (const key of ['credHelpers', 'auths']) {
    const value = findProperty(root, key)?.children?.[1];
    if (!value) continue;
    if (value.type !== 'object')
      throw refuse(`has "${key}": ${value.type === 'null' ? 'null' : value.type === 'array' ? 'an array' : `a ${value.type}`} where an object belongs`);
    const duplicate = duplicateKey(value);
    if (duplicate) throw refuse(`has ${JSON.stringify(duplicate)} twice in "${key}"`);
  }
  return { text, root, config: getNodeValue(root) as DockerConfig };
}

export function parseDockerConfig(text: string, path: string): DockerConfig {
  return parseTreeOf(text, path).config;
}

export interface DockerConfigChanges {
  /** Registries whose credHelpers entry becomes ours. */
  addHelpers?: string[];
  /** credHelpers keys to remove. */
  removeHelpers?: string[];
  credsStore?: 'set' | 'remove';
  /** auths keys whose secret fields go (the entry stays as "REG": {}, docker's "logged in"). */
  stripSecrets?: string[];
}

const SECRET_FIELDS = new Set(['auth', 'identitytoken', 'username', 'password', 'email', 'registrytoken']);

/** Applies every change against one parse: local edits, linear in the size of the file. */
export function editDockerConfig(source: string, path: string, changes: DockerConfigChanges): string {
  const { text, root } = parseTreeOf(source, path);
  const unit = indentUnit(text, root);
  const edits: TextEdit[] = [];
  const rootChanges: { remove: Set<string>; set: Array<[string, unknown]> } = { remove: new Set(), set: [] };

  const helpersNode = findProperty(root, 'credHelpers')?.children?.[1];
  const added = [...new Set((changes.addHelpers ?? []).map(dockerRegistryKey))];
  const removedHelpers = new Set(changes.removeHelpers ?? []);
  if (helpersNode) {
    const remaining = (helpersNode.children ?? []).filter((p) => !removedHelpers.has(p.children![0].value as string));
    if (remaining.length === 0 && added.length === 0 && removedHelpers.size > 0) rootChanges.remove.add('credHelpers');
    else edits.push(...editObject(text, helpersNode, { remove: removedHelpers, set: added.map((k) => [k, HELPER_NAME] as const) }, unit));
  } else if (added.length > 0) {
    rootChanges.set.push(['credHelpers', Object.fromEntries(added.map((k) => [k, HELPER_NAME]))]);
  }
  if (changes.credsStore === 'set') rootChanges.set.push(['credsStore', HELPER_NAME]);
  if (changes.credsStore === 'remove') rootChanges.remove.add('credsStore');

  const authsNode = findProperty(root, 'auths')?.children?.[1];
  const authsByKey = authsNode && changes.stripSecrets?.length ? propertiesByKey(authsNode) : undefined;
  for (const key of new Set(changes.stripSecrets ?? [])) {
    const entry = authsByKey?.get(key)?.children?.[1];
    if (entry?.type !== 'object') continue;
    const secrets = new Set((entry.children ?? []).map((p) => p.children![0].value as string).filter((f) => SECRET_FIELDS.has(f)));
    if (secrets.size > 0) edits.push(...editObject(text, entry, { remove: secrets } satisfies ObjectChanges, unit));
  }
  edits.push(...editObject(text, root, rootChanges, unit));
  return applyTextEdits(text, edits);
}

export function addCredHelpers(text: string, registries: string[]): string {
  return editDockerConfig(text, 'config.json', { addHelpers: registries });
}

export function setCredsStore(text: string): string {
  return editDockerConfig(text, 'config.json', { credsStore: 'set' });
}

/** Removes only what points at us: credHelpers entries with our name, and credsStore if it is ours. */
export function undoOurEntries(text: string, path: string): string {
  const config = parseDockerConfig(text, path);
  const helpers = config.credHelpers ?? {};
  return editDockerConfig(text, path, {
    removeHelpers: Object.keys(helpers).filter((k) => helpers[k] === HELPER_NAME),
    ...(config.credsStore === HELPER_NAME ? { credsStore: 'remove' as const } : {}),
  });
}

/** Drops the secret fields of one auths entry but keeps `"REG": {}`: docker reads it as "logged in". */
export function removeAuthSecret(text: string, key: string): string {
  return editDockerConfig(text, 'config.json', { stripSecrets: [key] });
}

/** Credentials docker keeps in clear text ("Your password will be stored unencrypted"). */
export function findPlaintextCredentials(config: DockerConfig): PlaintextCredential[] {
  const found: PlaintextCredential[] = [];
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!entry || typeof entry !== 'object') continue;
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
      found.push({ key, username: IDENTITY_TOKEN_USERNAME, secret: entry.identitytoken, kind: 'identitytoken' });
    } else if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) found.push({ key, username: decoded.slice(0, colon), secret: decoded.slice(colon + 1), kind: 'auth' });
    }
  }
  return found;
}
