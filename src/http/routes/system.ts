import { OpenAPIRoute } from "chanfana";
import { z } from "zod";
import type { Router } from "../router";

export class HealthRoute extends OpenAPIRoute {
  override schema = {
    operationId: "getHealth",
    tags: ["System"],
    summary: "Liveness check (no key needed)",
    security: [],
    responses: {
      "200": {
        description: "The Worker is up",
        content: { "application/json": { schema: z.object({ ok: z.literal(true), service: z.literal("cactubase") }) } },
      },
    },
  };

  override async handle() {
    return { ok: true as const, service: "cactubase" as const };
  }
}

/**
 * What `GET /` answers, to anyone: where the reference, the contract and the health check are, so
 * that a browser opening the base URL is not met with 401. A plain route (not in the OpenAPI
 * document, whose paths cannot express the bare root).
 */
export const API_INDEX = {
  service: "cactubase",
  docs: "/docs",
  openapi: "/openapi.json",
  health: "/health",
  authentication: "Every /v1 route needs `Authorization: Bearer <key>` (an admin, crm or partner key).",
} as const;

export function registerSystemRoutes(router: Router) {
  router.get("/health", HealthRoute);
}
