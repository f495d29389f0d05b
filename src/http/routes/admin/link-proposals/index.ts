import type { Router } from "../../../router";
import { documentLiteralColonPath } from "../../clients";
import {
  ApproveLinkProposalRoute,
  ComputeLinkProposalsRoute,
  ListLinkProposalsRoute,
  RejectLinkProposalRoute,
} from "./routes";

const BASE = "/v1/admin/link-proposals";

/**
 * Registers the link-proposal routes. `{id}:approve` is a custom method in the id's own segment,
 * which Hono matches only through a pattern parameter; the documented path is restored after.
 */
export function registerLinkProposalRoutes(router: Router) {
  router.get(BASE, ListLinkProposalsRoute);
  router.post(`${BASE}:compute`, ComputeLinkProposalsRoute);
  documentLiteralColonPath(router, "post", `${BASE}:compute`);
  for (const [verb, route] of [
    ["approve", ApproveLinkProposalRoute],
    ["reject", RejectLinkProposalRoute],
  ] as const) {
    router.post(`${BASE}/:id{[A-Za-z0-9_]+:${verb}}`, route);
    for (const definition of router.registry.definitions) {
      if (
        definition.type === "route" &&
        definition.route.path.startsWith(`${BASE}/{id`) &&
        definition.route.path.includes(verb)
      ) {
        definition.route.path = `${BASE}/{id}:${verb}`;
      }
    }
  }
}
