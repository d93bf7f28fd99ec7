// What the token-server command uses. The single executable carries this part as a separate script
// (a SEA asset, compiled only when `token-server` runs; see load.ts), so that its libraries never
// weigh on the start of `get`.
export { loadConfig } from './config.js';
export { startTokenServer } from './tokenServer.js';
export { loadSigningKeys } from './signingKeys.js';
export { escapedFaultReporter } from './httpServer.js';
