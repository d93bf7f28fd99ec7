import type { CredentialModeName } from '../../model.js';
import { acrMode } from './acr.js';
import { identityTokenMode } from './identityToken.js';
import type { CredentialModeHandler } from './modeContext.js';
import { passwordMode } from './password.js';

export const CREDENTIAL_MODE_HANDLERS: Readonly<Record<CredentialModeName, CredentialModeHandler>> = {
  password: passwordMode,
  'identity-token': identityTokenMode,
  acr: acrMode,
};
