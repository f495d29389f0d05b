/**
 * The lead call's control data cached per isolate (src/storage/lead-context.ts): within the TTL the
 * call reads only its client's shard, leads this isolate creates are counted at once, and dropping
 * the cache (what an admin write does) shows changes on the next call. The tests run with the cache
 * off (CONTROL_CACHE_TTL_MS = "0" in vitest.config.ts), so here it is turned on per call.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachedActiveKey } from "../../src/storage/api-keys";
import { countCreatedLeads, forgetControlSnapshot, loadLeadContext } from "../../src/storage/lead-context";
import { companies } from "../../src/storage/schema";
import { clientShards, shardOfPseudonym } from "../../src/storage/shards";
import { cachedActiveNeedCodes } from "../../src/storage/vocabularies";
import {
  controlCacheTtlMs,
  controlDataChanged,
  DEFAULT_CONTROL_CACHE_TTL_MS,
} from "../../src/usecases/lead-call/control-cache";
import { db, resetDatabase, seedCompany, seedKey, seedService } from "../harness";

const HASH = "cache-test-client-hash";

function load(now: number, controlTtlMs: number) {
  return loadLeadContext(
    {
      control: env.DB,
      clientShard: shardOfPseudonym(env, HASH).d1,
      allShards: clientShards(env).map((shard) => shard.d1),
    },
    { companyId: "co_none", externalHash: HASH, now, lookbackMs: 0, controlTtlMs },
  );
}

beforeEach(async () => {
  await resetDatabase();
  forgetControlSnapshot();
});
afterEach(() => forgetControlSnapshot());

describe("the lead call's control cache", () => {
  it("serves the control data from the cache within the TTL and reads it afresh after it", async () => {
    const company = await seedCompany({ name: "Cached Co" });
    await seedService(company.id, { code: "cached_service" });
    const now = Date.now();
    expect((await load(now, 5_000)).companies.get(company.id)?.status).toBe("active");

    await db().update(companies).set({ status: "paused" }).where(eq(companies.id, company.id));
    // Within the TTL: the cached row (this is the lag a paused company sees in other isolates).
    expect((await load(now + 1_000, 5_000)).companies.get(company.id)?.status).toBe("active");
    // Past it, or with the cache off, or once dropped: the stored row.
    expect((await load(now + 5_001, 5_000)).companies.get(company.id)?.status).toBe("paused");
    await db().update(companies).set({ status: "active" }).where(eq(companies.id, company.id));
    expect((await load(now + 5_002, 0)).companies.get(company.id)?.status).toBe("active");
  });

  it("is dropped by forgetControlSnapshot, as after an admin write in this isolate", async () => {
    const company = await seedCompany({ name: "Dropped Co" });
    const now = Date.now();
    await load(now, 60_000);
    await db().update(companies).set({ status: "paused" }).where(eq(companies.id, company.id));
    expect((await load(now + 10, 60_000)).companies.get(company.id)?.status).toBe("active");
    forgetControlSnapshot();
    expect((await load(now + 20, 60_000)).companies.get(company.id)?.status).toBe("paused");
  });

  it("counts the leads this isolate creates into the cached daily counts at once", async () => {
    const company = await seedCompany({ name: "Capped Co", dailyLeadCap: 5 });
    const service = await seedService(company.id, { code: "capped_service", category: "insurance" });
    const now = Date.now();
    expect((await load(now, 60_000)).companies.get(company.id)?.leadsToday).toBe(0);
    countCreatedLeads(
      [
        { serviceId: service.id, targetCompanyId: company.id },
        { serviceId: service.id, targetCompanyId: company.id },
      ],
      now,
    );
    const context = await load(now + 10, 60_000);
    expect(context.companies.get(company.id)?.leadsToday).toBe(2);
    expect(context.routedToday.get("insurance")?.get(company.id)).toBe(2);
  });

  it("reads CONTROL_CACHE_TTL_MS, 0 turning it off and anything unreadable falling back to the default", () => {
    expect(controlCacheTtlMs({ CONTROL_CACHE_TTL_MS: "0" })).toBe(0);
    expect(controlCacheTtlMs({ CONTROL_CACHE_TTL_MS: "2500" })).toBe(2500);
    expect(controlCacheTtlMs({ CONTROL_CACHE_TTL_MS: undefined })).toBe(DEFAULT_CONTROL_CACHE_TTL_MS);
    for (const bad of ["-1", "1.5", "soon", "999999"]) {
      expect(controlCacheTtlMs({ CONTROL_CACHE_TTL_MS: bad })).toBe(DEFAULT_CONTROL_CACHE_TTL_MS);
    }
  });
});

describe("the need codes' cache", () => {
  it("serves the taxonomy from the isolate's copy within the TTL; an admin change drops it", async () => {
    const now = Date.now();
    expect((await cachedActiveNeedCodes(db(), now, 5_000)).has("pets-cache-test")).toBe(false);
    await env.DB.prepare(
      "INSERT INTO need_tags (code, label_ru, label_en, group_code, active, created_at, updated_at) VALUES ('pets-cache-test', 'Питомцы', 'Pets', 'lifestyle', 1, 0, 0)",
    ).run();
    expect((await cachedActiveNeedCodes(db(), now + 10, 5_000)).has("pets-cache-test")).toBe(false);
    expect((await cachedActiveNeedCodes(db(), now + 20, 0)).has("pets-cache-test")).toBe(true);
    await cachedActiveNeedCodes(db(), now + 30, 5_000);
    await env.DB.prepare("UPDATE need_tags SET active = 0 WHERE code = 'pets-cache-test'").run();
    controlDataChanged();
    expect((await cachedActiveNeedCodes(db(), now + 40, 5_000)).has("pets-cache-test")).toBe(false);
  });
});

describe("the API key cache", () => {
  it("remembers a found key within the TTL; a revocation shows after it, or at once where the admin wrote", async () => {
    const company = await seedCompany({ name: "Keyed Co" });
    const issued = await seedKey("crm", company.id);
    const now = Date.now();
    expect((await cachedActiveKey(db(), issued.key, now, 5_000))?.id).toBe(issued.id);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(now, issued.id).run();
    // Another isolate's copy: still valid within the TTL, refused past it.
    expect((await cachedActiveKey(db(), issued.key, now + 1_000, 5_000))?.id).toBe(issued.id);
    expect(await cachedActiveKey(db(), issued.key, now + 5_001, 5_000)).toBeNull();
    // Unknown keys are never remembered; an admin write in this isolate drops every copy.
    await env.DB.prepare("UPDATE api_keys SET revoked_at = NULL WHERE id = ?").bind(issued.id).run();
    expect((await cachedActiveKey(db(), issued.key, now + 5_002, 5_000))?.id).toBe(issued.id);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(now, issued.id).run();
    controlDataChanged();
    expect(await cachedActiveKey(db(), issued.key, now + 5_003, 5_000)).toBeNull();
    expect(await cachedActiveKey(db(), "cb_crm_not-a-key", now, 5_000)).toBeNull();
  });
});
