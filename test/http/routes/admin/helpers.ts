/**
 * Shared checks of the admin test files: every admin route refuses missing, unknown and revoked
 * keys (401) and crm / partner keys (403).
 */
import { expect, it } from "vitest";
import { api, errorCode, seedKey, seedTenant } from "../../../harness";

export interface RouteCall {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * Registers the security tests of one route. `prepare` builds the call (it may seed data); it is
 * invoked for every test so that write routes get fresh targets.
 */
export function itRefusesNonAdmins(prepare: () => Promise<RouteCall> | RouteCall) {
  it("answers 401 without a key", async () => {
    const call = await prepare();
    const res = await api(call.method, call.path, { key: null, body: call.body });
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("unauthorized");
  });

  it("answers 401 for an unknown key or a malformed Authorization header", async () => {
    const call = await prepare();
    const unknown = await api(call.method, call.path, {
      key: "cb_admin_thiskeywasneverissued0000000000",
      body: call.body,
    });
    expect(unknown.status).toBe(401);
    expect(errorCode(unknown)).toBe("unauthorized");
    const basic = await api(call.method, call.path, {
      key: null,
      body: call.body,
      headers: { authorization: "Basic dXNlcjpwYXNz" },
    });
    expect(basic.status).toBe(401);
  });

  it("answers 403 for crm and partner keys", async () => {
    const call = await prepare();
    const tenant = await seedTenant("Non-admin tenant");
    for (const key of [tenant.crmKey, tenant.partnerKey]) {
      const res = await api(call.method, call.path, { key, body: call.body });
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
    }
  });

  it("answers 401 on the very next call after the key is revoked through the API", async () => {
    const admin = await seedKey("admin", null);
    const accepted = await prepare();
    const first = await api(accepted.method, accepted.path, { key: admin.key, body: accepted.body });
    expect([401, 403]).not.toContain(first.status);

    const revoked = await api("DELETE", `/v1/admin/api-keys/${admin.id}`);
    expect(revoked.status).toBe(200);
    const next = await prepare();
    const after = await api(next.method, next.path, { key: admin.key, body: next.body });
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe("unauthorized");
  });
}
