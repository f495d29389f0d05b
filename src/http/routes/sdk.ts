import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../env";
import type { Router } from "../router";
import { SDK_SOURCE } from "../sdk/snippet";

export const SDK_PATH = "/v1/sdk.js";

/** `GET /v1/sdk.js`: the consent-first website snippet (no key needed; it holds no data). */
export class SdkRoute extends OpenAPIRoute {
  override schema = {
    operationId: "getSdk",
    tags: ["Website events"],
    summary: "The website snippet (no key needed)",
    description:
      'Embed with `<script src="…/v1/sdk.js" data-key="cb_site_…" async></script>`. Until the page calls ' +
      "`cactubase.consent(true)` it sets no cookie, writes no storage and sends nothing; then it keeps a random id " +
      "in localStorage and sends `page` / `track` events to `POST /v1/events` with `navigator.sendBeacon`. " +
      "`cactubase.anonymousId()` gives the id for `POST /v1/clients/{external_id}/identities`. Under 3 KB gzipped.",
    security: [],
    responses: {
      "200": {
        description: "The script",
        content: { "text/javascript": { schema: z.string() } },
      },
    },
  };

  override async handle(c: Context<AppEnv>) {
    return c.body(SDK_SOURCE, 200, { "content-type": "text/javascript; charset=utf-8" });
  }
}

export function registerSdkRoutes(router: Router) {
  router.get(SDK_PATH, SdkRoute);
}
