import type { Router } from "../router";

/** Registers the deals routes. */
export function registerDealsRoutes(_router: Router) {}
