import { DomainError } from "../../domain/errors";
import type { Principal } from "../../env";

/**
 * Refuses an event call that is not a site key's from one of its allowed origins: a missing
 * `Origin` (a server, a script outside a browser page) or a foreign one is `origin_not_allowed`.
 */
export function assertSiteOrigin(principal: Principal, origin: string | null): asserts origin is string {
  if (principal.scope !== "site") throw new DomainError("forbidden", "Events are sent with a site key");
  if (!origin) {
    throw new DomainError("origin_not_allowed", "The request has no Origin header: events come from a web page", [
      "header",
      "origin",
    ]);
  }
  if (!principal.allowedOrigins?.includes(origin)) {
    throw new DomainError("origin_not_allowed", `Origin ${origin} is not allowed for this site key`, [
      "header",
      "origin",
    ]);
  }
}
