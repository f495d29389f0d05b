import type { Router } from "../../router";
import { GetModelRoute } from "../admin/model/get";
import { StartModelRebuildRoute } from "../admin/model/rebuild";
import { GetModelRebuildRoute } from "../admin/model/rebuild-job";
import { RetrainModelRoute } from "../admin/model/retrain";
import { SimilarServicesRoute } from "../admin/services-similar";
import { documentLiteralColonPath } from "../clients";
import { ClientRecommendationsRoute } from "./client-recommendations";
import { PreviewRecommendationsRoute } from "./preview";

/** Registers the recommendation routes and the admin routes of the model. */
export function registerRecommendationsRoutes(router: Router) {
  router.get("/v1/clients/:external_id/recommendations", ClientRecommendationsRoute);
  // A custom-method path: Hono matches the colon literally; the OpenAPI document gets the literal path back.
  router.post("/v1/recommendations:preview", PreviewRecommendationsRoute);
  documentLiteralColonPath(router, "post", "/v1/recommendations:preview");

  router.get("/v1/admin/model", GetModelRoute);
  router.post("/v1/admin/model/retrain", RetrainModelRoute);
  router.post("/v1/admin/model/rebuild", StartModelRebuildRoute);
  router.get("/v1/admin/model/rebuild/:id", GetModelRebuildRoute);
  router.get("/v1/admin/services/:code/similar", SimilarServicesRoute);
}
