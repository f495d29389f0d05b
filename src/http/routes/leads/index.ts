import type { Router } from "../../router";
import { CreateLeadsRoute } from "./create-leads";
import { registerLeadAdminRoutes } from "./redeliver-lead";

/** Registers the leads routes. */
export function registerLeadsRoutes(router: Router) {
  router.post("/v1/leads", CreateLeadsRoute);
  registerLeadAdminRoutes(router);
}
