// Azure Pipelines: POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID with
// "Authorization: Bearer $SYSTEM_ACCESSTOKEN" → {"oidcToken": JWT}, one token per service connection
// (Azure DevOps REST API, "Create an OIDC token").
import { HelperError } from '../../errors.js';
import { requireSecureUrl } from '../endpointPolicy.js';
import { askPlatform, checkedToken, requireVariables, type CiTokenPlatform } from './ciPlatform.js';

const AZURE_PIPELINES_API_VERSION = '7.1';

type AzureSource = { kind: 'azure-pipelines'; serviceConnectionId?: string };

const VARIABLES: [string, string] = ['SYSTEM_OIDCREQUESTURI', 'SYSTEM_ACCESSTOKEN'];
const MAP_TOKEN = 'map it into the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))';

function serviceConnectionOf(source: AzureSource, env: NodeJS.ProcessEnv): string {
  const id = source.serviceConnectionId ?? env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID;
  if (!id)
    throw new HelperError('not-configured', 'Azure Pipelines issues a token per service connection: use --ci-token azure-pipelines:SERVICE_CONNECTION_ID');
  return id;
}

export const azurePipelines: CiTokenPlatform<AzureSource> = {
  detect: (env) => (env.SYSTEM_OIDCREQUESTURI ? { kind: 'azure-pipelines' } : undefined),
  name: () => 'Azure Pipelines',
  ready(source, env) {
    requireVariables(env, VARIABLES, MAP_TOKEN);
    serviceConnectionOf(source, env);
  },
  async token(source, request) {
    const [requestUri, bearer] = requireVariables(request.env, VARIABLES, MAP_TOKEN);
    const serviceConnectionId = serviceConnectionOf(source, request.env);
    const url = requireSecureUrl(requestUri, 'SYSTEM_OIDCREQUESTURI');
    url.searchParams.set('api-version', AZURE_PIPELINES_API_VERSION);
    url.searchParams.set('serviceConnectionId', serviceConnectionId);
    const body = await askPlatform(request.fetch, url, 'Azure Pipelines', {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', 'content-type': 'application/json' },
      body: '{}',
    });
    return checkedToken(typeof body.oidcToken === 'string' ? body.oidcToken : undefined, 'the answer of Azure Pipelines', 'check the service connection');
  },
};
