/** Epoch seconds as "2026-11-24 04:43:16 UTC": unambiguous in logs and for people in any zone. */
export function formatTime(epochS: number): string {
  return new Date(epochS * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
