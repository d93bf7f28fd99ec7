// One protocol action (store/get/erase/list): input text in, output text out, no process access.
// Kept free of commander and of the sign-in code: this is the path of every docker pull.
import { HelperError } from '../errors.js';
import { unknownAction } from '../protocol/messages.js';
import {
  eraseCredentials,
  getCredentials,
  listCredentials,
  storeCredentials,
  type RegistryCredentialsDeps,
} from '../service/registryCredentials.js';
import { formatCredentials, formatList, parseServerUrlInput, parseStoreInput } from '../protocol/wire.js';

export type ProtocolAction = 'store' | 'get' | 'erase' | 'list';

export const PROTOCOL_ACTIONS: ReadonlySet<string> = new Set<ProtocolAction>(['store', 'get', 'erase', 'list']);

/** Created on first use, so that bad input is answered without touching the keychain. */
export type ProtocolDeps = () => RegistryCredentialsDeps;

/** Returns what to print on stdout; throws HelperError for every failure. */
export async function runProtocolAction(action: ProtocolAction, stdin: string, deps: ProtocolDeps): Promise<string> {
  switch (action) {
    case 'store':
      await storeCredentials(parseStoreInput(stdin), deps());
      return '';
    case 'get':
      return formatCredentials(await getCredentials(parseServerUrlInput(stdin), deps()));
    case 'erase':
      // Like the Go helpers, erasing what is not there succeeds: docker logout erases four spellings.
      await eraseCredentials(parseServerUrlInput(stdin), deps());
      return '';
    case 'list':
      // docker build sends "unused" on stdin; it carries nothing.
      return formatList(await listCredentials(deps()));
    default:
      throw new HelperError('unknown-action', unknownAction(String(action)));
  }
}
