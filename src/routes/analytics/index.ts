import type { Router } from "../router";

/** Registers the analytics routes. */
export function registerAnalyticsRoutes(_router: Router) {}
