// Fixed texts of docker/docker-credential-helpers (credentials/error.go). Docker's client compares
// the first one verbatim to tell "not logged in" from a failure, so they must never change.
export const CREDENTIALS_NOT_FOUND = 'credentials not found in native keychain';
export const MISSING_SERVER_URL = 'no credentials server URL';
export const MISSING_USERNAME = 'no credentials username';

export function unknownAction(action: string): string {
  return `Unknown credential action \`${action}\``;
}

export function usage(program: string): string {
  return `Usage: ${program} <store|get|erase|list|version>`;
}
