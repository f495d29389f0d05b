import type { Router } from "../router";

/** Registers the leads routes. */
export function registerLeadsRoutes(_router: Router) {}
