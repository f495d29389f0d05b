import { fromHono } from "chanfana";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { DomainError } from "../domain/errors";
import type { AppEnv } from "../env";
import { notFound, onError } from "./error-handler";
import { authenticate } from "./middleware/auth";
import { responseHeaders } from "./middleware/headers";
import { personalDataGuard } from "./middleware/personal-data-guard";
import { rateLimit } from "./middleware/rate-limit";
import type { Router } from "./router";
import { registerRoutes } from "./routes";

/** Largest accepted request body (a 500-client batch fits comfortably). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Builds the Hono app with the OpenAPI router, auth and the one error envelope. */
export function createApp() {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound(notFound);
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
  app.use("*", authenticate);
  app.use("*", rateLimit);
  // After authentication (an unknown caller's body is not worth reading), before every route.
  app.use("*", personalDataGuard);

  const router = fromHono(app, {
    openapi_url: "/openapi.json",
    docs_url: "/docs",
    redoc_url: null,
    // Errors reach app.onError untouched, so every failure leaves in the one project envelope.
    passthroughErrors: true,
    openapiVersion: "3.1",
    schema: {
      info: {
        title: "CactuBase API",
        version: "1.0.0",
        description:
          "Cross-sell lead generation for Expobank and its partner companies. Every failure answers " +
          "`{ success: false, errors: [{ code, message, path? }] }` with the project error codes listed in ErrorItem.",
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
  return { app, router };
}
