import { AdminRoute } from "../admin/route";

/**
 * Base of the recommendation routes. It reuses the admin routes' base, which has nothing
 * admin-specific: it keeps chanfana's request validation inside the one error envelope
 * (`validation_failed` with message and path, `invalid_json`). Each handler checks its own scopes.
 */
export class RecommendationRoute extends AdminRoute {}
