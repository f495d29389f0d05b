import type { Router } from "../router";

/** Registers the clients routes. */
export function registerClientsRoutes(_router: Router) {}
