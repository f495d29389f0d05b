import type { Router } from "../router";
import { registerLeadAdminRoutes } from "./redeliver-lead";

/** Registers the leads routes. */
export function registerLeadsRoutes(router: Router) {
  registerLeadAdminRoutes(router);
}
