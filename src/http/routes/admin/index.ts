import type { Router } from "../../router";
import { CreateApiKeyRoute } from "./api-keys/create";
import { ListApiKeysRoute } from "./api-keys/list";
import { RevokeApiKeyRoute } from "./api-keys/revoke";
import { ListAuditLogRoute } from "./audit-log/list";
import { registerAdminBotRoutes } from "./bot";
import { CreateCompanyRoute } from "./companies/create";
import { ListCompanyDeliveriesRoute } from "./companies/deliveries";
import { GetCompanyRoute } from "./companies/get";
import { ListCompaniesRoute } from "./companies/list";
import { RotateWebhookSecretRoute } from "./companies/rotate-webhook-secret";
import { TestCompanyWebhookRoute } from "./companies/test-webhook";
import { UpdateCompanyRoute } from "./companies/update";
import { ListCrossServiceLinksRoute } from "./cross-services/list";
import { PutCrossServiceLinksRoute } from "./cross-services/put";
import { registerLinkProposalRoutes } from "./link-proposals";
import { CreateServiceRoute } from "./services/create";
import { GetServiceRoute } from "./services/get";
import { ListServicesRoute } from "./services/list";
import { UpdateServiceRoute } from "./services/update";
import { GetSettingsRoute } from "./settings/get";
import { PutSettingsRoute } from "./settings/put";
import { CreateUrlRuleRoute, DeleteUrlRuleRoute, ListUrlRulesRoute } from "./url-rules/routes";

const ROTATE_PATH = "/v1/admin/companies/:id/webhook-secret:rotate";

/** Registers the admin routes (all need an admin key). */
export function registerAdminRoutes(router: Router) {
  router.post("/v1/admin/companies", CreateCompanyRoute);
  router.get("/v1/admin/companies", ListCompaniesRoute);
  router.get("/v1/admin/companies/:id", GetCompanyRoute);
  router.patch("/v1/admin/companies/:id", UpdateCompanyRoute);
  router.post(ROTATE_PATH, RotateWebhookSecretRoute);
  fixCustomMethodPath(router, ROTATE_PATH);
  router.post("/v1/admin/companies/:id/webhook/test", TestCompanyWebhookRoute);
  router.get("/v1/admin/companies/:id/deliveries", ListCompanyDeliveriesRoute);

  router.post("/v1/admin/companies/:id/api-keys", CreateApiKeyRoute);
  router.get("/v1/admin/companies/:id/api-keys", ListApiKeysRoute);
  router.delete("/v1/admin/api-keys/:id", RevokeApiKeyRoute);

  router.post("/v1/admin/services", CreateServiceRoute);
  router.get("/v1/admin/services", ListServicesRoute);
  router.get("/v1/admin/services/:code", GetServiceRoute);
  router.patch("/v1/admin/services/:code", UpdateServiceRoute);

  router.get("/v1/admin/cross-services", ListCrossServiceLinksRoute);
  router.put("/v1/admin/cross-services", PutCrossServiceLinksRoute);
  registerLinkProposalRoutes(router);

  router.get("/v1/admin/settings", GetSettingsRoute);
  router.put("/v1/admin/settings", PutSettingsRoute);

  router.get("/v1/admin/audit-log", ListAuditLogRoute);

  router.get("/v1/admin/companies/:id/url-rules", ListUrlRulesRoute);
  router.post("/v1/admin/companies/:id/url-rules", CreateUrlRuleRoute);
  router.delete("/v1/admin/companies/:id/url-rules/:rule_id", DeleteUrlRuleRoute);

  registerAdminBotRoutes(router);
}

/**
 * Hono matches `…/webhook-secret:rotate` literally (a parameter must start its segment), but
 * chanfana documents every `:word` as a path parameter; restore the literal custom-method suffix
 * (AIP-136 style) in the OpenAPI document.
 */
function fixCustomMethodPath(router: Router, honoPath: string) {
  const documented = honoPath.replace(/\/:(\w+)/g, "/{$1}");
  const wrong = documented.replace(/:(\w+)$/, "{$1}");
  for (const definition of router.registry.definitions) {
    if (definition.type === "route" && definition.route.path === wrong) definition.route.path = documented;
  }
}
