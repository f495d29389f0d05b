import type { Context, MiddlewareHandler } from "hono";
import { DomainError, isDomainError } from "../../domain/errors";
import type { AppEnv, Principal } from "../../env";
import { authenticateKey } from "../../usecases/auth/authenticate";
import { limitAnonymous } from "./rate-limit";

/**
 * Paths that need no key: the index, the health check, the contract with its reference UI, and
 * Telegram's webhook (authenticated by its own secret token in the route).
 */
const PUBLIC_PATHS = new Set(["/", "/health", "/openapi.json", "/docs", "/v1/telegram/webhook"]);
const PUBLIC_PREFIXES = ["/docs/"];

/**
 * Resolves `Authorization: Bearer <key>` into a principal. Missing, unknown or revoked keys are
 * 401; the key table is read on every request so that revocation takes effect at once.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (PUBLIC_PATHS.has(c.req.path) || PUBLIC_PREFIXES.some((prefix) => c.req.path.startsWith(prefix))) {
    await limitAnonymous(c);
    return next();
  }
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    await limitAnonymous(c);
    throw new DomainError("unauthorized", "Missing `Authorization: Bearer <key>` header");
  }
  try {
    const { principal, touch } = await authenticateKey(c.env, match[1]);
    c.set("principal", principal);
    if (touch) c.executionCtx.waitUntil(touch);
  } catch (error) {
    // An unknown key counts against the caller's IP before it is refused: guessing is throttled.
    if (isDomainError(error, "unauthorized")) await limitAnonymous(c);
    throw error;
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
