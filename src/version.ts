// Filled in by scripts/build.mjs; 'dev' and the running node when running from source.
declare const __DCO_VERSION__: string | undefined;

declare const __DCO_RUNTIME__: string | undefined;

export const VERSION = typeof __DCO_VERSION__ === 'undefined' ? 'dev' : __DCO_VERSION__;
/** The Node.js runtime inside the single executable (the one running us, from source). */
export const RUNTIME = typeof __DCO_RUNTIME__ === 'undefined' ? process.version : __DCO_RUNTIME__;
export const PROGRAM_NAME = 'docker-credential-oidc';
export const LOGIN_PROGRAM_NAME = 'registry-login';
