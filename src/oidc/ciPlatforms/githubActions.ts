// GitHub Actions: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD with "Authorization: bearer
// $ACTIONS_ID_TOKEN_REQUEST_TOKEN" → {"value": JWT}. GitHub sets both variables only for jobs with
// "permissions: id-token: write".
import { requireSecureUrl } from '../endpointPolicy.js';
import { askPlatform, checkedToken, requireVariables, type CiTokenPlatform } from './ciPlatform.js';

const VARIABLES: [string, string] = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
const GRANT_PERMISSION = 'give the job "permissions: id-token: write" (GitHub sets these only then)';

export const githubActions: CiTokenPlatform<{ kind: 'github-actions' }> = {
  detect: (env) => (env.ACTIONS_ID_TOKEN_REQUEST_URL ? { kind: 'github-actions' } : undefined),
  name: () => 'GitHub Actions',
  ready: (_source, env) => void requireVariables(env, VARIABLES, GRANT_PERMISSION),
  async token(_source, request) {
    const [requestUrl, bearer] = requireVariables(request.env, VARIABLES, GRANT_PERMISSION);
    const url = requireSecureUrl(requestUrl, 'ACTIONS_ID_TOKEN_REQUEST_URL');
    if (request.audience) url.searchParams.set('audience', request.audience);
    const body = await askPlatform(request.fetch, url, 'GitHub Actions', {
      method: 'GET',
      headers: { authorization: `bearer ${bearer}`, accept: 'application/json' },
    });
    return checkedToken(typeof body.value === 'string' ? body.value : undefined, 'the answer of GitHub Actions', 'check "permissions: id-token: write"');
  },
};
