// A pipeline's sign-in needs its CI platform's token (or its client's secret or key) at every grant:
// is it here? The platform's own strategy says (oidc/ciPlatforms/: its variables, its file); no token
// is asked of a platform, and nothing of one is shown.
import { accessSync, constants } from 'node:fs';
import { clientSecretOf } from '../../config/clientSecret.js';
import type { RegistryEntry } from '../../model.js';
import { ciTokenSourceHere } from '../../oidc/ciToken.js';
import { fromError, ok, problem, type CheckResult } from './check.js';

const CHECK = 'pipeline credential';

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export async function checkPipelineCredential(entry: RegistryEntry, registry: string, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  try {
    if (entry.ciToken) return ok(CHECK, `--grant ${entry.grant}: the CI token comes from ${await ciTokenSourceHere(entry.ciToken, env)}`, registry);
    if (entry.privateKeyFile) {
      return readable(entry.privateKeyFile)
        ? ok(CHECK, `--grant ${entry.grant}: the client's key ${entry.privateKeyFile} is readable`, registry)
        : problem('failed', CHECK, `the client's key ${entry.privateKeyFile} cannot be read here`, 'fix --private-key-file, or its permissions', registry);
    }
    const secret = clientSecretOf(entry, env) !== undefined;
    return ok(CHECK, `--grant ${entry.grant}: ${secret ? "the client's secret is here" : 'the client has no secret (a public client)'}`, registry);
  } catch (error) {
    return fromError('failed', CHECK, error, registry);
  }
}
