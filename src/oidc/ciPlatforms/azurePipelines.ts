// Azure Pipelines: POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID with
// "Authorization: Bearer $SYSTEM_ACCESSTOKEN" → {"oidcToken": JWT}, one token per service connection
// (Azure DevOps REST API, "Create an OIDC token").
import { HelperError } from '../../errors.js';
import { requireSecureUrl } from '../endpointPolicy.js';
import { askPlatform, checkedToken, requireVariables, type CiTokenPlatform } from './platform.js';

const AZURE_PIPELINES_API_VERSION = '7.1';

export const azurePipelines: CiTokenPlatform<{ kind: 'azure-pipelines'; serviceConnectionId?: string }> = {
  detect: (env) => (env.SYSTEM_OIDCREQUESTURI ? { kind: 'azure-pipelines' } : undefined),
  name: () => 'Azure Pipelines',
  async token(source, request) {
    const [requestUri, bearer] = requireVariables(
      request.env,
      ['SYSTEM_OIDCREQUESTURI', 'SYSTEM_ACCESSTOKEN'],
      'map it into the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))',
    );
    const serviceConnectionId = source.serviceConnectionId ?? request.env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID;
    if (!serviceConnectionId) {
      throw new HelperError('not-configured', 'Azure Pipelines issues a token per service connection: use --ci-token azure-pipelines:SERVICE_CONNECTION_ID');
    }
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
