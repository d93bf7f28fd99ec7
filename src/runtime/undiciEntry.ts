// The part of npm undici the HTTP client needs when a proxy or a CA file is in play (oidc/httpClient.ts),
// a separate script in the single executable (runtime/scriptAsset.ts).
export { EnvHttpProxyAgent, fetch } from 'undici';
