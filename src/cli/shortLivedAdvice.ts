// What registry-login and status say once when the credential `get` hands out lives less than the
// registry's minimum validity.
/** BuildKit keeps a credential about ten minutes: say so once when ours cannot last that long. */
export function shortLivedAdvice({ lifetime, minValidity }: { lifetime: number; minValidity: number }): string {
  return `the provider's tokens live ${Math.round(lifetime / 60)} min, less than the ${Math.round(minValidity / 60)} min BuildKit may keep a credential: long builds can fail on push; an exchange mode (--mode acr, or a token server's /oauth2/exchange) hands out longer-lived registry tokens`;
}
