import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, seedTenant } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { itEnforcesCompanyKeys } from "../company-security";

const ENDPOINT = "https://hooks.partner-webhook.example/leads";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function tenantWithWebhook() {
  const tenant = await seedTenant();
  const set = await api("PATCH", "/v1/partner/webhook", { key: tenant.partnerKey, body: { webhook_url: ENDPOINT } });
  expect(set.status).toBe(200);
  return { ...tenant, secret: set.body.webhook_secret as string };
}

describe("partner webhook settings", () => {
  it("shows the settings, sets the URL once with a new secret shown once, audited under the partner key", async () => {
    const tenant = await seedTenant();
    const before = await api("GET", "/v1/partner/webhook", { key: tenant.partnerKey });
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      webhook_url: null,
      has_webhook_secret: false,
      webhook_previous_secret_expires_at: null,
      webhook_disabled_at: null,
      webhook_disabled_reason: null,
    });
    const set = await api("PATCH", "/v1/partner/webhook", { key: tenant.partnerKey, body: { webhook_url: ENDPOINT } });
    expect(set.status).toBe(200);
    expect(set.body.webhook_url).toBe(ENDPOINT);
    expect(set.body.webhook_secret).toMatch(/^whsec_/);
    const after = await api("GET", "/v1/partner/webhook", { key: tenant.partnerKey });
    expect(after.body).toMatchObject({ webhook_url: ENDPOINT, has_webhook_secret: true });
    expect(after.body.webhook_secret).toBeUndefined();

    const audit = await api("GET", `/v1/admin/audit-log?entity_id=${tenant.company.id}`);
    expect(audit.body.entries[0]).toMatchObject({ actor: tenant.partnerKeyId, action: "company.updated" });
  });

  it("refuses a URL that is not public https (400) and keeps the settings", async () => {
    const tenant = await tenantWithWebhook();
    const res = await api("PATCH", "/v1/partner/webhook", {
      key: tenant.partnerKey,
      body: { webhook_url: "http://127.0.0.1/hook" },
    });
    expect(res.status).toBe(400);
    expect((await api("GET", "/v1/partner/webhook", { key: tenant.partnerKey })).body.webhook_url).toBe(ENDPOINT);
  });

  itEnforcesCompanyKeys({ scope: "partner", call: () => ({ method: "GET", path: "/v1/partner/webhook" }) });
});

describe("POST /v1/partner/webhook/test", () => {
  it("POSTs a signed test event and reports the endpoint's answer", async () => {
    const tenant = await tenantWithWebhook();
    let received: { headers: Headers; body: string } | null = null;
    server.use(
      http.post(ENDPOINT, async ({ request }) => {
        received = { headers: request.headers, body: await request.text() };
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const res = await api("POST", "/v1/partner/webhook/test", { key: tenant.partnerKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: ENDPOINT, delivered: true, http_status: 204, error: null });
    expect(res.body.event_id).toMatch(/^test_/);
    expect(received).not.toBeNull();
    const got = received as unknown as { headers: Headers; body: string };
    expect(got.headers.get("webhook-id")).toBe(res.body.event_id);
    // The receiver verifies it with the secret it was given, as it would a lead.
    const verified = new Webhook(tenant.secret).verify(got.body, Object.fromEntries(got.headers.entries())) as {
      type: string;
      company_id: string;
    };
    expect(verified).toMatchObject({ type: "test", company_id: tenant.company.id });
  });

  it("reports a failing endpoint with the reason, and records nothing", async () => {
    const tenant = await tenantWithWebhook();
    server.use(
      http.post(ENDPOINT, () => new HttpResponse("nope", { status: 500, statusText: "Internal Server Error" })),
    );
    const count = () => allShardsD1.prepare("SELECT COUNT(*) AS n FROM lead_events").first<{ n: number }>();
    const before = await count();
    const res = await api("POST", "/v1/partner/webhook/test", { key: tenant.partnerKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ delivered: false, http_status: 500 });
    expect(res.body.error).toContain("HTTP 500");
    expect(await count()).toEqual(before);
  });

  it("answers 409 when the company has no webhook", async () => {
    const tenant = await seedTenant();
    const res = await api("POST", "/v1/partner/webhook/test", { key: tenant.partnerKey });
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe("conflict");
  });
});

describe("POST /v1/admin/companies/{id}/webhook/test", () => {
  it("sends the test event for any company", async () => {
    const tenant = await tenantWithWebhook();
    server.use(http.post(ENDPOINT, () => new HttpResponse(null, { status: 200 })));
    const res = await api("POST", `/v1/admin/companies/${tenant.company.id}/webhook/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ delivered: true, http_status: 200 });
  });

  it("answers 404 for an unknown company", async () => {
    const res = await api("POST", "/v1/admin/companies/co_unknown/webhook/test");
    expect(res.status).toBe(404);
  });

  itRefusesNonAdmins(async () => {
    const tenant = await tenantWithWebhook();
    server.use(http.post(ENDPOINT, () => new HttpResponse(null, { status: 200 })));
    return { method: "POST", path: `/v1/admin/companies/${tenant.company.id}/webhook/test` };
  });
});
