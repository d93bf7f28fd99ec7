// A token file rewritten by its owner (a Kubernetes projected service-account token, Azure workload
// identity's AZURE_FEDERATED_TOKEN_FILE): read again for every grant, since it is replaced before
// it expires. Whatever is at the path, the read is bounded (runtime/boundedFile.ts): /dev/zero cannot
// fill memory, and a pipe nobody writes cannot hang `get` (and with it docker).
import { HelperError } from '../../errors.js';
import { readBoundedFile, type BoundedRead } from '../../runtime/boundedFile.js';
import { MAX_CI_TOKEN_BYTES, checkedToken, type CiTokenPlatform } from './ciPlatform.js';

/** A token file is read at once; only a pipe whose writer is late takes longer (and gets this long). */
const CI_TOKEN_FILE_DEADLINE_MS = 5000;

export const tokenFile: CiTokenPlatform<{ kind: 'file'; path: string }> = {
  detect: (env) => (env.AZURE_FEDERATED_TOKEN_FILE ? { kind: 'file', path: env.AZURE_FEDERATED_TOKEN_FILE } : undefined),
  name: (source) => source.path,
  ready: async (source) => void (await readTokenFile(source.path)),
  token: async (source) => checkedToken(await readTokenFile(source.path), `the CI token file ${source.path}`, 'check the volume that projects it'),
};

async function readTokenFile(path: string): Promise<string> {
  let read: BoundedRead;
  try {
    read = await readBoundedFile(path, MAX_CI_TOKEN_BYTES, CI_TOKEN_FILE_DEADLINE_MS);
  } catch (error) {
    throw new HelperError(
      'not-configured',
      `cannot read the CI token file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): check --ci-token file:PATH and the volume that projects it`,
    );
  }
  if (read.kind === 'too-large')
    throw new HelperError('invalid-input', `${path} is larger than a token could be (more than ${MAX_CI_TOKEN_BYTES / 1024} KiB): check --ci-token file:PATH`);
  if (read.kind === 'too-slow') {
    throw new HelperError(
      'not-configured',
      `${path} gave no token within ${CI_TOKEN_FILE_DEADLINE_MS / 1000} s (a pipe nobody writes?): check --ci-token file:PATH`,
    );
  }
  return read.text;
}
