/**
 * CORS of `POST /v1/events`, the one route a web page calls across origins. A preflight
 * (`OPTIONS`) names the site key as `?key=` (a preflight carries no Authorization header) and is
 * answered only for an origin the key allows; an answer to `POST` carries
 * `Access-Control-Allow-Origin` for an allowed origin only, so another site's page cannot read it.
 * The snippet itself sends `text/plain` beacons, which need no preflight. No credentials (cookies)
 * are ever allowed.
 */
import type { MiddlewareHandler } from "hono";
import { DomainError } from "../../domain/errors";
import type { AppEnv } from "../../env";
import { authenticateKey } from "../../usecases/auth/authenticate";
import { assertSiteOrigin } from "../../usecases/site-events/origin";
import { limitAnonymous } from "./rate-limit";

export const SITE_EVENTS_PATH = "/v1/events";

/** How long a browser may cache an allowed preflight, seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export const siteEventsCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.path !== SITE_EVENTS_PATH) return next();
  const origin = c.req.header("origin") ?? null;
  if (c.req.method === "OPTIONS") {
    await limitAnonymous(c);
    const key = c.req.query("key");
    if (!key) throw new DomainError("unauthorized", "A preflight of /v1/events names the site key as ?key=<key>");
    const { principal } = await authenticateKey(c.env, key);
    assertSiteOrigin(principal, origin);
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": origin!,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type, authorization",
        "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS),
        vary: "Origin",
      },
    });
  }
  await next();
  const principal = c.get("principal");
  if (origin && principal?.scope === "site" && principal.allowedOrigins?.includes(origin)) {
    c.res.headers.set("access-control-allow-origin", origin);
    c.res.headers.append("vary", "Origin");
  }
};
