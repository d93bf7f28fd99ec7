// Loads the token server's code: a separate script in the single executable (runtime/scriptAsset.ts).
import { loadScript } from '../runtime/scriptAsset.js';
import type * as TokenServer from './index.js';

export function loadTokenServer(): Promise<typeof TokenServer> {
  // Not a literal, so that the bundler leaves it out of the main script.
  const source = './index.js';
  return loadScript('token-server', () => import(source) as Promise<typeof TokenServer>);
}
