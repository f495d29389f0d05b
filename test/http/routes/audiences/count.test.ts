import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, resetDatabase, seedCompany, seedKey } from "../../../harness";
import { itEnforcesCompanyKeys } from "../company-security";
import { type AudienceWorld, audienceWorld, REACHABLE_MOSCOW } from "./fixtures";

let world: AudienceWorld;

beforeAll(async () => {
  await resetDatabase();
  world = await audienceWorld();
});

/** A partner of its own: the guard and the budget are per partner, so each test starts fresh. */
async function freshPartner(): Promise<{ id: string; key: string }> {
  const company = await seedCompany({ name: `Partner ${Math.random().toString(36).slice(2, 7)}` });
  return { id: company.id, key: (await seedKey("partner", company.id)).key };
}

const count = (key: string, body: unknown, path = "/v1/partner/audiences:count") => api("POST", path, { key, body });

async function queryRows(companyId: string) {
  const rows = await env.DB.prepare("SELECT * FROM audience_queries WHERE company_id = ? ORDER BY id")
    .bind(companyId)
    .all<Record<string, unknown>>();
  return rows.results;
}

function expectNear(value: number | null, truth: number) {
  expect(value).not.toBeNull();
  expect(value! % 10).toBe(0);
  // Noise is at most ±10 and rounding moves a count at most 5 more.
  expect(Math.abs(value! - truth)).toBeLessThanOrEqual(15);
}

describe("POST /v1/partner/audiences:count", () => {
  it("counts matching clients and the bot persons with a live consent, rounded, with noise", async () => {
    const partner = await freshPartner();
    const res = await count(partner.key, { regions: ["RU-MOW"] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.suppressed).toBe(false);
    expectNear(res.body.matching, 300);
    expect(res.body.channels).toHaveLength(1);
    expect(res.body.channels[0].channel).toBe("bot");
    // 150 live consents; the 40 withdrawn ones would make it 190.
    expectNear(res.body.channels[0].reachable, REACHABLE_MOSCOW);
    const rows = await queryRows(partner.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      filter: '{"regions":["RU-MOW"]}',
      true_count: 300,
      true_reachable: 150,
      outcome: "answered",
    });
  });

  it("gives the same answer to the same query, however it is written, and serves the slash path too", async () => {
    const partner = await freshPartner();
    const first = await count(partner.key, { regions: ["RU-MOW"], genders: ["male", "female"] });
    const again = await count(partner.key, { genders: ["female", "male", "female"], regions: ["ru-mow"] });
    const slash = await count(
      partner.key,
      { regions: ["RU-MOW"], genders: ["female", "male"] },
      "/v1/partner/audiences/count",
    );
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(slash.body).toEqual(first.body);
  });

  it("suppresses an audience below k: no count at all", async () => {
    const partner = await freshPartner();
    const res = await count(partner.key, { regions: ["RU-SPE"] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ matching: null, suppressed: true, channels: [{ channel: "bot", reachable: null }] });
    expect((await queryRows(partner.id))[0]).toMatchObject({ outcome: "suppressed", true_count: 60 });
  });

  it("hides a reachable count below k even when the audience is shown", async () => {
    const partner = await freshPartner();
    // 100 Moscow clients with the health need, 50 of them reachable.
    const res = await count(partner.key, { needs: ["health"] });
    expect(res.status).toBe(200);
    expect(res.body.suppressed).toBe(false);
    expectNear(res.body.matching, 100);
    expect(res.body.channels).toEqual([{ channel: "bot", reachable: null }]);
  });

  it("refuses a query whose audience differs from an earlier one by fewer than k clients", async () => {
    const partner = await freshPartner();
    expect((await count(partner.key, { regions: ["RU-MOW"] })).status).toBe(200);
    // Moscow without the 18-24 band: 265 clients, 35 fewer than before.
    const older = await count(partner.key, {
      regions: ["RU-MOW"],
      age_bands: ["25-34", "35-44", "45-54", "55-64", "65+"],
    });
    expect(older.status).toBe(409);
    expect(errorCode(older)).toBe("audience_too_close");
    // The refusal names k, never a count of either audience or of their difference.
    expect(JSON.stringify(older.body)).not.toMatch(/265|300|\b35\b/);
    // Everybody: 360 clients, 60 more than Moscow.
    expect(errorCode(await count(partner.key, {}))).toBe("audience_too_close");
    // A clearly different audience is answered.
    expect((await count(partner.key, { needs: ["health"] })).status).toBe(200);
    const outcomes = (await queryRows(partner.id)).map((r) => r.outcome);
    expect(outcomes).toEqual(["answered", "too_close", "too_close", "answered"]);
    // Another partner never asked for Moscow: the same query is answered for it.
    const other = await freshPartner();
    expect(
      (await count(other.key, { regions: ["RU-MOW"], age_bands: ["25-34", "35-44", "45-54", "55-64", "65+"] })).status,
    ).toBe(200);
  });

  it("refuses queries over the partner's daily budget with 429 and records nothing more", async () => {
    const partner = await freshPartner();
    const set = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "company", scope_id: partner.id, key: "audience_daily_queries", value: 2 }] },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect((await count(partner.key, { regions: ["RU-MOW"] })).status).toBe(200);
    expect((await count(partner.key, { regions: ["RU-SPE"] })).status).toBe(200);
    const refused = await count(partner.key, { needs: ["health"] });
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe("audience_budget_exhausted");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await queryRows(partner.id)).toHaveLength(2);
    // Other partners keep their own budget.
    expect((await count((await freshPartner()).key, { needs: ["health"] })).status).toBe(200);
  });

  it("refuses values outside the vocabularies with 422 at their path, and unknown fields with 400", async () => {
    const partner = await freshPartner();
    const unknown = await count(partner.key, {
      regions: ["RU-MOW", "Atlantis"],
      needs: ["yachts"],
      services: ["nope"],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors.map((e: { path: string[] }) => e.path.join("."))).toEqual([
      "body.regions.1",
      "body.needs.0",
      "body.services.0",
    ]);
    expect(errorCode(unknown)).toBe("unprocessable");
    const band = await count(partner.key, { age_bands: ["30-40"] });
    expect(band.status).toBe(400);
    const extra = await count(partner.key, { regions: ["RU-MOW"], client_ids: ["cl_x"] });
    expect(extra.status).toBe(400);
    expect(errorCode(extra)).toBe("validation_failed");
    expect(await queryRows(partner.id)).toHaveLength(0);
  });

  it("filters by the services a client uses", async () => {
    const partner = await freshPartner();
    // 150 even Moscow clients and the 60 Saint Petersburg ones use the debit card.
    const res = await count(partner.key, { services: ["debit_card"] });
    expect(res.status).toBe(200);
    expectNear(res.body.matching, 210);
  });

  it("k follows the setting and can never be set below 50", async () => {
    const low = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "global", key: "audience_min_group", value: 49 }] },
    });
    expect(low.status).toBeGreaterThanOrEqual(400);
    const set = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "global", key: "audience_min_group", value: 50 }] },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const partner = await freshPartner();
    const spb = await count(partner.key, { regions: ["RU-SPE"] });
    expect(spb.body.suppressed).toBe(false);
    expectNear(spb.body.matching, 60);
    const restore = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "global", key: "audience_min_group", value: 100 }] },
    });
    expect(restore.status).toBe(200);
  });

  it("refuses crm keys", async () => {
    const res = await count(world.crmKey, { regions: ["RU-MOW"] });
    expect(res.status).toBe(403);
  });
});

describe("POST /v1/partner/audiences:count security", () => {
  itEnforcesCompanyKeys({
    scope: "partner",
    call: () => ({ method: "POST", path: "/v1/partner/audiences:count", body: { regions: ["RU-MOW"] } }),
    snapshot: async () => (await env.DB.prepare("SELECT count(*) AS n FROM audience_queries").first())?.n,
  });
});

describe("audience query retention", () => {
  it("the daily housekeeping deletes queries past the guard's 90 days and keeps the others", async () => {
    const { runHousekeeping } = await import("../../../../src/usecases/housekeeping");
    const now = Date.now();
    const day = 86_400_000;
    const insert = env.DB.prepare(
      "INSERT INTO audience_queries (company_id, filter, true_count, true_reachable, outcome, created_at) VALUES ('co_retention', '{}', 500, 0, 'answered', ?)",
    );
    await env.DB.batch([insert.bind(now - 91 * day), insert.bind(now - 89 * day)]);
    const result = await runHousekeeping(env, now);
    expect(result.prunedAudienceQueries).toBe(1);
    const left = await env.DB.prepare(
      "SELECT created_at FROM audience_queries WHERE company_id = 'co_retention'",
    ).all();
    expect(left.results).toEqual([{ created_at: now - 89 * day }]);
  });
});

describe("GET /v1/vocabularies for audiences", () => {
  it("lists the buckets of audience filters: age bands, genders and active services", async () => {
    const res = await api("GET", "/v1/vocabularies", { key: world.partnerKey });
    expect(res.status).toBe(200);
    expect(res.body.age_bands).toEqual(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]);
    expect(res.body.genders).toEqual(["female", "male"]);
    expect(res.body.services.map((s: { code: string }) => s.code).sort()).toEqual(["debit_card", "gym-pass"]);
  });
});
