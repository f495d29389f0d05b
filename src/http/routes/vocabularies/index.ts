import type { Router } from "../../router";
import { CreateNeedTagRoute, ListNeedTagsRoute, UpdateNeedTagRoute } from "./admin-needs";
import { ListVocabulariesRoute } from "./list";

export function registerVocabulariesRoutes(router: Router) {
  router.get("/v1/vocabularies", ListVocabulariesRoute);
  router.get("/v1/admin/needs", ListNeedTagsRoute);
  router.post("/v1/admin/needs", CreateNeedTagRoute);
  router.patch("/v1/admin/needs/:code", UpdateNeedTagRoute);
}
