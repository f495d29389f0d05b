import { registerAdminRoutes } from "./admin";
import { registerAnalyticsRoutes } from "./analytics";
import { registerClientsRoutes } from "./clients";
import { registerDealsRoutes } from "./deals";
import { registerLeadsRoutes } from "./leads";
import { registerPartnerRoutes } from "./partner";
import { registerRecommendationsRoutes } from "./recommendations";
import type { Router } from "./router";
import { registerSystemRoutes } from "./system";

export function registerRoutes(router: Router) {
  registerSystemRoutes(router);
  registerAdminRoutes(router);
  registerClientsRoutes(router);
  registerRecommendationsRoutes(router);
  registerLeadsRoutes(router);
  registerPartnerRoutes(router);
  registerDealsRoutes(router);
  registerAnalyticsRoutes(router);
}
