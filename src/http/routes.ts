import type { Router } from "./router";
import { registerAdminRoutes } from "./routes/admin";
import { registerAnalyticsRoutes } from "./routes/analytics";
import { registerAudienceRoutes } from "./routes/audiences";
import { registerClientsRoutes } from "./routes/clients";
import { registerDealsRoutes } from "./routes/deals";
import { registerEventsRoutes } from "./routes/events";
import { registerLeadsRoutes } from "./routes/leads";
import { registerPartnerRoutes } from "./routes/partner";
import { registerRecommendationsRoutes } from "./routes/recommendations";
import { registerSdkRoutes } from "./routes/sdk";
import { registerSessionRoutes } from "./routes/session";
import { registerSystemRoutes } from "./routes/system";
import { registerTelegramRoutes } from "./routes/telegram";
import { registerVocabulariesRoutes } from "./routes/vocabularies";

export function registerRoutes(router: Router) {
  registerSystemRoutes(router);
  registerSessionRoutes(router);
  registerAdminRoutes(router);
  registerClientsRoutes(router);
  registerRecommendationsRoutes(router);
  registerLeadsRoutes(router);
  registerPartnerRoutes(router);
  registerAudienceRoutes(router);
  registerDealsRoutes(router);
  registerAnalyticsRoutes(router);
  registerVocabulariesRoutes(router);
  registerTelegramRoutes(router);
  registerEventsRoutes(router);
  registerSdkRoutes(router);
}
