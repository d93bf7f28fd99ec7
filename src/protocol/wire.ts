// Parsing stdin and formatting stdout exactly as docker/docker-credential-helpers does, so that
// every client built on its Go client library reads our answers the same way.
import { HelperError } from '../errors.js';
import { MISSING_SERVER_URL, MISSING_USERNAME } from './messages.js';

export interface Credentials {
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** Go's encoding/json escapes these even though JSON does not require it. */
const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON.stringify with Go's escaping: byte-identical to json.NewEncoder(w).Encode minus the newline. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

export function formatCredentials(credentials: Credentials): string {
  const { ServerURL, Username, Secret } = credentials;
  return `${goJson({ ServerURL, Username, Secret })}\n`;
}

/** `list` answers a JSON object; Go marshals map keys sorted. */
export function formatList(entries: ReadonlyMap<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of [...entries.keys()].sort()) sorted[key] = entries.get(key)!;
  return `${goJson(sorted)}\n`;
}

/** `get` and `erase` take the server URL as plain text; the Go helpers trim white space. */
export function parseServerUrlInput(stdin: string): string {
  const serverUrl = stdin.replace(/[\r\n]/g, '').trim();
  if (serverUrl === '') throw new HelperError('missing-server-url', MISSING_SERVER_URL);
  return serverUrl;
}

/** The end of the JSON value that starts at `i` in text already known to be valid JSON. */
function valueEnd(text: string, i: number): number {
  let depth = 0;
  for (let at = i; at < text.length; at++) {
    const c = text[at];
    if (c === '"') {
      for (at++; text[at] !== '"'; at++) if (text[at] === '\\') at++;
      if (depth === 0) return at + 1;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return at + 1;
      if (depth < 0) return at;
    } else if (depth === 0 && (c === ',' || /\s/.test(c))) {
      return at;
    }
  }
  return text.length;
}

/** The members of a top-level object in source order, repeated keys included (JSON.parse keeps one). */
function membersInOrder(text: string): Array<[string, unknown]> {
  const members: Array<[string, unknown]> = [];
  let at = text.indexOf('{') + 1;
  const skipSpace = () => {
    while (/\s/.test(text[at] ?? '')) at++;
  };
  for (;;) {
    skipSpace();
    if (text[at] !== '"') return members; // '}' (an empty object, or after the last member)
    const keyEnd = valueEnd(text, at);
    const key = JSON.parse(text.slice(at, keyEnd)) as string;
    at = keyEnd;
    skipSpace();
    at++; // ':'
    skipSpace();
    const end = valueEnd(text, at);
    members.push([key, JSON.parse(text.slice(at, end))]);
    at = end;
    skipSpace();
    if (text[at] === ',') at++;
  }
}

/**
 * Go's encoding/json matches field names case-insensitively with Unicode simple folding, where
 * U+017F (long s) is an s and U+212A (Kelvin) a k.
 */
function goFold(name: string): string {
  return name
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .replace(/\u017f/g, 's')
    .replace(/\u212a/g, 'k');
}

const STORE_FIELDS = ['ServerURL', 'Username', 'Secret'] as const;

/**
 * `store` takes {"ServerURL","Username","Secret"} and resolves it exactly as docker's Go decoder
 * does: every member in order, so the last of repeated or differently cased keys wins, and null
 * leaves a field as it was.
 */
export function parseStoreInput(stdin: string): Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch {
    // V8's SyntaxError quotes the input, which holds the secret: never pass its message on.
    throw new HelperError('invalid-input', 'store expects {"ServerURL","Username","Secret"} on stdin: the input is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HelperError('invalid-input', 'store expects a JSON object {"ServerURL","Username","Secret"} on stdin');
  }
  const credentials: Credentials = { ServerURL: '', Username: '', Secret: '' };
  for (const [key, value] of membersInOrder(stdin)) {
    const field = STORE_FIELDS.find((name) => goFold(name) === goFold(key));
    if (!field || value === null) continue;
    if (typeof value !== 'string') throw new HelperError('invalid-input', `store: "${field}" must be a string`);
    credentials[field] = value;
  }
  if (credentials.ServerURL === '') throw new HelperError('missing-server-url', MISSING_SERVER_URL);
  if (credentials.Username === '') throw new HelperError('missing-username', MISSING_USERNAME);
  return credentials;
}
