import { beforeAll, describe, expect, it } from "vitest";
import { api, seedService, seedTenant, shardD1Of } from "../../harness";

let crmKey: string;

beforeAll(async () => {
  const tenant = await seedTenant("Lead Needs Bank");
  crmKey = tenant.crmKey;
  await seedService(tenant.company.id, { code: "ln-card" });
});

async function needRows(clientRef: string) {
  const { results } = await shardD1Of(clientRef)
    .prepare(
      "SELECT need_code, source, confidence, expires_at FROM client_needs WHERE client_id = ? ORDER BY need_code, source",
    )
    .bind(clientRef)
    .all();
  return results;
}

const lead = (needs: string[], extra: Record<string, unknown> = {}) =>
  api("POST", "/v1/leads", {
    key: crmKey,
    body: { external_id: "ln-1", age: 34, monthly_income: 130_000, region: "msk", needs, ...extra },
  });

describe("the lead call's needs", () => {
  it("keeps the intake's confidence and expiry for codes it restates, adds new ones at the defaults, keeps survey needs", async () => {
    const put = await api("PUT", "/v1/clients/ln-1", {
      key: crmKey,
      body: {
        age: 34,
        monthly_income: 130_000,
        region: "msk",
        needs: [{ code: "housing", confidence: 0.7, expires_at: "2099-01-01T00:00:00Z" }, "travel"],
      },
    });
    const ref = put.body.client_ref as string;
    await shardD1Of(ref)
      .prepare("INSERT INTO client_needs VALUES (?, 'health', 'survey', 0.8, 1, NULL)")
      .bind(ref)
      .run();

    const dry = await lead(["housing", "car"], { dry_run: true });
    expect(dry.status).toBe(200);
    // A dry run writes nothing.
    expect((await needRows(ref)).map((r) => r.need_code)).toEqual(["health", "housing", "travel"]);

    const res = await lead(["housing", "car"]);
    expect([200, 201]).toContain(res.status);
    expect(await needRows(ref)).toEqual([
      { need_code: "car", source: "crm", confidence: 1, expires_at: null },
      { need_code: "health", source: "survey", confidence: 0.8, expires_at: null },
      { need_code: "housing", source: "crm", confidence: 0.7, expires_at: Date.UTC(2099, 0, 1) },
    ]);
    const read = await api("GET", "/v1/clients/ln-1", { key: crmKey });
    expect(read.body.needs.map((n: { code: string; source: string }) => `${n.code}:${n.source}`)).toEqual([
      "car:crm",
      "health:survey",
      "housing:crm",
    ]);
  });
});
