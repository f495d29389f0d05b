import type { Router } from "../../router";
import { BatchClientsRoute } from "./batch-clients";
import { CreateBotLinkRoute } from "./bot-link";
import { GetClientRoute } from "./get-client";
import { LinkIdentityRoute } from "./identities";
import { PutClientRoute } from "./put-client";

/**
 * chanfana documents every `:word` of a path as an OpenAPI parameter `{word}`, while Hono treats a
 * colon inside a segment literally. For custom-method paths such as `/v1/clients:batch` this puts
 * the literal path back into the OpenAPI document after registration.
 */
export function documentLiteralColonPath(router: Router, method: string, path: string) {
  const mangled = path.replaceAll(/:(\w+)/g, "{$1}");
  for (const definition of router.registry.definitions) {
    if (definition.type === "route" && definition.route.method === method && definition.route.path === mangled) {
      definition.route.path = path;
    }
  }
}

/** Registers the clients routes (CRM client intake). */
export function registerClientsRoutes(router: Router) {
  // The custom-method path is a distinct literal segment ("clients:batch"), so it never reaches
  // the `{external_id}` routes below.
  router.post("/v1/clients:batch", BatchClientsRoute);
  documentLiteralColonPath(router, "post", "/v1/clients:batch");
  router.put("/v1/clients/:external_id", PutClientRoute);
  router.get("/v1/clients/:external_id", GetClientRoute);
  router.post("/v1/clients/:external_id/bot-link", CreateBotLinkRoute);
  router.post("/v1/clients/:external_id/identities", LinkIdentityRoute);
}
