/**
 * Who is calling: a presented bearer key resolved into a principal. A found key is remembered per
 * isolate for CONTROL_CACHE_TTL_MS (5 s), like the rest of the control data: a revocation takes effect
 * at once in the isolate that made it (admin writes drop the cache) and within the TTL everywhere
 * else; with the TTL at 0 the key table is read on every request. `last_used_at` is refreshed at most
 * once a minute per key, off the request path.
 */
import { DomainError } from "../../domain/errors";
import type { Env, Principal } from "../../env";
import { timingSafeEqual } from "../../lib/crypto";
import { allowedOriginsOf, cachedActiveKey, touchApiKey } from "../../storage/api-keys";
import { controlDb } from "../../storage/shards";
import { controlCacheTtlMs } from "../lead-call/control-cache";

/** `last_used_at` is refreshed at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000;

/** Shortest ADMIN_TOKEN accepted: a shorter secret would be guessable. */
const MIN_ADMIN_TOKEN_LENGTH = 16;

export interface Authenticated {
  principal: Principal;
  /** The `last_used_at` refresh to run after the answer, when one is due. */
  touch: Promise<void> | null;
}

/**
 * The principal of `presented` (the bootstrap ADMIN_TOKEN, or an issued key that is not revoked).
 * @throws DomainError `unauthorized` for an unknown or revoked key.
 */
export async function authenticateKey(
  env: Pick<Env, "DB" | "ADMIN_TOKEN" | "CONTROL_CACHE_TTL_MS">,
  presented: string,
  now = Date.now(),
): Promise<Authenticated> {
  if (env.ADMIN_TOKEN && presented.length >= MIN_ADMIN_TOKEN_LENGTH && timingSafeEqual(presented, env.ADMIN_TOKEN)) {
    return { principal: { keyId: "admin-token", scope: "admin", companyId: null }, touch: null };
  }
  const db = controlDb(env);
  const key = await cachedActiveKey(db, presented, now, controlCacheTtlMs(env));
  if (!key) throw new DomainError("unauthorized", "Unknown or revoked API key");
  const principal: Principal = { keyId: key.id, scope: key.scope, companyId: key.companyId };
  if (key.scope === "site") principal.allowedOrigins = allowedOriginsOf(key.allowedOrigins) ?? [];
  const due = !key.lastUsedAt || now - key.lastUsedAt > TOUCH_INTERVAL_MS;
  if (!due) return { principal, touch: null };
  // The row may be this isolate's cached one: without this, every request until the cache expires
  // would write the same refresh again.
  key.lastUsedAt = now;
  return { principal, touch: touchApiKey(db, key.id, now).catch(() => undefined) };
}
