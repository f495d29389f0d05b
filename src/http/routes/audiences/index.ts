import type { Router } from "../../router";
import { CountAudienceRoute } from "./count";

/** Partner audiences and campaigns (scope partner): counts only, never people. */
export function registerAudienceRoutes(router: Router) {
  router.post("/v1/partner/audiences:count", CountAudienceRoute);
  router.post("/v1/partner/audiences/count", CountAudienceRoute);
}
