/** Time units and the one timestamp format of the API (ISO 8601, UTC, milliseconds). */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** ISO 8601 from epoch milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO 8601 from epoch milliseconds, or null when there is no time. */
export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : iso(ms);
}
