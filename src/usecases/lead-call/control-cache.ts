/**
 * The lead call's per-isolate cache of control data (src/storage/lead-context.ts): how long it lives,
 * and dropping it when an admin changes something through this isolate.
 */
import type { Env } from "../../env";
import { forgetActiveKeys } from "../../storage/api-keys";
import { forgetControlSnapshot } from "../../storage/lead-context";
import { forgetNeedCodes } from "../../storage/vocabularies";

/** Default life of the cached control data: a paused company stops receiving leads this much later at most. */
export const DEFAULT_CONTROL_CACHE_TTL_MS = 5_000;

/** CONTROL_CACHE_TTL_MS as milliseconds (0 turns the cache off); an unreadable value falls back to the default. */
export function controlCacheTtlMs(env: Pick<Env, "CONTROL_CACHE_TTL_MS">): number {
  const raw = env.CONTROL_CACHE_TTL_MS;
  if (raw === undefined || raw === "") return DEFAULT_CONTROL_CACHE_TTL_MS;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 60_000 ? value : DEFAULT_CONTROL_CACHE_TTL_MS;
}

/** An admin write went through this isolate: the next lead call reads the control data afresh. */
export function controlDataChanged(): void {
  forgetControlSnapshot();
  forgetNeedCodes();
  forgetActiveKeys();
}
