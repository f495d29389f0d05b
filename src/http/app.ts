import { fromHono } from "chanfana";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { DomainError } from "../domain/errors";
import type { AppEnv } from "../env";
import { controlDataChanged } from "../usecases/lead-call/control-cache";
import { onError } from "./error-handler";
import { errorResponses } from "./errors";
import { authenticate } from "./middleware/auth";
import { responseHeaders } from "./middleware/headers";
import { requireJsonBody } from "./middleware/json-body";
import { methodNotAllowedOrNotFound } from "./middleware/method-not-allowed";
import { personalDataGuard } from "./middleware/personal-data-guard";
import { rateLimit } from "./middleware/rate-limit";
import { siteEventsCors } from "./middleware/site-events";
import type { Router } from "./router";
import { registerRoutes } from "./routes";
import { API_INDEX } from "./routes/system";

/** Largest accepted request body (a 500-client batch fits comfortably). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Builds the Hono app with the OpenAPI router, auth and the one error envelope. */
export function createApp() {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  // First, so that its headers reach every answer, errors and refusals included.
  app.use("*", responseHeaders);
  app.use("*", async (c, next) => {
    c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
    await next();
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new DomainError("payload_too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  // Before authentication: a preflight carries no Authorization header.
  app.use("*", siteEventsCors);
  app.use("*", authenticate);
  app.use("*", rateLimit);
  app.use("*", requireJsonBody);
  // After authentication (an unknown caller's body is not worth reading), before every route.
  app.use("*", personalDataGuard);
  // An admin change (a pause, a threshold, a routing rule) reaches this isolate's next lead call at once.
  app.use("/v1/admin/*", async (c, next) => {
    await next();
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.res.status < 400) controlDataChanged();
  });
  app.get("/", (c) => c.json(API_INDEX));
  // The API reference UI: static assets (public/docs), served offline by the Worker itself.
  // Asset responses have immutable headers: re-wrap them so the response-header middleware can add its own.
  app.get("/docs", async (c) => mutable(await c.env.ASSETS.fetch(new URL("/docs/index.html", c.req.url))));
  app.get("/docs/*", async (c) => mutable(await c.env.ASSETS.fetch(c.req.raw)));
  // The admin console and the partner portal (public/console, built from console/): one page for
  // every path under /admin and /partner; its scripts and styles under /console/.
  const consolePage = async (c: Context<AppEnv>) =>
    withConsolePolicy(mutable(await c.env.ASSETS.fetch(new URL("/console/index.html", c.req.url))));
  for (const path of ["/admin", "/admin/*", "/partner", "/partner/*"]) app.get(path, consolePage);
  app.get("/console/*", async (c) => withConsolePolicy(mutable(await c.env.ASSETS.fetch(c.req.raw))));

  const router = fromHono(app, {
    openapi_url: "/openapi.json",
    // /docs is the offline UI above; chanfana's own pages load Swagger UI / ReDoc from a CDN.
    docs_url: null,
    redoc_url: null,
    // Every route names its operation (`createLeads`, `listPartnerLeads`…): registration fails otherwise.
    generateOperationIds: false,
    // Errors reach app.onError untouched, so every failure leaves in the one project envelope.
    passthroughErrors: true,
    openapiVersion: "3.1",
    schema: {
      info: {
        title: "CactuBase API",
        version: "1.0.0",
        description:
          "Cross-sell lead generation for Expobank and its partner companies. Every failure answers " +
          "`{ success: false, errors: [{ code, message, path? }] }` with the project error codes listed in ErrorItem. " +
          "Besides the statuses listed per operation, any known path answers `405 method_not_allowed` (with an " +
          "`Allow` header) to a method it does not serve.",
      },
      security: [{ bearerAuth: [] }],
    },
  }) as unknown as Router;
  router.registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "`cb_admin_…`, `cb_crm_…` or `cb_partner_…` key issued by an admin (or the ADMIN_TOKEN secret)",
  });
  registerRoutes(router);
  documentCommonErrors(router);
  app.notFound(methodNotAllowedOrNotFound(app.routes));
  return { app, router };
}

/**
 * Statuses every route of a kind can answer, added to each route's documented responses so that no
 * route can forget them: a body can be too large (413), not JSON (415) or invalid (400); a path
 * parameter can be over-long or malformed (400). The public routes without a key answer none of these.
 */
function documentCommonErrors(router: Router) {
  for (const definition of router.registry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    const isPublic = Array.isArray(route.security) && route.security.length === 0;
    if (isPublic) continue;
    const extra: number[] = [];
    if (route.request?.body) extra.push(400, 413, 415);
    if (route.request?.params) extra.push(400);
    if (extra.length === 0) continue;
    const added = errorResponses(...extra);
    const responses: Record<string, unknown> = { ...route.responses };
    for (const [status, response] of Object.entries(added)) responses[status] ??= response;
    route.responses = Object.fromEntries(
      Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)),
    ) as typeof route.responses;
  }
}

function mutable(response: Response): Response {
  return new Response(response.body, response);
}

/**
 * The console loads nothing from another host and is never framed: scripts, styles and API calls
 * come from this origin only. Inline styles are allowed for uPlot's and the charts' sizing.
 */
const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function withConsolePolicy(response: Response): Response {
  response.headers.set("content-security-policy", CONSOLE_CONTENT_SECURITY_POLICY);
  return response;
}
