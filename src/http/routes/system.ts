import { OpenAPIRoute } from "chanfana";
import { z } from "zod";
import type { Router } from "../router";

export class HealthRoute extends OpenAPIRoute {
  override schema = {
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

export function registerSystemRoutes(router: Router) {
  router.get("/health", HealthRoute);
}
