import type { CredentialMode as ModeName } from '../../config/registrySettings.js';
import { acrMode } from './acr.js';
import { identityTokenMode } from './identityToken.js';
import { passwordMode } from './password.js';
import type { CredentialMode } from './registryCredential.js';

export const CREDENTIAL_MODE_IMPLEMENTATIONS: Record<ModeName, CredentialMode> = {
  password: passwordMode,
  'identity-token': identityTokenMode,
  acr: acrMode,
};
