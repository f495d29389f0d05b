/** The API key use cases called directly: unknown company or key, and idempotent revocation. */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiKeys, auditLog } from "../../../src/storage/schema";
import { issueCompanyApiKey, listCompanyApiKeys, revokeApiKey } from "../../../src/usecases/admin/api-keys";
import { db, seedCompany } from "../../harness";

const ACTOR = "key_usecase_admin";

describe("API key use cases", () => {
  it("refuses to issue or list keys of an unknown company, writing nothing", async () => {
    const before = await db().select({ id: apiKeys.id }).from(apiKeys);
    await expect(issueCompanyApiKey(env, ACTOR, "co_unknown", { scope: "crm", name: null })).rejects.toMatchObject({
      code: "not_found",
      message: "Company co_unknown not found",
    });
    await expect(listCompanyApiKeys(env, "co_unknown")).rejects.toMatchObject({ code: "not_found" });
    expect(await db().select({ id: apiKeys.id }).from(apiKeys)).toHaveLength(before.length);
  });

  it("issues a key whose clear secret is returned once and never stored", async () => {
    const company = await seedCompany();
    const { apiKey, key } = await issueCompanyApiKey(env, ACTOR, company.id, { scope: "partner", name: "inbox" });
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    const [stored] = await db().select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(stored.hash).not.toBe(key);
    expect(await listCompanyApiKeys(env, company.id)).toEqual([apiKey]);
  });

  it("revokes once: a second revocation answers the first one's time and audits nothing more", async () => {
    const company = await seedCompany();
    const { apiKey } = await issueCompanyApiKey(env, ACTOR, company.id, { scope: "crm", name: null });
    const first = await revokeApiKey(env, ACTOR, apiKey.id, 1_000);
    const second = await revokeApiKey(env, ACTOR, apiKey.id, 2_000);
    expect(first.revokedAt).toBe(1_000);
    expect(second).toEqual(first);
    const entries = await db().select().from(auditLog).where(eq(auditLog.entityId, apiKey.id));
    expect(entries.map((entry) => entry.action)).toEqual(["api_key.created", "api_key.revoked"]);
  });

  it("is not_found when revoking an unknown key", async () => {
    await expect(revokeApiKey(env, ACTOR, "key_unknown")).rejects.toMatchObject({
      code: "not_found",
      message: "API key key_unknown not found",
    });
  });
});
