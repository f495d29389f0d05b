import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../../src/lib/crypto";
import { apiKeys, auditLog } from "../../../../src/storage/schema";
import { api, db, errorCode, seedCompany, seedKey } from "../../../harness";
import { itRefusesNonAdmins } from "./helpers";

async function storedKey(id: string) {
  const [row] = await db().select().from(apiKeys).where(eq(apiKeys.id, id));
  return row;
}

async function auditFor(entityId: string) {
  return db().select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(auditLog.id);
}

describe("POST /v1/admin/companies/{id}/api-keys", () => {
  it("issues a crm key shown once, stores only its hash, and the key works at once", async () => {
    const company = await seedCompany({ name: "Bank" });
    const res = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, {
      body: { scope: "crm", name: "amoCRM production" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      company_id: company.id,
      scope: "crm",
      name: "amoCRM production",
      last_used_at: null,
      revoked_at: null,
    });
    expect(res.body.id).toMatch(/^key_/);
    expect(res.body.key).toMatch(/^cb_crm_[0-9a-z]{40}$/);
    expect(res.body.key.startsWith(res.body.prefix)).toBe(true);

    const stored = await storedKey(res.body.id);
    expect(stored.hash).toBe(await sha256Hex(res.body.key));
    expect(JSON.stringify(stored)).not.toContain(res.body.key);

    // The new crm key authenticates (and, being crm, is refused by the admin API).
    const used = await api("GET", "/v1/admin/companies", { key: res.body.key });
    expect(used.status).toBe(403);

    const audit = await auditFor(res.body.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].action).toBe("api_key.created");
    expect(audit[0].after).not.toContain(res.body.key);
    expect(audit[0].after).not.toContain(stored.hash);
  });

  it("issues a partner key without a name", async () => {
    const company = await seedCompany();
    const res = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body: { scope: "partner" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scope: "partner", name: null });
    expect(res.body.key).toMatch(/^cb_partner_/);
  });

  it("refuses admin scope, unknown scopes, unknown fields and empty names", async () => {
    const company = await seedCompany();
    for (const body of [
      { scope: "admin" },
      { scope: "root" },
      { scope: "crm", hash: "x" },
      { scope: "crm", name: " " },
      {},
    ]) {
      const res = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body });
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    const res = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body: { scope: "admin" } });
    expect(res.body.errors[0].path).toEqual(["body", "scope"]);
    expect(await db().select().from(apiKeys).where(eq(apiKeys.companyId, company.id))).toHaveLength(0);
  });

  it("answers 404 for an unknown company", async () => {
    const res = await api("POST", "/v1/admin/companies/co_doesnotexist/api-keys", { body: { scope: "crm" } });
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
  });

  itRefusesNonAdmins(async () => ({
    method: "POST",
    path: `/v1/admin/companies/${(await seedCompany()).id}/api-keys`,
    body: { scope: "crm" },
  }));
});

describe("GET /v1/admin/companies/{id}/api-keys", () => {
  it("lists the company's keys, revoked included, without secrets or hashes", async () => {
    const company = await seedCompany();
    const other = await seedCompany();
    const first = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body: { scope: "crm" } });
    const second = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body: { scope: "partner" } });
    await api("POST", `/v1/admin/companies/${other.id}/api-keys`, { body: { scope: "crm" } });
    await api("DELETE", `/v1/admin/api-keys/${first.body.id}`);

    const res = await api("GET", `/v1/admin/companies/${company.id}/api-keys`);
    expect(res.status).toBe(200);
    expect(res.body.api_keys.map((k: { id: string }) => k.id)).toEqual([first.body.id, second.body.id]);
    expect(res.body.api_keys[0].revoked_at).not.toBeNull();
    expect(res.body.api_keys[1].revoked_at).toBeNull();
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(first.body.key);
    expect(text).not.toContain(second.body.key);
    expect(res.body.api_keys[0]).not.toHaveProperty("hash");
    expect(res.body.api_keys[0]).not.toHaveProperty("key");
  });

  it("answers 404 for an unknown company", async () => {
    const res = await api("GET", "/v1/admin/companies/co_doesnotexist/api-keys");
    expect(res.status).toBe(404);
  });

  itRefusesNonAdmins(async () => ({ method: "GET", path: `/v1/admin/companies/${(await seedCompany()).id}/api-keys` }));
});

describe("DELETE /v1/admin/api-keys/{id}", () => {
  it("revokes at once and idempotently, auditing only the first revocation", async () => {
    const company = await seedCompany();
    const issued = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body: { scope: "partner" } });
    const key = issued.body.key;
    expect((await api("GET", "/v1/admin/companies", { key })).status).toBe(403);

    const revoked = await api("DELETE", `/v1/admin/api-keys/${issued.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.id).toBe(issued.body.id);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await api("GET", "/v1/admin/companies", { key })).status).toBe(401);

    const again = await api("DELETE", `/v1/admin/api-keys/${issued.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);

    const audit = await auditFor(issued.body.id);
    expect(audit.map((a) => a.action)).toEqual(["api_key.created", "api_key.revoked"]);
    expect(JSON.parse(audit[1].before!).revoked_at).toBeNull();
    expect(JSON.parse(audit[1].after!).revoked_at).toBe(revoked.body.revoked_at);
  });

  it("revokes an admin key: the next admin call with it is 401", async () => {
    const admin = await seedKey("admin", null);
    expect((await api("GET", "/v1/admin/companies", { key: admin.key })).status).toBe(200);
    expect((await api("DELETE", `/v1/admin/api-keys/${admin.id}`)).status).toBe(200);
    const next = await api("GET", "/v1/admin/companies", { key: admin.key });
    expect(next.status).toBe(401);
    expect(errorCode(next)).toBe("unauthorized");
  });

  it("answers 404 for an unknown key", async () => {
    const res = await api("DELETE", "/v1/admin/api-keys/key_doesnotexist");
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
  });

  itRefusesNonAdmins(async () => {
    const victim = await seedKey("crm", (await seedCompany()).id);
    return { method: "DELETE", path: `/v1/admin/api-keys/${victim.id}` };
  });
});
