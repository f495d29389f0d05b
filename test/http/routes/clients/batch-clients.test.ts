import { beforeAll, describe, expect, it } from "vitest";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, seedService, seedTenant } from "../../../harness";
import { clientTableCounts, profile } from "./helpers";

let crmKey: string;

beforeAll(async () => {
  const tenant = await seedTenant("Batch Bank");
  crmKey = tenant.crmKey;
  await seedService(tenant.company.id, { code: "debit_card" });
  await seedService(tenant.company.id, { code: "mortgage" });
});

const batch = (body: unknown) => api("POST", "/v1/clients:batch", { key: crmKey, body });
const item = (externalId: string, overrides: Record<string, unknown> = {}) => ({
  external_id: externalId,
  ...profile(overrides),
});

describe("POST /v1/clients:batch", () => {
  it("writes 500 clients with their interactions in one request", async () => {
    const clients = Array.from({ length: 500 }, (_, i) =>
      item(`bulk-${i}`, { age: 18 + (i % 80), services: { debit_card: i % 2 === 0 ? 1 : -1, mortgage: 1 } }),
    );
    const before = await clientTableCounts();
    const res = await batch({ clients });
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ created: 500, updated: 0, invalid: 0 });
    expect(res.body.results).toHaveLength(500);
    res.body.results.forEach(
      (result: { index: number; status: string; external_id: string; client_ref: string }, i: number) => {
        expect(result).toEqual({
          index: i,
          external_id: `bulk-${i}`,
          status: "created",
          client_ref: expect.stringMatching(/^cl_/),
        });
      },
    );
    expect(new Set(res.body.results.map((r: { client_ref: string }) => r.client_ref)).size).toBe(500);
    expect(await clientTableCounts()).toEqual({
      clients: before.clients + 500,
      interactions: before.interactions + 1000,
      history: before.history + 1000,
    });
    const ages = await allShardsD1
      .prepare("SELECT age FROM clients WHERE id = ?")
      .bind(res.body.results[123].client_ref)
      .first();
    expect(ages).toEqual({ age: 18 + (123 % 80) });

    // Re-sending the same batch is safe: every client is "updated" and nothing is written again.
    const again = await batch({ clients });
    expect(again.body.summary).toEqual({ created: 0, updated: 500, invalid: 0 });
    expect(again.body.results[7].client_ref).toBe(res.body.results[7].client_ref);
    expect(await clientTableCounts()).toEqual({
      clients: before.clients + 500,
      interactions: before.interactions + 1000,
      history: before.history + 1000,
    });
  });

  it("refuses 501 clients (400) and writes nothing", async () => {
    const before = await clientTableCounts();
    const res = await batch({ clients: Array.from({ length: 501 }, (_, i) => item(`too-many-${i}`)) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        code: "validation_failed",
        message: "clients may hold at most 500 clients per request",
        path: ["body", "clients"],
      },
    ]);
    expect(await clientTableCounts()).toEqual(before);
  });

  it("refuses a malformed envelope (400): empty list, missing list, unknown top-level field", async () => {
    const empty = await batch({ clients: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].path).toEqual(["body", "clients"]);
    const missing = await batch({});
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toEqual(["body", "clients"]);
    const unknown = await batch({ clients: [item("x-1")], dry_run: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      {
        code: "validation_failed",
        message: "Unknown field: only the documented fields are accepted",
        path: ["body", "dry_run"],
      },
    ]);
    const invalidJson = await api("POST", "/v1/clients:batch", { key: crmKey, rawBody: "{" });
    expect(errorCode(invalidJson)).toBe("invalid_json");
  });

  it("writes the valid items and reports the invalid ones, each with its errors", async () => {
    const before = await clientTableCounts();
    const res = await batch({
      clients: [
        item("mixed-ok-1", { services: { debit_card: 1 } }),
        item("mixed-bad-age", { age: 5 }),
        { age: 30, monthly_income: 1, region: "msk" },
        item("mixed-unknown-svc", { services: { debit_card: 1, no_such: -1 } }),
        item("mixed-ok-2"),
        item("mixed-ok-1", { age: 50 }),
        item("mixed-extra", { colour: "green" }),
        "not an object",
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ created: 2, updated: 0, invalid: 6 });
    const [ok1, badAge, noId, unknownSvc, ok2, duplicate, extra, notObject] = res.body.results;
    expect(ok1).toMatchObject({ index: 0, external_id: "mixed-ok-1", status: "created" });
    expect(ok2).toMatchObject({ index: 4, external_id: "mixed-ok-2", status: "created" });
    expect(badAge).toEqual({
      index: 1,
      external_id: "mixed-bad-age",
      status: "invalid",
      errors: [
        { code: "validation_failed", message: "age must be between 14 and 120", path: ["body", "clients", "1", "age"] },
      ],
    });
    expect(noId).toEqual({
      index: 2,
      status: "invalid",
      errors: [
        {
          code: "validation_failed",
          message: "external_id is required",
          path: ["body", "clients", "2", "external_id"],
        },
      ],
    });
    expect(unknownSvc).toEqual({
      index: 3,
      external_id: "mixed-unknown-svc",
      status: "invalid",
      errors: [
        {
          code: "validation_failed",
          message: "Unknown service code",
          path: ["body", "clients", "3", "services", "no_such"],
        },
      ],
    });
    expect(duplicate).toMatchObject({
      index: 5,
      external_id: "mixed-ok-1",
      status: "invalid",
      errors: [{ code: "validation_failed", path: ["body", "clients", "5", "external_id"] }],
    });
    expect(duplicate.errors[0].message).toContain("index 0");
    expect(extra.errors[0].path).toEqual(["body", "clients", "6", "colour"]);
    expect(notObject).toMatchObject({ index: 7, status: "invalid", errors: [{ path: ["body", "clients", "7"] }] });

    // Only the two valid clients (and one interaction of the first) were written; the duplicate did not overwrite.
    expect(await clientTableCounts()).toEqual({
      clients: before.clients + 2,
      interactions: before.interactions + 1,
      history: before.history + 1,
    });
    const stored = await api("GET", "/v1/clients/mixed-ok-1", { key: crmKey });
    expect(stored.body.profile.age).toBe(34);
    expect(stored.body.client_ref).toBe(ok1.client_ref);
  });

  it("refuses the whole batch (422) when any item carries personal data, and writes nothing", async () => {
    const before = await clientTableCounts();
    const res = await batch({
      clients: [
        item("pd-ok-1"),
        item("pd-ok-2"),
        item("pd-ok-3", { age: 5 }),
        { ...item("pd-phone"), phone: "+79161234567" },
        item("pd-needs", { needs: ["travel", "ivan@mail.ru"] }),
        item("89161234567"),
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { code: string; path: string[] }) => [e.code, e.path])).toEqual([
      ["personal_data", ["body", "clients", "3", "phone"]],
      ["personal_data", ["body", "clients", "4", "needs", "1"]],
      ["personal_data", ["body", "clients", "5", "external_id"]],
    ]);
    const text = JSON.stringify(res.body);
    for (const secret of ["79161234567", "ivan@mail.ru", "89161234567"]) expect(text).not.toContain(secret);
    expect(await clientTableCounts()).toEqual(before);
  });

  it("records interaction changes with history across batches", async () => {
    const first = await batch({ clients: [item("hist-1", { services: { debit_card: 1 } })] });
    const second = await batch({ clients: [item("hist-1", { services: { debit_card: -1 } })] });
    expect(second.body.results[0].status).toBe("updated");
    const ref = first.body.results[0].client_ref;
    const { results } = await allShardsD1
      .prepare("SELECT previous_value AS previousValue, value FROM interaction_history WHERE client_id = ? ORDER BY id")
      .bind(ref)
      .all();
    expect(results).toEqual([
      { previousValue: 0, value: 1 },
      { previousValue: 1, value: -1 },
    ]);
  });
});

describe("routing of the custom-method path", () => {
  it("POST /v1/clients:batch does not reach the {external_id} routes, and vice versa", async () => {
    // A known path asked with another method: 405 naming the method it serves, not the GET route.
    const getBatch = await api("GET", "/v1/clients:batch", { key: crmKey });
    expect(getBatch.status).toBe(405);
    expect(errorCode(getBatch)).toBe("method_not_allowed");
    expect(getBatch.headers.get("allow")).toBe("POST");

    // A client whose CRM id is literally "batch" lives at /v1/clients/batch.
    const put = await api("PUT", "/v1/clients/batch", { key: crmKey, body: profile() });
    expect(put.status).toBe(201);
    const postSlash = await api("POST", "/v1/clients/batch", { key: crmKey, body: { clients: [item("x")] } });
    expect(postSlash.status).toBe(405);
    expect(postSlash.headers.get("allow")).toBe("GET, HEAD, PUT");
  });

  it("the OpenAPI document lists /v1/clients:batch literally, not as a parameter", async () => {
    const doc = await api("GET", "/openapi.json", { key: null });
    expect(doc.body.paths["/v1/clients:batch"]?.post).toBeDefined();
    expect(doc.body.paths["/v1/clients{batch}"]).toBeUndefined();
    expect(doc.body.paths["/v1/clients/{external_id}"]?.put).toBeDefined();
    expect(doc.body.paths["/v1/clients/{external_id}"]?.get).toBeDefined();
  });
});
