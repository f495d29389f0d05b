/**
 * Response headers of every answer, errors included: nothing is cached anywhere (responses carry
 * client data, new API keys and webhook signing secrets), and the browser-facing protections of
 * Hono's `secureHeaders` that make sense for a JSON API.
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../../env";

const secure = secureHeaders({
  // JSON is never framed, never sniffed as something else, never shared with another origin's page.
  xFrameOptions: "DENY",
  xContentTypeOptions: "nosniff",
  crossOriginResourcePolicy: "same-origin",
  crossOriginOpenerPolicy: "same-origin",
  referrerPolicy: "no-referrer",
  strictTransportSecurity: "max-age=31536000; includeSubDomains",
  xPermittedCrossDomainPolicies: "none",
  // Headers for legacy browsers and HTML pages that add nothing to an API.
  xXssProtection: false,
  xDownloadOptions: false,
  xDnsPrefetchControl: false,
  originAgentCluster: false,
  // The /docs page (Swagger UI from the Worker's own assets) sets no policy of its own; none is imposed here.
  contentSecurityPolicy: undefined,
});

/** The website snippet: public, cacheable, and loaded by other sites' pages. */
const SDK_PATH = "/v1/sdk.js";

export const responseHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await secure(c, next);
  if (c.req.path === SDK_PATH && c.res.status === 200) {
    // A <script> of another origin's page loads it (no-cors): same-origin would block it.
    c.res.headers.set("cross-origin-resource-policy", "cross-origin");
    c.res.headers.set("cache-control", "public, max-age=300");
    return;
  }
  c.res.headers.set("cache-control", "no-store");
};
