import { beforeAll, describe, expect, it } from "vitest";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, seedTenant, shardD1Of } from "../../../harness";
import { profile } from "./helpers";

let crmKey: string;

beforeAll(async () => {
  crmKey = (await seedTenant("Needs Bank")).crmKey;
});

const put = (externalId: string, body: unknown) => api("PUT", `/v1/clients/${externalId}`, { key: crmKey, body });
const get = (externalId: string) => api("GET", `/v1/clients/${externalId}`, { key: crmKey });

async function needRows(clientRef: string) {
  const { results } = await shardD1Of(clientRef)
    .prepare(
      "SELECT need_code, source, confidence, expires_at FROM client_needs WHERE client_id = ? ORDER BY need_code, source",
    )
    .bind(clientRef)
    .all();
  return results;
}

describe("needs with source, confidence and expiry", () => {
  it("keeps accepting the plain array of codes: CRM needs of confidence 1 with no expiry", async () => {
    const res = await put("needs-plain", profile({ needs: ["housing", "family", "housing"] }));
    expect(res.status).toBe(201);
    expect(res.body.profile.needs).toEqual(["housing", "family"]);
    expect(res.body.needs).toEqual([
      { code: "family", source: "crm", confidence: 1, observed_at: expect.any(String), expires_at: null },
      { code: "housing", source: "crm", confidence: 1, observed_at: expect.any(String), expires_at: null },
    ]);
    expect(await needRows(res.body.client_ref)).toEqual([
      { need_code: "family", source: "crm", confidence: 1, expires_at: null },
      { need_code: "housing", source: "crm", confidence: 1, expires_at: null },
    ]);
  });

  it("accepts { code, confidence, expires_at } and a mix, and GET shows them strongest first", async () => {
    const res = await put(
      "needs-rich",
      profile({ needs: [{ code: "housing", confidence: 0.8, expires_at: "2099-06-30T00:00:00Z" }, "car"] }),
    );
    expect(res.status).toBe(201);
    const read = await get("needs-rich");
    expect(read.status).toBe(200);
    expect(read.body.needs).toEqual([
      { code: "car", source: "crm", confidence: 1, observed_at: expect.any(String), expires_at: null },
      {
        code: "housing",
        source: "crm",
        confidence: 0.8,
        observed_at: expect.any(String),
        expires_at: "2099-06-30T00:00:00.000Z",
      },
    ]);
    expect(read.body.profile.needs).toEqual(["housing", "car"]);
  });

  it("replaces the CRM's needs on each write but keeps survey and inferred needs; expired needs are not shown", async () => {
    const created = await put("needs-sources", profile({ needs: ["housing"] }));
    const ref = created.body.client_ref as string;
    await shardD1Of(ref)
      .prepare(
        `INSERT INTO client_needs (client_id, need_code, source, confidence, observed_at, expires_at) VALUES
         (?1, 'travel', 'survey', 0.8, 1, NULL), (?1, 'health', 'inferred', 0.6, 1, 4102444800000),
         (?1, 'sport', 'survey', 0.9, 1, 1000)`,
      )
      .bind(ref)
      .run();
    const updated = await put("needs-sources", profile({ needs: [{ code: "car", confidence: 0.5 }] }));
    expect(updated.status).toBe(200);
    expect(updated.body.needs.map((n: { code: string; source: string }) => `${n.code}:${n.source}`)).toEqual([
      "travel:survey",
      "health:inferred",
      "car:crm",
    ]);
    // Omitted needs clear the CRM's statement only.
    const cleared = await put("needs-sources", profile({ needs: undefined }));
    expect(cleared.body.needs.map((n: { code: string }) => n.code)).toEqual(["travel", "health"]);
  });

  // A past expiry of 2020 or later: a midnight date of 1900–2019 is refused earlier as a possible date of birth.
  it("refuses unknown codes (422, path of each), a bad confidence or a past expiry (400), changing nothing", async () => {
    const before = await put("needs-refused", profile({ needs: ["housing"] }));
    const ref = before.body.client_ref as string;
    const unknown = await put("needs-refused", profile({ needs: ["housing", { code: "yachts", confidence: 0.5 }] }));
    expect(unknown.status).toBe(422);
    expect(errorCode(unknown)).toBe("unprocessable");
    expect(unknown.body.errors.map((e: { path: string[] }) => e.path)).toEqual([["body", "needs", "1"]]);
    const confidence = await put("needs-refused", profile({ needs: [{ code: "car", confidence: 2 }] }));
    expect(confidence.status).toBe(400);
    expect(errorCode(confidence)).toBe("validation_failed");
    const past = await put("needs-refused", profile({ needs: [{ code: "car", expires_at: "2026-01-01T00:00:00Z" }] }));
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([
      {
        code: "validation_failed",
        message: "expires_at must be in the future",
        path: ["body", "needs", "0", "expires_at"],
      },
    ]);
    const shape = await put("needs-refused", profile({ needs: [{ code: "car", source: "survey" }] }));
    expect(shape.status).toBe(400);
    expect(await needRows(ref)).toEqual([{ need_code: "housing", source: "crm", confidence: 1, expires_at: null }]);
  });

  it("refuses personal data inside a need object before anything else", async () => {
    const res = await put("needs-pd", profile({ needs: [{ code: "ivan.petrov@example.com" }] }));
    expect(res.status).toBe(422);
    expect(errorCode(res)).toBe("personal_data");
  });

  it("the batch accepts the richer form per item and reports a bad item alone", async () => {
    const res = await api("POST", "/v1/clients:batch", {
      key: crmKey,
      body: {
        clients: [
          { external_id: "needs-batch-1", ...profile({ needs: [{ code: "travel", confidence: 0.7 }, "car"] }) },
          {
            external_id: "needs-batch-2",
            ...profile({ needs: [{ code: "car", expires_at: "2026-01-01T00:00:00Z" }] }),
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(["created", "invalid"]);
    expect(res.body.results[1].errors[0].path).toEqual(["body", "clients", "1", "needs", "0", "expires_at"]);
    const ref = res.body.results[0].client_ref as string;
    expect(await needRows(ref)).toEqual([
      { need_code: "car", source: "crm", confidence: 1, expires_at: null },
      { need_code: "travel", source: "crm", confidence: 0.7, expires_at: null },
    ]);
    const total = await allShardsD1.prepare("SELECT COUNT(*) AS n FROM clients").first<{ n: number }>();
    expect(total!.n).toBeGreaterThan(0);
  });
});
