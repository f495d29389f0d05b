import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { allShardsD1 } from "../../../all-shards";
import { ADMIN_TOKEN, api, errorCode, seedKey, seedTenant } from "../../../harness";
import { itEnforcesCompanyKeys } from "../company-security";
import { clientTableCounts, profile } from "./helpers";

let tenantA: Awaited<ReturnType<typeof seedTenant>>;
let tenantB: Awaited<ReturnType<typeof seedTenant>>;
let revokedKey: string;
let adminKey: string;

beforeAll(async () => {
  tenantA = await seedTenant("Company A");
  tenantB = await seedTenant("Company B");
  const revoked = await seedKey("crm", tenantA.company.id);
  await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), revoked.id).run();
  revokedKey = revoked.key;
  adminKey = (await seedKey("admin", null)).key;
});

const routes: Array<[string, string, unknown]> = [
  ["PUT", "/v1/clients/crm-sec-1", profile()],
  ["GET", "/v1/clients/crm-sec-1", undefined],
  ["POST", "/v1/clients:batch", { clients: [{ external_id: "crm-sec-2", ...profile() }] }],
];

describe("client routes: keys and scopes", () => {
  it.each(routes)("%s %s without a key, with an unknown key or a revoked key is 401", async (method, path, body) => {
    const before = await clientTableCounts();
    for (const key of [null, "cb_crm_not-a-real-key-0000000000000000000000", revokedKey]) {
      const res = await api(method, path, { key, body });
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe("unauthorized");
    }
    expect(await clientTableCounts()).toEqual(before);
  });

  it.each(routes)("%s %s with an admin or partner key is 403", async (method, path, body) => {
    const before = await clientTableCounts();
    for (const key of [ADMIN_TOKEN, adminKey, tenantA.partnerKey]) {
      const res = await api(method, path, { key, body });
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
    }
    expect(await clientTableCounts()).toEqual(before);
  });
});

describe("client routes: company isolation", () => {
  it("company A cannot read company B's client (404), even with the same CRM id", async () => {
    const createdB = await api("PUT", "/v1/clients/shared-crm-id", { key: tenantB.crmKey, body: profile({ age: 60 }) });
    expect(createdB.status).toBe(201);

    const readByA = await api("GET", "/v1/clients/shared-crm-id", { key: tenantA.crmKey });
    expect(readByA.status).toBe(404);
    expect(readByA.body).toEqual({
      success: false,
      errors: [{ code: "not_found", message: "No client with this external_id", path: ["params", "external_id"] }],
    });
    const neverSent = await api("GET", "/v1/clients/never-sent", { key: tenantA.crmKey });
    expect(neverSent.body).toEqual({
      success: false,
      errors: [{ code: "not_found", message: "No client with this external_id", path: ["params", "external_id"] }],
    });
  });

  it("the same CRM id at company A is a different client; B's client is untouched", async () => {
    const createdB = await api("GET", "/v1/clients/shared-crm-id", { key: tenantB.crmKey });
    const createdA = await api("PUT", "/v1/clients/shared-crm-id", { key: tenantA.crmKey, body: profile({ age: 20 }) });
    expect(createdA.status).toBe(201);
    expect(createdA.body.client_ref).not.toBe(createdB.body.client_ref);
    const readB = await api("GET", "/v1/clients/shared-crm-id", { key: tenantB.crmKey });
    expect(readB.body.profile.age).toBe(60);
    expect(readB.body.updated_at).toBe(createdB.body.updated_at);
    const rows = await allShardsD1
      .prepare("SELECT company_id FROM clients WHERE id IN (?, ?) ORDER BY company_id")
      .bind(createdA.body.client_ref, createdB.body.client_ref)
      .all<{ company_id: string }>();
    expect(rows.results.map((r) => r.company_id).sort()).toEqual([tenantA.company.id, tenantB.company.id].sort());
  });

  it("a batch writes only into the caller's company", async () => {
    const res = await api("POST", "/v1/clients:batch", {
      key: tenantA.crmKey,
      body: { clients: [{ external_id: "batch-owned", ...profile() }] },
    });
    const row = await allShardsD1
      .prepare("SELECT company_id FROM clients WHERE id = ?")
      .bind(res.body.results[0].client_ref)
      .first();
    expect(row).toEqual({ company_id: tenantA.company.id });
    const readByB = await api("GET", "/v1/clients/batch-owned", { key: tenantB.crmKey });
    expect(readByB.status).toBe(404);
  });
});

let sharedCounter = 0;

describe("PUT /v1/clients/{external_id}: shared key checks", () => {
  itEnforcesCompanyKeys({
    scope: "crm",
    snapshot: clientTableCounts,
    call: () => ({ method: "PUT", path: `/v1/clients/crm-shared-${++sharedCounter}`, body: profile() }),
  });
});

describe("GET /v1/clients/{external_id}: shared key checks", () => {
  itEnforcesCompanyKeys({
    scope: "crm",
    namesOwnObject: true,
    call: async (tenant) => {
      const path = `/v1/clients/crm-shared-${++sharedCounter}`;
      expect((await api("PUT", path, { key: tenant.crmKey, body: profile() })).status).toBe(201);
      return { method: "GET", path };
    },
  });
});

describe("POST /v1/clients:batch: shared key checks", () => {
  itEnforcesCompanyKeys({
    scope: "crm",
    snapshot: clientTableCounts,
    call: () => ({
      method: "POST",
      path: "/v1/clients:batch",
      body: { clients: [{ external_id: `crm-shared-${++sharedCounter}`, ...profile() }] },
    }),
  });
});
