import type { Router } from "../../router";
import { documentLiteralColonPath } from "../clients";
import {
  CampaignCustomMethodRoute,
  CreateCampaignRoute,
  GetCampaignRoute,
  ListCampaignsRoute,
  PauseCampaignRoute,
  ResumeCampaignRoute,
} from "./campaigns";
import { CountAudienceRoute, CountAudienceSlashRoute } from "./count";

/** Partner audiences and campaigns (scope partner): counts and aggregates only, never people. */
export function registerAudienceRoutes(router: Router) {
  // A literal custom-method segment ("audiences:count") in Hono; chanfana would document it as `{count}`.
  router.post("/v1/partner/audiences:count", CountAudienceRoute);
  documentLiteralColonPath(router, "post", "/v1/partner/audiences:count");
  router.post("/v1/partner/audiences/count", CountAudienceSlashRoute);
  router.post("/v1/partner/campaigns", CreateCampaignRoute);
  router.get("/v1/partner/campaigns", ListCampaignsRoute);
  router.get("/v1/partner/campaigns/:id", GetCampaignRoute);
  router.post("/v1/partner/campaigns/:id/pause", PauseCampaignRoute);
  router.post("/v1/partner/campaigns/:id/resume", ResumeCampaignRoute);
  // `{id}:pause` / `{id}:resume`: a parameter must start its segment in Hono, so the whole segment is
  // one parameter (`ref`) that the route splits; documented as `/v1/partner/campaigns/{ref}`.
  router.post("/v1/partner/campaigns/:ref", CampaignCustomMethodRoute);
}
