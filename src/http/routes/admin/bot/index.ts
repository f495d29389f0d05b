import type { Router } from "../../../router";
import { ListEarnRulesRoute, PutEarnRuleRoute } from "./earn-rules";
import { GetBotEntryRoute } from "./entry";
import { GetBotFunnelRoute } from "./funnel";
import { DeleteOfferTextRoute, ListOfferTextsRoute, PutOfferTextRoute } from "./offer-texts";
import { GetQualityRatingRoute } from "./quality-rating";
import { PutReferralCodeLimitRoute } from "./referral-codes";
import { CreateRewardRoute, ListRewardsRoute, WithdrawRewardRoute } from "./rewards";

/** Admin routes of the Telegram bot. */
export function registerAdminBotRoutes(router: Router) {
  router.get("/v1/admin/companies/:id/bot-entry", GetBotEntryRoute);
  router.get("/v1/admin/companies/:id/bot-funnel", GetBotFunnelRoute);
  router.get("/v1/admin/companies/:id/quality-rating", GetQualityRatingRoute);
  router.get("/v1/admin/bot/offer-texts", ListOfferTextsRoute);
  router.put("/v1/admin/bot/offer-texts/:service/:locale", PutOfferTextRoute);
  router.delete("/v1/admin/bot/offer-texts/:service/:locale", DeleteOfferTextRoute);
  router.get("/v1/admin/bot/earn-rules", ListEarnRulesRoute);
  router.put("/v1/admin/bot/earn-rules/:event", PutEarnRuleRoute);
  router.post("/v1/admin/bot/rewards", CreateRewardRoute);
  router.get("/v1/admin/bot/rewards", ListRewardsRoute);
  router.delete("/v1/admin/bot/rewards/:id", WithdrawRewardRoute);
  router.put("/v1/admin/bot/referral-codes/:code", PutReferralCodeLimitRoute);
}
