/**
 * Console sessions: the key-for-cookie exchange, the cookie's flags, CSRF on writes, expiry,
 * sign-out, revocation, the viewer scope, and that a partner session never reaches admin routes.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, api, errorCode, seedCompany, seedKey, seedTenant } from "../../../harness";

interface SignedIn {
  cookie: string;
  csrf: string;
  setCookie: string;
  body: any;
}

async function signIn(key: string): Promise<SignedIn> {
  const res = await api("POST", "/v1/session", { key: null, body: { key } });
  expect(res.status).toBe(201);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const token = /cb_session=([^;]+)/.exec(setCookie)?.[1];
  expect(token).toBeTruthy();
  return { cookie: `cb_session=${token}`, csrf: res.body.csrf_token, setCookie, body: res.body };
}

/** A call made the way the console makes it: the cookie, no Authorization header. */
function withSession(
  session: SignedIn,
  method: string,
  path: string,
  opts: { body?: unknown; csrf?: string | null } = {},
) {
  const headers: Record<string, string> = { cookie: session.cookie };
  const csrf = opts.csrf === undefined ? session.csrf : opts.csrf;
  if (csrf) headers["x-csrf-token"] = csrf;
  return api(method, path, { key: null, body: opts.body, headers });
}

describe("POST /v1/session", () => {
  it("sets an HttpOnly, Secure, SameSite=Strict cookie and returns the principal and a CSRF token", async () => {
    const admin = await seedKey("admin", null);
    const session = await signIn(admin.key);
    expect(session.setCookie).toMatch(/HttpOnly/i);
    expect(session.setCookie).toMatch(/Secure/i);
    expect(session.setCookie).toMatch(/SameSite=Strict/i);
    expect(session.setCookie).toMatch(/Path=\//);
    expect(session.setCookie).toMatch(/Max-Age=\d+/);
    expect(session.body).toMatchObject({ key_id: admin.id, scope: "admin", company_id: null });
    expect(session.body.csrf_token).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(session.body.expires_at) - Date.now()).toBeGreaterThan(60 * 60 * 1000);
    // The key is not in the answer, and only a hash of the session token is stored.
    expect(JSON.stringify(session.body)).not.toContain(admin.key);
    const token = session.cookie.split("=")[1];
    const rows = await env.DB.prepare("SELECT token_hash FROM console_sessions WHERE key_id = ?")
      .bind(admin.id)
      .all<{ token_hash: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0].token_hash).not.toBe(token);
    expect(rows.results[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts the bootstrap ADMIN_TOKEN and partner keys; refuses crm, unknown and revoked keys", async () => {
    expect((await signIn(ADMIN_TOKEN)).body).toMatchObject({ key_id: "admin-token", scope: "admin" });
    const tenant = await seedTenant();
    expect((await signIn(tenant.partnerKey)).body).toMatchObject({ scope: "partner", company_id: tenant.company.id });

    const crm = await api("POST", "/v1/session", { key: null, body: { key: tenant.crmKey } });
    expect(crm.status).toBe(403);
    expect(errorCode(crm)).toBe("forbidden");
    expect(crm.headers.get("set-cookie")).toBeNull();

    const unknown = await api("POST", "/v1/session", { key: null, body: { key: "cb_admin_neverissued000000000000" } });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("set-cookie")).toBeNull();

    const admin = await seedKey("admin", null);
    expect((await api("DELETE", `/v1/admin/api-keys/${admin.id}`)).status).toBe(200);
    expect((await api("POST", "/v1/session", { key: null, body: { key: admin.key } })).status).toBe(401);
  });

  it("answers 400 validation_failed for a body without a key and creates no session", async () => {
    const count = () => env.DB.prepare("SELECT COUNT(*) AS n FROM console_sessions").first<{ n: number }>();
    const before = await count();
    const res = await api("POST", "/v1/session", { key: null, body: { token: "x" } });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe("validation_failed");
    expect(await count()).toEqual(before);
  });
});

describe("requests with the session cookie", () => {
  it("act as the key: reads pass, writes with the CSRF token pass and are audited under the key", async () => {
    const admin = await seedKey("admin", null);
    const session = await signIn(admin.key);
    const company = await seedCompany();

    const list = await withSession(session, "GET", "/v1/admin/companies");
    expect(list.status).toBe(200);

    const paused = await withSession(session, "PATCH", `/v1/admin/companies/${company.id}`, {
      body: { status: "paused" },
    });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe("paused");

    const audit = await api("GET", `/v1/admin/audit-log?entity_id=${company.id}`);
    expect(audit.status).toBe(200);
    expect(audit.body.entries[0]).toMatchObject({ actor: admin.id, entity_id: company.id });
  });

  it("refuses a write without the CSRF token, or with a wrong one (403), and changes nothing", async () => {
    const session = await signIn(ADMIN_TOKEN);
    const company = await seedCompany();
    const other = await signIn(ADMIN_TOKEN);
    for (const csrf of [null, "0".repeat(64), other.csrf]) {
      const res = await withSession(session, "PATCH", `/v1/admin/companies/${company.id}`, {
        body: { status: "paused" },
        csrf,
      });
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
      expect(res.body.errors[0].message).toContain("CSRF");
    }
    const after = await api("GET", `/v1/admin/companies/${company.id}`);
    expect(after.body.status).toBe("active");
  });

  it("answers 401 once the session has expired", async () => {
    const session = await signIn(ADMIN_TOKEN);
    expect((await withSession(session, "GET", "/v1/admin/companies")).status).toBe(200);
    await env.DB.prepare("UPDATE console_sessions SET expires_at = ?")
      .bind(Date.now() - 1)
      .run();
    const res = await withSession(session, "GET", "/v1/admin/companies");
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("unauthorized");
  });

  it("answers 401 for an unknown session token", async () => {
    const res = await api("GET", "/v1/admin/companies", { key: null, headers: { cookie: "cb_session=forged" } });
    expect(res.status).toBe(401);
  });

  it("stop working as soon as the key behind them is revoked", async () => {
    const admin = await seedKey("admin", null);
    const session = await signIn(admin.key);
    expect((await withSession(session, "GET", "/v1/admin/companies")).status).toBe(200);
    expect((await api("DELETE", `/v1/admin/api-keys/${admin.id}`)).status).toBe(200);
    expect((await withSession(session, "GET", "/v1/admin/companies")).status).toBe(401);
  });

  it("GET /v1/session returns the same CSRF token; DELETE signs out and clears the cookie", async () => {
    const session = await signIn(ADMIN_TOKEN);
    const current = await withSession(session, "GET", "/v1/session");
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ scope: "admin", csrf_token: session.csrf });

    expect((await withSession(session, "DELETE", "/v1/session", { csrf: null })).status).toBe(403);
    const out = await withSession(session, "DELETE", "/v1/session");
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/cb_session=;.*Max-Age=0/i);
    expect((await withSession(session, "GET", "/v1/admin/companies")).status).toBe(401);
  });

  it("GET /v1/session without a session answers 401", async () => {
    expect((await api("GET", "/v1/session")).status).toBe(401);
    expect((await api("GET", "/v1/session", { key: null })).status).toBe(401);
  });
});

describe("scopes through sessions", () => {
  it("a partner session cannot see admin routes (403) but reads its inbox", async () => {
    const tenant = await seedTenant();
    const session = await signIn(tenant.partnerKey);
    for (const path of ["/v1/admin/companies", "/v1/admin/audit-log", "/v1/admin/analytics/funnel"]) {
      const res = await withSession(session, "GET", path);
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
    }
    expect((await withSession(session, "GET", "/v1/partner/leads")).status).toBe(200);
  });

  it("a viewer key is issued through the key API, reads admin routes and is refused writes (403)", async () => {
    const bank = await seedCompany({ kind: "bank" });
    const issued = await api("POST", `/v1/admin/companies/${bank.id}/api-keys`, {
      body: { scope: "viewer", name: "Sales operations" },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.scope).toBe("viewer");
    const viewerKey: string = issued.body.key;
    expect(viewerKey).toMatch(/^cb_viewer_/);

    // With the bearer key…
    expect((await api("GET", "/v1/admin/companies", { key: viewerKey })).status).toBe(200);
    expect((await api("GET", "/v1/admin/audit-log", { key: viewerKey })).status).toBe(200);
    const write = await api("PATCH", `/v1/admin/companies/${bank.id}`, { key: viewerKey, body: { status: "paused" } });
    expect(write.status).toBe(403);
    expect(errorCode(write)).toBe("forbidden");
    const keyWrite = await api("POST", `/v1/admin/companies/${bank.id}/api-keys`, {
      key: viewerKey,
      body: { scope: "crm" },
    });
    expect(keyWrite.status).toBe(403);

    // …and through a session, even with a valid CSRF token.
    const session = await signIn(viewerKey);
    expect(session.body.scope).toBe("viewer");
    expect((await withSession(session, "GET", "/v1/admin/settings")).status).toBe(200);
    const sessionWrite = await withSession(session, "PATCH", `/v1/admin/companies/${bank.id}`, {
      body: { status: "paused" },
    });
    expect(sessionWrite.status).toBe(403);
    expect((await api("GET", `/v1/admin/companies/${bank.id}`)).body.status).toBe("active");

    // A viewer is no partner or crm: company routes refuse it.
    expect((await api("GET", "/v1/partner/leads", { key: viewerKey })).status).toBe(403);
  });
});
