/**
 * Rate limits on the simulated Workers Rate Limiting bindings (wrangler.toml `[[ratelimits]]`).
 * Windows are fixed 60-second windows aligned to the clock, so a test may straddle a rollover:
 * the assertions hold either way (the first `limit` requests pass; a 429 comes within the next
 * `limit + 1`).
 */
import { describe, expect, it } from "vitest";
import { rateLimitClass, secondsUntilWindowEnds } from "../../../src/domain/rate-limits";
import { type ApiResult, api, errorCode, seedKey } from "../../harness";

const ADMIN_WRITES_LIMIT = 300;
const ANONYMOUS_LIMIT = 60;

function randomIp() {
  return `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Sends `count` requests, `parallel` at a time, and returns their statuses in order. */
async function fire(count: number, parallel: number, send: () => Promise<{ status: number }>): Promise<number[]> {
  const statuses: number[] = [];
  for (let done = 0; done < count; done += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, count - done) }, send));
    statuses.push(...batch.map((r) => r.status));
  }
  return statuses;
}

describe("route classes", () => {
  it("GETs are reads; admin and analytics writes; the lead call; every other write is intake", () => {
    expect(rateLimitClass("GET", "/v1/admin/companies")).toBe("reads");
    expect(rateLimitClass("POST", "/v1/admin/needs")).toBe("admin_writes");
    expect(rateLimitClass("POST", "/v1/analytics/experiments")).toBe("admin_writes");
    expect(rateLimitClass("POST", "/v1/leads")).toBe("lead_call");
    expect(rateLimitClass("PUT", "/v1/clients/x")).toBe("intake");
    expect(rateLimitClass("POST", "/v1/partner/leads/ld_x/outcome")).toBe("intake");
    expect(secondsUntilWindowEnds(60_000 * 5 + 15_000, 60)).toBe(45);
    expect(secondsUntilWindowEnds(60_000 * 5 + 59_999, 60)).toBe(1);
  });
});

describe("per client IP, for requests without a valid key", () => {
  it("answers 429 rate_limited with Retry-After once the IP is over its limit; other IPs are unaffected", async () => {
    const ip = randomIp();
    const anonymous = () => api("GET", "/v1/vocabularies", { key: null, headers: { "cf-connecting-ip": ip } });
    const first = await fire(ANONYMOUS_LIMIT, 20, anonymous);
    expect(first).toEqual(Array(ANONYMOUS_LIMIT).fill(401));
    let limited: ApiResult | null = null;
    for (let i = 0; i <= ANONYMOUS_LIMIT && !limited; i++) {
      const res = await api("GET", "/v1/vocabularies", {
        key: "cb_crm_guessed-key-000000",
        headers: { "cf-connecting-ip": ip },
      });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(401);
    }
    expect(limited).not.toBeNull();
    expect(errorCode(limited!)).toBe("rate_limited");
    expect(limited!.body.success).toBe(false);
    const retryAfter = Number(limited!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const otherIp = await api("GET", "/v1/vocabularies", { key: null, headers: { "cf-connecting-ip": randomIp() } });
    expect(otherIp.status).toBe(401);
    // A valid key from the same address is counted per key, not per IP.
    const admin = await seedKey("admin", null);
    const keyed = await api("GET", "/v1/vocabularies", { key: admin.key, headers: { "cf-connecting-ip": ip } });
    expect(keyed.status).toBe(200);
  });
});

describe("per API key and route class", () => {
  it("limits a key's admin writes; its reads and another key's writes go on", async () => {
    const admin = await seedKey("admin", null);
    const write = () => api("POST", "/v1/admin/needs", { key: admin.key, body: {} });
    const first = await fire(ADMIN_WRITES_LIMIT, 25, write);
    expect(first.filter((status) => status === 429)).toHaveLength(0);
    // Within the next limit + 1 requests the key must be refused (usually at once).
    let sent = 0;
    let refused = false;
    while (!refused && sent <= ADMIN_WRITES_LIMIT) {
      const statuses = await fire(25, 25, write);
      sent += statuses.length;
      refused = statuses.includes(429);
    }
    expect(refused).toBe(true);

    const limited = await write();
    if (limited.status === 429) {
      expect(errorCode(limited)).toBe("rate_limited");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect((await api("GET", "/v1/vocabularies", { key: admin.key })).status).toBe(200);
    const other = await seedKey("admin", null);
    expect((await api("POST", "/v1/admin/needs", { key: other.key, body: {} })).status).toBe(400);
  });
});
