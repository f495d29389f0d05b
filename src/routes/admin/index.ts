import type { Router } from "../router";

/** Registers the admin routes. */
export function registerAdminRoutes(_router: Router) {}
