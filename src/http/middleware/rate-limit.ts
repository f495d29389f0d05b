/**
 * Rate limiting with the Workers Rate Limiting bindings: per API key and route class (lead call,
 * intake, reads, admin writes) once the key is known, and per client IP for requests without a
 * valid key (checked before they are refused, so guessing keys is throttled too). Over the limit:
 * 429 `rate_limited` in the one envelope, with `Retry-After`.
 *
 * Cloudflare counts per location and eventually consistently: the limits are a flood guard, not a
 * quota. A request without a client IP (`CF-Connecting-IP` is set on every request through
 * Cloudflare; only local runs lack it) is not IP-limited.
 */
import type { Context, MiddlewareHandler } from "hono";
import { DomainError } from "../../domain/errors";
import { type RateLimitClass, rateLimitClass, rateLimitKey, secondsUntilWindowEnds } from "../../domain/rate-limits";
import type { AppEnv, Env } from "../../env";

/** The binding of each class (wrangler.toml). */
const BINDINGS: Record<RateLimitClass, keyof Env> = {
  lead_call: "RATE_LIMIT_LEAD_CALL",
  intake: "RATE_LIMIT_INTAKE",
  reads: "RATE_LIMIT_READS",
  admin_writes: "RATE_LIMIT_ADMIN_WRITES",
  anonymous: "RATE_LIMIT_ANONYMOUS",
};

/** Every binding counts in 60-second windows (wrangler.toml `period = 60`). */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

async function enforce(env: Env, rateClass: RateLimitClass, subject: string): Promise<void> {
  const limiter = env[BINDINGS[rateClass]] as RateLimit | undefined;
  // A deployment without the binding is misconfigured; refusing every request would be worse.
  if (!limiter) return;
  const { success } = await limiter.limit({ key: rateLimitKey(rateClass, subject) });
  if (success) return;
  const retryAfterSeconds = secondsUntilWindowEnds(Date.now(), RATE_LIMIT_PERIOD_SECONDS);
  throw new DomainError(
    "rate_limited",
    rateClass === "anonymous"
      ? "Too many requests without a valid API key from this address; retry after the Retry-After delay"
      : `Too many ${rateClass.replace("_", " ")} requests for this API key; retry after the Retry-After delay`,
    undefined,
    { retryAfterSeconds },
  );
}

/** Counts a request that has no valid key against its client IP (throws 429 when over the limit). */
export async function limitAnonymous(c: Context<AppEnv>): Promise<void> {
  const ip = c.req.header("cf-connecting-ip");
  if (!ip) return;
  await enforce(c.env, "anonymous", ip);
}

/** Per key and route class; runs after authentication. */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = c.get("principal");
  if (principal) await enforce(c.env, rateLimitClass(c.req.method, c.req.path), principal.keyId);
  return next();
};
