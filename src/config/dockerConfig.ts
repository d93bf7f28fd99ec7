// Pure edits of docker's config.json text. jsonc-parser edits the text in place, so every key we do
// not own keeps its place, its order and its formatting (docker writes tab-indented JSON), and the
// file reads the same to docker and to the person who last edited it.
import { applyEdits, modify, parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { HelperError } from '../errors.js';
import { parseServerUrl } from '../registryAddress.js';

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

/** Parses config.json; a broken file is refused with where it breaks (never with its content). */
export function parseDockerConfig(text: string, path: string): DockerConfig {
  if (text.trim() === '') return {};
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0) {
    const { line, column } = lineAndColumn(text, errors[0]!.offset);
    throw new HelperError(
      'config-invalid',
      `${path} is not valid JSON (${printParseErrorCode(errors[0]!.error)} at line ${line}, column ${column}): fix it by hand; nothing was changed`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HelperError('config-invalid', `${path} is not a JSON object: fix it by hand; nothing was changed`);
  }
  return value as DockerConfig;
}

const FORMAT = { formattingOptions: { insertSpaces: false, tabSize: 1, eol: '\n' } };

function edit(text: string, path: Array<string>, value: unknown): string {
  const base = text.trim() === '' ? '{}\n' : text;
  return applyEdits(base, modify(base, path, value, FORMAT));
}

export function addCredHelpers(text: string, registries: string[], helper = HELPER_NAME): string {
  let next = text;
  for (const registry of registries) next = edit(next, ['credHelpers', dockerRegistryKey(registry)], helper);
  return next;
}

export function setCredsStore(text: string, helper = HELPER_NAME): string {
  return edit(text, ['credsStore'], helper);
}

/** Removes only what points at us: credHelpers entries with our name, and credsStore if it is ours. */
export function undoOurEntries(text: string, path: string, helper = HELPER_NAME): string {
  const config = parseDockerConfig(text, path);
  let next = text;
  const helpers = config.credHelpers ?? {};
  const ours = Object.keys(helpers).filter((k) => helpers[k] === helper);
  if (ours.length > 0 && ours.length === Object.keys(helpers).length) next = edit(next, ['credHelpers'], undefined);
  else for (const key of ours) next = edit(next, ['credHelpers', key], undefined);
  if (config.credsStore === helper) next = edit(next, ['credsStore'], undefined);
  return next;
}

/** Credentials docker keeps in clear text ("Your password will be stored unencrypted"). */
export function findPlaintextCredentials(config: DockerConfig): PlaintextCredential[] {
  const found: PlaintextCredential[] = [];
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!entry || typeof entry !== 'object') continue;
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
      found.push({ key, username: '<token>', secret: entry.identitytoken, kind: 'identitytoken' });
    } else if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) found.push({ key, username: decoded.slice(0, colon), secret: decoded.slice(colon + 1), kind: 'auth' });
    }
  }
  return found;
}

const SECRET_FIELDS = new Set(['auth', 'identitytoken', 'username', 'password', 'email', 'registrytoken']);

/** Drops the secret fields of one auths entry but keeps `"REG": {}`: docker reads it as "logged in". */
export function removeAuthSecret(text: string, key: string): string {
  const entry = parseDockerConfig(text, 'config.json').auths?.[key];
  if (!entry) return text;
  const kept = Object.fromEntries(Object.entries(entry).filter(([field]) => !SECRET_FIELDS.has(field)));
  return edit(text, ['auths', key], kept);
}
