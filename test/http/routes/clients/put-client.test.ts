import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, seedService, seedTenant, shardD1Of } from "../../../harness";
import { clientTableCounts, profile } from "./helpers";

let crmKey: string;
let companyId: string;

beforeAll(async () => {
  const tenant = await seedTenant("Intake Bank");
  crmKey = tenant.crmKey;
  companyId = tenant.company.id;
  await seedService(companyId, { code: "debit_card" });
  await seedService(companyId, { code: "mortgage" });
  await seedService(companyId, { code: "old_deposit", active: false });
});

const put = (externalId: string, body: unknown) => api("PUT", `/v1/clients/${externalId}`, { key: crmKey, body });

async function historyOf(clientRef: string) {
  // History rows are in the client's shard, service codes in the control database.
  const { results } = await shardD1Of(clientRef)
    .prepare(
      `SELECT h.service_id AS serviceId, h.previous_value AS previousValue, h.value AS value, h.source AS source
       FROM interaction_history h WHERE h.client_id = ? ORDER BY h.id`,
    )
    .bind(clientRef)
    .all<{ serviceId: string; previousValue: number; value: number; source: string }>();
  const codes = new Map(
    (await env.DB.prepare("SELECT id, code FROM services").all<{ id: string; code: string }>()).results.map((s) => [
      s.id,
      s.code,
    ]),
  );
  return results.map(({ serviceId, ...rest }) => ({ code: codes.get(serviceId)!, ...rest }));
}

describe("PUT /v1/clients/{external_id}: create and update", () => {
  it("creates a client (201) and returns its pseudonymous ref, the stored profile and interactions", async () => {
    const res = await put("crm-create-1", profile({ services: { debit_card: 1 } }));
    expect(res.status).toBe(201);
    expect(res.body.client_ref).toMatch(/^cl_[0-9a-z]{20}$/);
    expect(res.body.profile).toEqual({
      age: 34,
      monthly_income: 150000,
      region: "RU-MOW",
      gender: "female",
      needs: ["housing"],
    });
    expect(res.body.interactions).toEqual([
      { service_code: "debit_card", value: 1, source: "crm", at: expect.any(String) },
    ]);
    expect(res.body.created_at).toBe(res.body.updated_at);
    const row = await allShardsD1
      .prepare("SELECT company_id, age, region FROM clients WHERE id = ?")
      .bind(res.body.client_ref)
      .first();
    expect(row).toEqual({ company_id: companyId, age: 34, region: "RU-MOW" });
  });

  it("updates the same client (200): the profile is replaced, omitted gender and needs are cleared", async () => {
    const created = await put("crm-update-1", profile({ needs: ["travel", "children"] }));
    expect(created.status).toBe(201);
    const updated = await put("crm-update-1", { age: 35, monthly_income: 170000, region: "spb" });
    expect(updated.status).toBe(200);
    expect(updated.body.client_ref).toBe(created.body.client_ref);
    expect(updated.body.profile).toEqual({
      age: 35,
      monthly_income: 170000,
      region: "RU-SPE",
      gender: null,
      needs: [],
    });
    expect(Date.parse(updated.body.updated_at)).toBeGreaterThan(Date.parse(created.body.updated_at));
    expect(updated.body.created_at).toBe(created.body.created_at);
    const { n } = (await allShardsD1
      .prepare("SELECT COUNT(*) AS n FROM clients WHERE id = ?")
      .bind(created.body.client_ref)
      .first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("stores income in whole rubles and drops duplicate needs, keeping their order", async () => {
    const res = await put(
      "crm-normalise-1",
      profile({ monthly_income: 85000.6, needs: ["travel", "children", "travel", "insurance", "children"] }),
    );
    expect(res.status).toBe(201);
    expect(res.body.profile.monthly_income).toBe(85001);
    expect(res.body.profile.needs).toEqual(["travel", "children", "insurance"]);
  });

  it("accepts every character allowed in an external_id, including the colon", async () => {
    const res = await put("Crm:00.12-a_b", profile());
    expect(res.status).toBe(201);
    const again = await api("GET", "/v1/clients/Crm:00.12-a_b", { key: crmKey });
    expect(again.status).toBe(200);
    expect(again.body.client_ref).toBe(res.body.client_ref);
  });

  it("re-sending an unchanged client writes nothing (no history, same updated_at)", async () => {
    const body = profile({ services: { debit_card: 1 } });
    const first = await put("crm-idempotent-1", body);
    const before = await clientTableCounts();
    const second = await put("crm-idempotent-1", body);
    expect(second.status).toBe(200);
    expect(second.body.updated_at).toBe(first.body.updated_at);
    expect(second.body.interactions).toEqual(first.body.interactions);
    expect(await clientTableCounts()).toEqual(before);
  });
});

describe("PUT /v1/clients/{external_id}: interactions", () => {
  it("records interactions with history; 1 → -1 writes previous_value 1; unchanged values add no history", async () => {
    const created = await put("crm-history-1", profile({ services: { debit_card: 1, mortgage: -1 } }));
    expect(created.status).toBe(201);
    const ref = created.body.client_ref;
    expect(await historyOf(ref)).toEqual([
      { code: "debit_card", previousValue: 0, value: 1, source: "crm" },
      { code: "mortgage", previousValue: 0, value: -1, source: "crm" },
    ]);

    const changed = await put("crm-history-1", profile({ services: { debit_card: -1, mortgage: -1 } }));
    expect(changed.status).toBe(200);
    expect(changed.body.interactions).toEqual([
      { service_code: "debit_card", value: -1, source: "crm", at: expect.any(String) },
      { service_code: "mortgage", value: -1, source: "crm", at: expect.any(String) },
    ]);
    expect(await historyOf(ref)).toEqual([
      { code: "debit_card", previousValue: 0, value: 1, source: "crm" },
      { code: "mortgage", previousValue: 0, value: -1, source: "crm" },
      { code: "debit_card", previousValue: 1, value: -1, source: "crm" },
    ]);
    const { results } = await allShardsD1
      .prepare("SELECT value FROM interactions WHERE client_id = ? ORDER BY value")
      .bind(ref)
      .all<{ value: number }>();
    expect(results.map((r) => r.value)).toEqual([-1, -1]);
  });

  it("services not named keep their current value", async () => {
    const created = await put("crm-merge-1", profile({ services: { debit_card: 1, mortgage: 1 } }));
    const updated = await put("crm-merge-1", profile({ services: { mortgage: -1 } }));
    expect(
      updated.body.interactions.map((i: { service_code: string; value: number }) => [i.service_code, i.value]),
    ).toEqual([
      ["debit_card", 1],
      ["mortgage", -1],
    ]);
    const withoutServices = await put("crm-merge-1", profile());
    expect(withoutServices.body.interactions).toHaveLength(2);
    expect(await historyOf(created.body.client_ref)).toHaveLength(3);
  });

  it("accepts a deactivated service as history", async () => {
    const res = await put("crm-inactive-1", profile({ services: { old_deposit: 1 } }));
    expect(res.status).toBe(201);
    expect(res.body.interactions).toEqual([
      { service_code: "old_deposit", value: 1, source: "crm", at: expect.any(String) },
    ]);
  });

  it("refuses unknown service codes (400, one error per code) and writes nothing", async () => {
    const before = await clientTableCounts();
    const res = await put("crm-unknown-svc", profile({ services: { debit_card: 1, no_such: 1, gone_too: -1 } }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { code: "validation_failed", message: "Unknown service code", path: ["body", "services", "no_such"] },
      { code: "validation_failed", message: "Unknown service code", path: ["body", "services", "gone_too"] },
    ]);
    expect(await clientTableCounts()).toEqual(before);
  });
});

describe("PUT /v1/clients/{external_id}: validation", () => {
  const cases: Array<[string, unknown, string[]]> = [
    ["age below 14", profile({ age: 13 }), ["body", "age"]],
    ["age above 120", profile({ age: 121 }), ["body", "age"]],
    ["fractional age", profile({ age: 34.5 }), ["body", "age"]],
    ["age as a string", profile({ age: "34" }), ["body", "age"]],
    ["missing age", { monthly_income: 1, region: "msk" }, ["body", "age"]],
    ["income as a string", profile({ monthly_income: "150000" }), ["body", "monthly_income"]],
    ["missing income", { age: 30, region: "msk" }, ["body", "monthly_income"]],
    ["numeric region", profile({ region: 77 }), ["body", "region"]],
    ["missing region", { age: 30, monthly_income: 1 }, ["body", "region"]],
    ["unknown gender", profile({ gender: "other" }), ["body", "gender"]],
    ["needs not an array", profile({ needs: "mortgage" }), ["body", "needs"]],
    ["more than 20 needs", profile({ needs: Array.from({ length: 21 }, (_, i) => `need-${i}`) }), ["body", "needs"]],
    ["need not a string", profile({ needs: [5] }), ["body", "needs", "0"]],
    ["interaction 0", profile({ services: { debit_card: 0 } }), ["body", "services", "debit_card"]],
    ["interaction 2", profile({ services: { debit_card: 2 } }), ["body", "services", "debit_card"]],
    ["interaction as a string", profile({ services: { debit_card: "1" } }), ["body", "services", "debit_card"]],
    ["services not an object", profile({ services: ["debit_card"] }), ["body", "services"]],
    ["unknown field", profile({ favourite_colour: "green" }), ["body", "favourite_colour"]],
    ["body not an object", [profile()], ["body"]],
  ];

  it.each([
    ...cases,
    ["region too long", profile({ region: "a".repeat(65) }), ["body", "region"]] as [string, unknown, string[]],
  ])("%s → 400 validation_failed at the path, nothing written", async (_name, body, path) => {
    const before = await clientTableCounts();
    const res = await put("crm-validation", body);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe("validation_failed");
    expect(res.body.errors.map((e: { path: string[] }) => e.path)).toContainEqual(path);
    expect(await clientTableCounts()).toEqual(before);
  });

  // Closed vocabularies and documented ranges: anything outside them is 422 naming the path.
  const unprocessable: Array<[string, unknown, string[][]]> = [
    ["negative income", profile({ monthly_income: -1 }), [["body", "monthly_income"]]],
    ["absurd income", profile({ monthly_income: 2_000_000_000 }), [["body", "monthly_income"]]],
    ["a city that is not a region code", profile({ region: "Moscow" }), [["body", "region"]]],
    ["one-letter region", profile({ region: "m" }), [["body", "region"]]],
    ["region with punctuation", profile({ region: "msk!" }), [["body", "region"]]],
    ["RU itself (clients in Russia are coded by subject)", profile({ region: "RU" }), [["body", "region"]]],
    [
      "unknown and miscased needs",
      profile({ needs: ["travel", "Mortgage", "x", "car"] }),
      [
        ["body", "needs", "1"],
        ["body", "needs", "2"],
      ],
    ],
  ];

  it.each(unprocessable)("%s → 422 unprocessable naming each path, nothing written", async (_name, body, paths) => {
    const before = await clientTableCounts();
    const res = await put("crm-vocabulary", body);
    expect(res.status).toBe(422);
    expect(errorCode(res)).toBe("unprocessable");
    expect(res.body.errors.map((e: { path: string[] }) => e.path)).toEqual(paths);
    expect(await clientTableCounts()).toEqual(before);
  });

  it("stores regions canonical: any letter case, aliases mapped, countries abroad accepted", async () => {
    for (const [sent, stored] of [
      ["ru-kya", "RU-KYA"],
      ["RU-KYA", "RU-KYA"],
      ["Ru-Kya", "RU-KYA"],
      ["krasnoyarsk", "RU-KYA"],
      ["SPB", "RU-SPE"],
      ["de", "DE"],
    ]) {
      const res = await put(`crm-region-${sent}`, profile({ region: sent }));
      expect(res.status, sent).toBe(201);
      expect(res.body.profile.region).toBe(stored);
    }
  });

  it("says which required field is missing", async () => {
    const res = await put("crm-validation", {});
    expect(res.body.errors).toEqual([
      { code: "validation_failed", message: "age is required", path: ["body", "age"] },
      { code: "validation_failed", message: "monthly_income is required", path: ["body", "monthly_income"] },
      { code: "validation_failed", message: "region is required", path: ["body", "region"] },
    ]);
  });

  it("reports problems of the external_id and of the body together", async () => {
    const res = await put("a".repeat(129), profile({ age: 5 }));
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string[] }) => e.path)).toEqual([
      ["params", "external_id"],
      ["body", "age"],
    ]);
  });

  it("refuses external_ids with characters outside A-Z a-z 0-9 . _ : -", async () => {
    for (const id of ["with%20space", "plus+sign", "slash%2Fin", "emoji%F0%9F%98%80"]) {
      const res = await put(id, profile());
      expect(res.status, id).toBe(400);
      expect(res.body.errors[0].path).toEqual(["params", "external_id"]);
    }
  });

  it("malformed or empty JSON is 400 invalid_json", async () => {
    const before = await clientTableCounts();
    const bad = await api("PUT", "/v1/clients/crm-json", { key: crmKey, rawBody: '{"age": 30,' });
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe("invalid_json");
    const empty = await api("PUT", "/v1/clients/crm-json", { key: crmKey, rawBody: "" });
    expect(empty.status).toBe(400);
    expect(errorCode(empty)).toBe("invalid_json");
    expect(await clientTableCounts()).toEqual(before);
  });

  it("a body over 1 MiB is 413 payload_too_large", async () => {
    const res = await api("PUT", "/v1/clients/crm-big", {
      key: crmKey,
      body: profile({ needs: ["x".repeat(1024 * 1024)] }),
    });
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe("payload_too_large");
  });
});
