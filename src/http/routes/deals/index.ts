import type { Router } from "../../router";
import { CreateDealRoute } from "./create-deal";

/** Registers the deals routes (CRM outcome reports). */
export function registerDealsRoutes(router: Router) {
  router.post("/v1/deals", CreateDealRoute);
}
