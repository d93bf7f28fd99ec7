// The provider's clock as its answers' Date headers tell it, against ours. A clock far off makes the
// JWT checks (iat, nbf, exp) fail in ways that look like bad tokens; the error mapper names the real
// cause instead (oidc/providerErrors.ts).
let skewS = 0;

/** Records a response's Date header (HTTP dates have one-second resolution). */
export function observeServerDate(dateHeader: string | null, nowMs = Date.now()): void {
  const serverMs = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (Number.isFinite(serverMs)) skewS = (serverMs - nowMs) / 1000;
}

/** Seconds the provider's clock is ahead of ours (negative: behind) at the last answer. */
export function observedClockSkewS(): number {
  return skewS;
}
