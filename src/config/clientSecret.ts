// The client secret of a registry's provider client, read where the person keeps it (a file, or an
// environment variable) each time a token request needs it. Only the path or the variable's name is
// saved; the secret itself is never in argv, our settings file, or an error message.
import { readFileSync } from 'node:fs';
import { HelperError } from '../errors.js';
import type { RegistrySettings } from '../model.js';

/** A secret a file or variable could plausibly hold: one line, bounded. */
const MAX_SECRET_LENGTH = 4096;

export function clientSecretOf(settings: Pick<RegistrySettings, 'clientSecretFile' | 'clientSecretEnv'>, env: NodeJS.ProcessEnv): string | undefined {
  let secret: string | undefined;
  if (settings.clientSecretFile) {
    try {
      secret = readFileSync(settings.clientSecretFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new HelperError(
        'invalid-input',
        `cannot read the client secret file ${settings.clientSecretFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}): check --client-secret-file`,
      );
    }
  } else if (settings.clientSecretEnv) {
    secret = env[settings.clientSecretEnv];
    if (secret === undefined || secret === '') {
      throw new HelperError(
        'not-configured',
        `the environment variable ${settings.clientSecretEnv} (--client-secret-env) holds no client secret here: set it, or use --client-secret-file`,
      );
    }
  } else {
    return undefined;
  }
  if (secret === '' || secret.length > MAX_SECRET_LENGTH || /[\r\n]/.test(secret)) {
    throw new HelperError('invalid-input', `the client secret in ${settings.clientSecretFile ?? settings.clientSecretEnv} is empty, not one line, or too long`);
  }
  return secret;
}
