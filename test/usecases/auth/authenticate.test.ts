/** The key lookup behind the auth middleware: which presented keys become which principals. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authenticateKey } from "../../../src/usecases/auth/authenticate";
import { ADMIN_TOKEN, seedKey, seedTenant } from "../../harness";

async function lastUsedAt(keyId: string) {
  const row = await env.DB.prepare("SELECT last_used_at FROM api_keys WHERE id = ?").bind(keyId).first<{
    last_used_at: number | null;
  }>();
  return row?.last_used_at ?? null;
}

describe("authenticateKey", () => {
  it("resolves the bootstrap ADMIN_TOKEN to an admin principal without touching any key", async () => {
    const { principal, touch } = await authenticateKey(env, ADMIN_TOKEN);
    expect(principal).toEqual({ keyId: "admin-token", scope: "admin", companyId: null });
    expect(touch).toBeNull();
  });

  it("refuses a too short ADMIN_TOKEN even when it matches", async () => {
    await expect(authenticateKey({ ...env, ADMIN_TOKEN: "short" }, "short")).rejects.toMatchObject({
      code: "unauthorized",
    });
  });

  it("resolves an issued key to its scope and company, and refreshes last_used_at at most once a minute", async () => {
    const tenant = await seedTenant("Auth tenant");
    const now = Date.now();
    const first = await authenticateKey(env, tenant.crmKey, now);
    expect(first.principal).toEqual({ keyId: tenant.crmKeyId, scope: "crm", companyId: tenant.company.id });
    expect(first.touch).not.toBeNull();
    await first.touch;
    expect(await lastUsedAt(tenant.crmKeyId)).toBe(now);

    const soon = await authenticateKey(env, tenant.crmKey, now + 30_000);
    expect(soon.touch).toBeNull();
    const later = await authenticateKey(env, tenant.crmKey, now + 61_000);
    await later.touch;
    expect(await lastUsedAt(tenant.crmKeyId)).toBe(now + 61_000);
  });

  it("with the key cached in the isolate, refreshes last_used_at once, not again on every request served from the cache", async () => {
    const tenant = await seedTenant("Cached auth tenant");
    const cached = { ...env, CONTROL_CACHE_TTL_MS: "60000" };
    const now = Date.now();
    const first = await authenticateKey(cached, tenant.crmKey, now);
    expect(first.touch).not.toBeNull();
    await first.touch;
    // Both served from the cached row: the refresh it was due is remembered there.
    expect((await authenticateKey(cached, tenant.crmKey, now + 1_000)).touch).toBeNull();
    expect((await authenticateKey(cached, tenant.crmKey, now + 59_000)).touch).toBeNull();
    expect(await lastUsedAt(tenant.crmKeyId)).toBe(now);
  });

  it("refuses unknown and revoked keys as unauthorized", async () => {
    await expect(authenticateKey(env, "cb_crm_neverissued0000000000000000000000")).rejects.toMatchObject({
      code: "unauthorized",
    });
    const key = await seedKey("partner", null);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), key.id).run();
    await expect(authenticateKey(env, key.key)).rejects.toMatchObject({ code: "unauthorized" });
  });
});
