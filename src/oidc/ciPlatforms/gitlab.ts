// GitLab CI: the token is a job variable declared under `id_tokens:` (GitLab mints it per job).
import { checkedToken, type CiTokenPlatform } from './ciPlatform.js';

export const gitlab: CiTokenPlatform<{ kind: 'gitlab'; variable: string }> = {
  detect: (env) => (env.GITLAB_CI && env.GITLAB_OIDC_TOKEN ? { kind: 'gitlab', variable: 'GITLAB_OIDC_TOKEN' } : undefined),
  name: (source) => `GitLab (${source.variable})`,
  ready: (source, env) => void variableToken(source.variable, env),
  token: async (source, request) => variableToken(source.variable, request.env),
};

function variableToken(variable: string, env: NodeJS.ProcessEnv): string {
  return checkedToken(env[variable], `the GitLab CI variable ${variable}`, `declare it under id_tokens: in the job (id_tokens: ${variable}: aud: ...)`);
}
