// A token file rewritten by its owner (a Kubernetes projected service-account token, Azure workload
// identity's AZURE_FEDERATED_TOKEN_FILE): read again for every grant, since it is replaced before
// it expires.
import { readFileSync, statSync } from 'node:fs';
import { HelperError } from '../../errors.js';
import { MAX_CI_TOKEN_BYTES, checkedToken, type CiTokenPlatform } from './platform.js';

export const tokenFile: CiTokenPlatform<{ kind: 'file'; path: string }> = {
  detect: (env) => (env.AZURE_FEDERATED_TOKEN_FILE ? { kind: 'file', path: env.AZURE_FEDERATED_TOKEN_FILE } : undefined),
  name: (source) => source.path,
  token: async (source) => checkedToken(readTokenFile(source.path), `the CI token file ${source.path}`, 'check the volume that projects it'),
};

function readTokenFile(path: string): string {
  try {
    if (statSync(path).size > MAX_CI_TOKEN_BYTES) throw new HelperError('invalid-input', `${path} is larger than a token could be: check --ci-token`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof HelperError) throw error;
    throw new HelperError(
      'not-configured',
      `cannot read the CI token file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): check --ci-token file:PATH and the volume that projects it`,
    );
  }
}
