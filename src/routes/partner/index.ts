import type { Router } from "../router";

/** Registers the partner routes. */
export function registerPartnerRoutes(_router: Router) {}
