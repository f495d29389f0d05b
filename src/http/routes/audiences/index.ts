import type { Router } from "../../router";
import {
  CampaignCustomMethodRoute,
  CreateCampaignRoute,
  GetCampaignRoute,
  ListCampaignsRoute,
  PauseCampaignRoute,
  ResumeCampaignRoute,
} from "./campaigns";
import { CountAudienceRoute } from "./count";

/** Partner audiences and campaigns (scope partner): counts and aggregates only, never people. */
export function registerAudienceRoutes(router: Router) {
  router.post("/v1/partner/audiences:count", CountAudienceRoute);
  router.post("/v1/partner/audiences/count", CountAudienceRoute);
  router.post("/v1/partner/campaigns", CreateCampaignRoute);
  router.get("/v1/partner/campaigns", ListCampaignsRoute);
  router.get("/v1/partner/campaigns/:id", GetCampaignRoute);
  router.post("/v1/partner/campaigns/:id/pause", PauseCampaignRoute);
  router.post("/v1/partner/campaigns/:id/resume", ResumeCampaignRoute);
  router.post("/v1/partner/campaigns/:ref", CampaignCustomMethodRoute);
}
