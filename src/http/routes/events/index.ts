import type { Router } from "../../router";
import { IngestEventsRoute } from "./ingest-events";

/** Registers the website events route (site keys). */
export function registerEventsRoutes(router: Router) {
  router.post("/v1/events", IngestEventsRoute);
}
