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
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
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

/** `store` takes {"ServerURL","Username","Secret"}; Go's decoder matches field names case-insensitively. */
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
  const fields = new Map<string, unknown>();
  for (const [name, value] of Object.entries(parsed)) fields.set(name.toLowerCase(), value);
  const text = (name: string): string => {
    const value = fields.get(name.toLowerCase());
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') {
      throw new HelperError('invalid-input', `store: "${name}" must be a string`);
    }
    return value;
  };
  const credentials = { ServerURL: text('ServerURL'), Username: text('Username'), Secret: text('Secret') };
  if (credentials.ServerURL === '') throw new HelperError('missing-server-url', MISSING_SERVER_URL);
  if (credentials.Username === '') throw new HelperError('missing-username', MISSING_USERNAME);
  return credentials;
}
