/**
 * Shared checks of the crm and partner route tests (the admin routes have theirs in
 * admin/helpers.ts): every company route refuses missing, unknown, malformed and revoked keys (401),
 * keys of another scope or bound to no company (403), and answers 404 for another company's
 * client or lead, exactly as for an unknown one; a refused call changes nothing.
 */
import { expect, it } from "vitest";
import { ADMIN_TOKEN, api, errorCode, seedKey, seedTenant } from "../../harness";

export type Tenant = Awaited<ReturnType<typeof seedTenant>>;

export interface CompanyRouteCall {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CompanyRoute {
  /** The scope the route needs. */
  scope: "crm" | "partner";
  /** Admin keys are accepted too, and the key need not belong to a company (the recommendation preview). */
  adminAllowed?: boolean;
  /**
   * A call the tenant's `scope` key is allowed to make; it may seed the tenant's own objects. It is
   * invoked for every test, so write routes get fresh targets.
   */
  call: (tenant: Tenant) => Promise<CompanyRouteCall> | CompanyRouteCall;
  /** The call names one of the tenant's objects (a client, a lead): another company gets 404 for it. */
  namesOwnObject?: boolean;
  /** What a refused call must leave unchanged (e.g. row counts). */
  snapshot?: () => Promise<unknown>;
}

let tenantCounter = 0;

function newTenant() {
  return seedTenant(`Security tenant ${++tenantCounter}`);
}

function keyOf(tenant: Tenant, scope: "crm" | "partner"): string {
  return scope === "crm" ? tenant.crmKey : tenant.partnerKey;
}

async function send(call: CompanyRouteCall, key: string | null, headers: Record<string, string> = {}) {
  return api(call.method, call.path, { key, body: call.body, headers: { ...call.headers, ...headers } });
}

async function expectRefused(
  route: CompanyRoute,
  attempt: () => Promise<{ status: number; body: unknown }>,
  status: number,
  code: string,
) {
  const before = await route.snapshot?.();
  const res = await attempt();
  expect(res.status).toBe(status);
  expect(errorCode(res as Parameters<typeof errorCode>[0])).toBe(code);
  if (route.snapshot) expect(await route.snapshot()).toEqual(before);
}

/** Registers the security tests of one crm or partner route. */
export function itEnforcesCompanyKeys(route: CompanyRoute) {
  it("answers 401 without a key", async () => {
    const call = await route.call(await newTenant());
    await expectRefused(route, () => send(call, null), 401, "unauthorized");
  });

  it("answers 401 for an unknown key and for a malformed Authorization header", async () => {
    const call = await route.call(await newTenant());
    await expectRefused(
      route,
      () => send(call, `cb_${route.scope}_thiskeywasneverissued000000000000`),
      401,
      "unauthorized",
    );
    await expectRefused(route, () => send(call, null, { authorization: "Basic dXNlcjpwYXNz" }), 401, "unauthorized");
  });

  it("answers 401 on the very next call after the key is revoked", async () => {
    const tenant = await newTenant();
    const fresh = await seedKey(route.scope, tenant.company.id);
    const accepted = await send(await route.call(tenant), fresh.key);
    expect([401, 403]).not.toContain(accepted.status);

    const revoked = await api("DELETE", `/v1/admin/api-keys/${fresh.id}`);
    expect(revoked.status).toBe(200);
    const call = await route.call(tenant);
    await expectRefused(route, () => send(call, fresh.key), 401, "unauthorized");
  });

  it("answers 403 for keys of another scope", async () => {
    const tenant = await newTenant();
    const call = await route.call(tenant);
    const otherScope = route.scope === "crm" ? tenant.partnerKey : tenant.crmKey;
    const adminKeys = route.adminAllowed ? [] : [ADMIN_TOKEN, (await seedKey("admin", null)).key];
    for (const key of [otherScope, ...adminKeys]) {
      await expectRefused(route, () => send(call, key), 403, "forbidden");
    }
  });

  if (!route.adminAllowed) {
    it("answers 403 for a key of the right scope bound to no company", async () => {
      const call = await route.call(await newTenant());
      const unbound = await seedKey(route.scope, null);
      await expectRefused(route, () => send(call, unbound.key), 403, "forbidden");
    });
  }

  if (route.namesOwnObject) {
    it("answers 404 for another company's object, as for an unknown one, and changes nothing", async () => {
      const owner = await newTenant();
      const other = await newTenant();
      const call = await route.call(owner);
      await expectRefused(route, () => send(call, keyOf(other, route.scope)), 404, "not_found");
      // The owner still may: the refusal was about the caller, not the object.
      const own = await send(await route.call(owner), keyOf(owner, route.scope));
      expect([401, 403, 404]).not.toContain(own.status);
    });
  }
}
