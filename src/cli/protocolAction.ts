// One protocol action (store/get/erase/list): input text in, output text out, no process access.
// Kept free of commander and of the sign-in code: this is the path of every docker pull.
import { HelperError } from '../errors.js';
import {
  eraseStaticCredential,
  listStaticCredentials,
  notFound,
  readStaticCredential,
  storeStaticCredential,
} from '../service/credentialStore.js';
import { formatCredentials, formatList, parseServerUrlInput, parseStoreInput } from '../protocol/wire.js';
import type { SecretStore } from '../store/secretStore.js';

export type ProtocolAction = 'store' | 'get' | 'erase' | 'list';

export const PROTOCOL_ACTIONS: ReadonlySet<string> = new Set<ProtocolAction>(['store', 'get', 'erase', 'list']);

export interface ProtocolDeps {
  /** Created on first use, so that bad input is answered without touching the keychain. */
  store: () => SecretStore;
}

/** Returns what to print on stdout; throws HelperError for every failure. */
export async function runProtocolAction(action: ProtocolAction, stdin: string, deps: ProtocolDeps): Promise<string> {
  switch (action) {
    case 'store': {
      const credentials = parseStoreInput(stdin);
      await storeStaticCredential(deps.store(), credentials);
      return '';
    }
    case 'get': {
      const serverUrl = parseServerUrlInput(stdin);
      const record = await readStaticCredential(deps.store(), serverUrl);
      if (!record) throw notFound();
      return formatCredentials({ ServerURL: serverUrl, Username: record.username, Secret: record.secret });
    }
    case 'erase': {
      const serverUrl = parseServerUrlInput(stdin);
      // Like the Go helpers, erasing what is not there succeeds: docker logout erases four spellings.
      await eraseStaticCredential(deps.store(), serverUrl);
      return '';
    }
    case 'list':
      // docker build sends "unused" on stdin; it carries nothing.
      return formatList(await listStaticCredentials(deps.store()));
    default:
      throw new HelperError('unknown-action', `Unknown credential action \`${String(action)}\``);
  }
}
