// Filled in by scripts/build.mjs; 'dev' when running from source.
declare const __DCO_VERSION__: string | undefined;

export const VERSION = typeof __DCO_VERSION__ === 'undefined' ? 'dev' : __DCO_VERSION__;
export const PROGRAM_NAME = 'docker-credential-oidc';
export const LOGIN_PROGRAM_NAME = 'registry-login';
