import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { DomainError, isDomainError } from "../../domain/errors";
import type { AppEnv, Principal } from "../../env";
import { authenticateKey } from "../../usecases/auth/authenticate";
import { isCsrfTokenValid, resolveSession } from "../../usecases/auth/sessions";
import { limitAnonymous } from "./rate-limit";
import { SITE_EVENTS_PATH } from "./site-events";

/**
 * Paths that need no key: the index, the health check, the contract with its reference UI, the
 * console's pages and scripts (they hold no data; every call they make needs a session), the
 * website snippet (`/v1/sdk.js`, no data either), and Telegram's webhook (authenticated by its own
 * secret token in the route).
 */
const PUBLIC_PATHS = new Set([
  "/",
  "/health",
  "/openapi.json",
  "/docs",
  "/admin",
  "/partner",
  "/v1/telegram/webhook",
  "/v1/sdk.js",
]);
const PUBLIC_PREFIXES = ["/docs/", "/admin/", "/partner/", "/console/"];

/** Signing in is the one call that presents a key in its body rather than its header. */
const SIGN_IN = { method: "POST", path: "/v1/session" };

/** The console session cookie (HttpOnly: the page's scripts never see it). */
export const SESSION_COOKIE = "cb_session";
/** The header that carries the session's CSRF token on every write made with the cookie. */
export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Resolves `Authorization: Bearer <key>` into a principal, or, without that header, the console
 * session cookie into the same principal as the key it was opened with. Missing, unknown or revoked
 * keys, and expired or signed-out sessions are 401; the key table is read on every request so that
 * revocation takes effect at once. A write with the cookie needs the session's CSRF token in
 * `X-CSRF-Token` (403 otherwise): another site can make the browser send the cookie, not the token.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const path = c.req.path;
  if (
    PUBLIC_PATHS.has(path) ||
    PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix)) ||
    (path === SIGN_IN.path && c.req.method === SIGN_IN.method)
  ) {
    await limitAnonymous(c);
    return next();
  }
  // The website snippet cannot set headers on a beacon: its publishable site key comes as `?key=`.
  const header = c.req.header("authorization") ?? siteKeyFromQuery(c) ?? "";
  const sessionToken = header === "" ? getCookie(c, SESSION_COOKIE) : undefined;
  if (sessionToken) {
    await authenticateSession(c, sessionToken);
    return next();
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    await limitAnonymous(c);
    throw new DomainError("unauthorized", "Missing `Authorization: Bearer <key>` header");
  }
  try {
    const { principal, touch } = await authenticateKey(c.env, match[1]);
    refuseSiteKeyOutsideEvents(c, principal);
    c.set("principal", principal);
    if (touch) c.executionCtx.waitUntil(touch);
  } catch (error) {
    // An unknown key counts against the caller's IP before it is refused: guessing is throttled.
    if (isDomainError(error, "unauthorized")) await limitAnonymous(c);
    throw error;
  }
  return next();
};

/** `Bearer <key>` from `?key=` on `POST /v1/events` only (the publishable site key of the snippet). */
function siteKeyFromQuery(c: Context<AppEnv>): string | undefined {
  if (c.req.path !== SITE_EVENTS_PATH) return undefined;
  const key = c.req.query("key");
  return key ? `Bearer ${key}` : undefined;
}

/**
 * A site key is publishable (it sits in a web page's source): it may send events and nothing else.
 * Refused here, once for every route, so no route can forget it.
 */
function refuseSiteKeyOutsideEvents(c: Context<AppEnv>, principal: Principal): void {
  if (principal.scope !== "site") return;
  if (c.req.path === SITE_EVENTS_PATH && c.req.method === "POST") return;
  throw new DomainError("forbidden", "A site key may only send events (POST /v1/events)");
}

async function authenticateSession(c: Context<AppEnv>, sessionToken: string): Promise<void> {
  try {
    const { principal } = await resolveSession(c.env, sessionToken);
    if (!SAFE_METHODS.has(c.req.method) && !(await isCsrfTokenValid(sessionToken, c.req.header(CSRF_HEADER)))) {
      throw new DomainError(
        "forbidden",
        "A change made with the console session needs its CSRF token in the X-CSRF-Token header",
      );
    }
    c.set("principal", principal);
    c.set("sessionToken", sessionToken);
  } catch (error) {
    if (isDomainError(error, "unauthorized")) await limitAnonymous(c);
    throw error;
  }
}

/**
 * The caller, if its scope is one of `scopes`; otherwise 403. A `viewer` counts as an admin for
 * reading (GET, HEAD) and is refused every change.
 */
export function requireScope(c: Context<AppEnv>, ...scopes: Principal["scope"][]): Principal {
  const principal = c.get("principal");
  if (!principal) throw new DomainError("unauthorized", "Missing `Authorization: Bearer <key>` header");
  if (principal.scope === "viewer" && scopes.includes("admin") && !scopes.includes("viewer")) {
    if (SAFE_METHODS.has(c.req.method)) return principal;
    throw new DomainError("forbidden", "A viewer key can read the admin routes but change nothing");
  }
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
