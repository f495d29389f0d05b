import type { Router } from "../router";

/** Registers the recommendations routes. */
export function registerRecommendationsRoutes(_router: Router) {}
