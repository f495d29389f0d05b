import type { Context, MiddlewareHandler } from "hono";
import { DomainError } from "../../domain/errors";
import type { AppEnv, Principal } from "../../env";
import { timingSafeEqual } from "../../lib/crypto";
import { findActiveKey, touchApiKey } from "../../storage/api-keys";
import { getDb } from "../../storage/db";

/** Paths that need no key (Telegram's webhook is authenticated by its own secret token). */
const PUBLIC_PATHS = new Set(["/health", "/openapi.json", "/docs", "/redocs", "/v1/telegram/webhook"]);

/** `last_used_at` is refreshed at most this often per key, off the request path. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves `Authorization: Bearer <key>` into a principal. Missing, unknown or revoked keys are
 * 401; the key table is read on every request so that revocation takes effect at once.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (PUBLIC_PATHS.has(c.req.path)) return next();
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new DomainError("unauthorized", "Missing `Authorization: Bearer <key>` header");
  const presented = match[1];
  if (c.env.ADMIN_TOKEN && presented.length >= 16 && timingSafeEqual(presented, c.env.ADMIN_TOKEN)) {
    c.set("principal", { keyId: "admin-token", scope: "admin", companyId: null });
    return next();
  }
  const db = getDb(c.env.DB);
  const key = await findActiveKey(db, presented);
  if (!key) throw new DomainError("unauthorized", "Unknown or revoked API key");
  c.set("principal", { keyId: key.id, scope: key.scope, companyId: key.companyId });
  const now = Date.now();
  if (!key.lastUsedAt || now - key.lastUsedAt > TOUCH_INTERVAL_MS) {
    c.executionCtx.waitUntil(touchApiKey(db, key.id, now).catch(() => undefined));
  }
  return next();
};

/** The caller, if its scope is one of `scopes`; otherwise 403. */
export function requireScope(c: Context<AppEnv>, ...scopes: Principal["scope"][]): Principal {
  const principal = c.get("principal");
  if (!principal) throw new DomainError("unauthorized", "Missing `Authorization: Bearer <key>` header");
  if (!scopes.includes(principal.scope)) {
    throw new DomainError("forbidden", `This route needs a key with scope ${scopes.join(" or ")}`);
  }
  return principal;
}

/** The company of a crm / partner caller (admin keys have none and are refused here). */
export function requireCompanyScope(c: Context<AppEnv>, ...scopes: Array<"crm" | "partner">) {
  const principal = requireScope(c, ...scopes);
  if (!principal.companyId) throw new DomainError("forbidden", "This key is not bound to a company");
  return { ...principal, companyId: principal.companyId };
}
