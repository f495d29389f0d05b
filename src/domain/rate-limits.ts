/**
 * Which rate-limit class a request belongs to. Each class has its own Workers Rate Limiting binding
 * (wrangler.toml `[[ratelimits]]`, limits documented in docs/privacy.md), counted per API key;
 * requests without a valid key are counted per client IP in their own class. Pure.
 */

export type RateLimitClass = "lead_call" | "intake" | "reads" | "admin_writes" | "anonymous";

/** The class of an authenticated request. */
export function rateLimitClass(method: string, path: string): Exclude<RateLimitClass, "anonymous"> {
  const verb = method.toUpperCase();
  if (verb === "GET" || verb === "HEAD" || verb === "OPTIONS") return "reads";
  if (path.startsWith("/v1/admin/") || path.startsWith("/v1/analytics/")) return "admin_writes";
  if (path === "/v1/leads") return "lead_call";
  return "intake";
}

/** The key a limiter counts under: classes never share a counter, keys and IPs never collide. */
export function rateLimitKey(rateClass: RateLimitClass, subject: string): string {
  return `${rateClass}:${subject}`;
}

/** Seconds until the current fixed window of `periodSeconds` ends (what `Retry-After` announces). */
export function secondsUntilWindowEnds(nowMs: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.max(1, Math.ceil((periodMs - (nowMs % periodMs)) / 1000));
}
