import type { Router } from "../../router";
import { AckLeadRoute } from "./ack-lead";
import { GetInboxLeadRoute } from "./get-lead";
import { ListInboxLeadsRoute } from "./list-leads";
import { ReportLeadOutcomeRoute } from "./report-outcome";
import { GetPartnerWebhookRoute, TestPartnerWebhookRoute, UpdatePartnerWebhookRoute } from "./webhook";

/** Registers the partner routes (scope partner; a company only ever sees its own leads and settings). */
export function registerPartnerRoutes(router: Router) {
  router.get("/v1/partner/leads", ListInboxLeadsRoute);
  router.get("/v1/partner/leads/:id", GetInboxLeadRoute);
  router.post("/v1/partner/leads/:id/ack", AckLeadRoute);
  router.post("/v1/partner/leads/:id/outcome", ReportLeadOutcomeRoute);
  router.get("/v1/partner/webhook", GetPartnerWebhookRoute);
  router.patch("/v1/partner/webhook", UpdatePartnerWebhookRoute);
  router.post("/v1/partner/webhook/test", TestPartnerWebhookRoute);
}
