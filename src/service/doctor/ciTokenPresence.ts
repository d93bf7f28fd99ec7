// A pipeline's sign-in needs its CI platform's token (or its client's secret or key) at every grant:
// is it here? Only presence is checked: the token is never fetched, read out or shown.
import { accessSync, constants } from 'node:fs';
import { clientSecretOf } from '../../config/clientSecret.js';
import { parseCiTokenSource } from '../../config/ciTokenSource.js';
import type { RegistryEntry } from '../../model.js';
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

/** Where the source's token would come from here, or why it is missing and how to fix that. */
function ciTokenHere(source: string, env: NodeJS.ProcessEnv): { from: string } | { missing: string; fix: string } {
  const parsed = parseCiTokenSource(source);
  const github = Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  const azure = Boolean(env.SYSTEM_OIDCREQUESTURI && env.SYSTEM_ACCESSTOKEN);
  switch (parsed.kind) {
    case 'github-actions':
      return github ? { from: 'GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL)' } : { missing: 'no GitHub Actions OIDC token here (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN are not set)', fix: 'give the job "permissions: id-token: write"' };
    case 'azure-pipelines':
      return azure ? { from: 'Azure Pipelines (SYSTEM_OIDCREQUESTURI)' } : { missing: 'no Azure Pipelines OIDC request here (SYSTEM_OIDCREQUESTURI and SYSTEM_ACCESSTOKEN are not both set)', fix: 'map SYSTEM_ACCESSTOKEN into the step: env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)' };
    case 'gitlab':
      return env[parsed.variable] ? { from: `GitLab (${parsed.variable})` } : { missing: `the GitLab CI variable ${parsed.variable} is not set here`, fix: `declare it under id_tokens: in the job` };
    case 'file':
      return readable(parsed.path) ? { from: parsed.path } : { missing: `the token file ${parsed.path} cannot be read here`, fix: 'mount the projected service-account token there, or fix --ci-token file:PATH' };
    case 'kubelet':
      return { from: "the kubelet's request (sent with each one)" };
    case 'auto':
      if (github) return { from: 'GitHub Actions (auto)' };
      if (azure || env.SYSTEM_OIDCREQUESTURI) return { from: 'Azure Pipelines (auto)' };
      if (env.GITLAB_CI && env.GITLAB_OIDC_TOKEN) return { from: 'GitLab (GITLAB_OIDC_TOKEN, auto)' };
      if (env.AZURE_FEDERATED_TOKEN_FILE && readable(env.AZURE_FEDERATED_TOKEN_FILE)) return { from: `${env.AZURE_FEDERATED_TOKEN_FILE} (auto)` };
      return { missing: '--ci-token auto finds no CI identity here', fix: 'name the source, e.g. --ci-token file:PATH' };
  }
}

export function checkPipelineCredential(entry: RegistryEntry, registry: string, env: NodeJS.ProcessEnv): CheckResult {
  try {
    if (entry.ciToken) {
      const here = ciTokenHere(entry.ciToken, env);
      if ('missing' in here) return problem('failed', CHECK, here.missing, here.fix, registry);
      return ok(CHECK, `--grant ${entry.grant}: the CI token comes from ${here.from}`, registry);
    }
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
