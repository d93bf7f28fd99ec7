// GitLab CI: the token is a job variable declared under `id_tokens:` (GitLab mints it per job).
import { checkedToken, type CiTokenPlatform } from './platform.js';

export const gitlab: CiTokenPlatform<{ kind: 'gitlab'; variable: string }> = {
  detect: (env) => (env.GITLAB_CI && env.GITLAB_OIDC_TOKEN ? { kind: 'gitlab', variable: 'GITLAB_OIDC_TOKEN' } : undefined),
  name: (source) => `GitLab (${source.variable})`,
  token: async (source, request) =>
    checkedToken(
      request.env[source.variable],
      `the GitLab CI variable ${source.variable}`,
      `declare it under id_tokens: in the job (id_tokens: ${source.variable}: aud: ...)`,
    ),
};
