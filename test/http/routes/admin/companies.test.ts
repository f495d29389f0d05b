import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEntryIfChanged, runBatch } from "../../../../src/storage/audit";
import { updateCompanyQuery } from "../../../../src/storage/companies";
import { auditLog, companies } from "../../../../src/storage/schema";
import { api, db, errorCode, seedCompany } from "../../../harness";
import { itRefusesNonAdmins } from "./helpers";

const WHSEC = /^whsec_[A-Za-z0-9+/]{43}=$/;

async function companyCount() {
  return (await db().select().from(companies)).length;
}

async function storedCompany(id: string) {
  const [row] = await db().select().from(companies).where(eq(companies.id, id));
  return row;
}

async function auditFor(entityId: string) {
  return db().select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(auditLog.id);
}

function decodedSecretLength(secret: string) {
  return atob(secret.slice("whsec_".length)).length;
}

describe("POST /v1/admin/companies", () => {
  it("creates a company with defaults and audits it", async () => {
    const res = await api("POST", "/v1/admin/companies", { body: { name: "Expobank", kind: "bank" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Expobank",
      kind: "bank",
      status: "active",
      daily_lead_cap: null,
      commission_rate: 0,
      webhook_url: null,
      has_webhook_secret: false,
      webhook_previous_secret_expires_at: null,
      webhook_disabled_at: null,
    });
    expect(res.body.id).toMatch(/^co_/);
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.body).not.toHaveProperty("webhook_secret");

    const audit = await auditFor(res.body.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: "admin-token",
      action: "company.created",
      entityType: "company",
      before: null,
    });
    expect(JSON.parse(audit[0].after!)).toEqual(res.body);
  });

  it("generates a Standard Webhooks secret with a webhook URL and shows it only once", async () => {
    const res = await api("POST", "/v1/admin/companies", {
      body: {
        name: "Insurer",
        kind: "partner",
        status: "paused",
        daily_lead_cap: 50,
        commission_rate: 0.1,
        webhook_url: "https://hooks.insurer.example/leads",
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "paused",
      daily_lead_cap: 50,
      commission_rate: 0.1,
      webhook_url: "https://hooks.insurer.example/leads",
      has_webhook_secret: true,
    });
    expect(res.body.webhook_secret).toMatch(WHSEC);
    expect(decodedSecretLength(res.body.webhook_secret)).toBe(32);
    expect((await storedCompany(res.body.id)).webhookSecret).toBe(res.body.webhook_secret);

    const read = await api("GET", `/v1/admin/companies/${res.body.id}`);
    expect(read.body).not.toHaveProperty("webhook_secret");
    expect(JSON.stringify(read.body)).not.toContain("whsec_");
    const audit = await auditFor(res.body.id);
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  it("refuses invalid fields, naming each, and writes nothing", async () => {
    const before = await companyCount();
    const res = await api("POST", "/v1/admin/companies", {
      body: { name: "", kind: "broker", daily_lead_cap: 0, commission_rate: 1.5, status: "closed", extra: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    const paths = res.body.errors.map((e: { path?: string[] }) => e.path?.join("."));
    expect(paths).toEqual(
      expect.arrayContaining([
        "body.name",
        "body.kind",
        "body.daily_lead_cap",
        "body.commission_rate",
        "body.status",
        "body",
      ]),
    );
    expect(res.body.errors.every((e: { code: string }) => e.code === "validation_failed")).toBe(true);
    expect(res.body.errors.find((e: { path: string[] }) => e.path.join(".") === "body").message).toMatch(/extra/);
    expect(await companyCount()).toBe(before);
  });

  it("refuses a fractional daily_lead_cap and a missing kind", async () => {
    const res = await api("POST", "/v1/admin/companies", { body: { name: "X", daily_lead_cap: 2.5 } });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string[] }) => e.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["body.kind", "body.daily_lead_cap"]));
  });

  it("answers invalid_json for a body that is not JSON", async () => {
    const res = await api("POST", "/v1/admin/companies", { rawBody: "{name:" });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe("invalid_json");
  });

  it.each([
    ["http://hooks.partner.example/leads", /must use https/],
    ["https://10.1.2.3/hooks", /private/],
    ["https://169.254.169.254/latest", /metadata/],
    ["https://0x7f.1/hooks", /loopback/],
    ["https://[::ffff:127.0.0.1]/hooks", /loopback/],
    ["https://metadata.google.internal/", /internal host name/],
    ["http://localhost:8787/hooks", /must use https/],
    ["not a url", /not a valid absolute URL/],
  ])("refuses the webhook URL %s at body.webhook_url", async (url, reason) => {
    const before = await companyCount();
    const res = await api("POST", "/v1/admin/companies", {
      body: { name: "Partner", kind: "partner", webhook_url: url },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { code: "validation_failed", message: expect.stringMatching(reason), path: ["body", "webhook_url"] },
    ]);
    expect(await companyCount()).toBe(before);
  });

  it("refuses credentials in a webhook URL as personal data (an e-mail-shaped user@host), 422 at body.webhook_url", async () => {
    const before = await companyCount();
    const res = await api("POST", "/v1/admin/companies", {
      body: { name: "Partner", kind: "partner", webhook_url: "https://user:pw@hooks.partner.example/" },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { path: string[] }) => e.path)).toEqual([["body", "webhook_url"]]);
    expect(await companyCount()).toBe(before);
  });

  itRefusesNonAdmins(() => ({ method: "POST", path: "/v1/admin/companies", body: { name: "Sec", kind: "partner" } }));
});

describe("GET /v1/admin/companies", () => {
  it("lists every company oldest first without secrets", async () => {
    const first = await seedCompany({
      name: "First",
      createdAt: 1000,
      webhookUrl: "https://a.example/h",
      webhookSecret: "whsec_x",
    });
    const second = await seedCompany({ name: "Second", createdAt: 2000 });
    const res = await api("GET", "/v1/admin/companies");
    expect(res.status).toBe(200);
    const ids = res.body.companies.map((c: { id: string }) => c.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    expect(ids.indexOf(first.id)).toBe(0);
    const listed = res.body.companies.find((c: { id: string }) => c.id === first.id);
    expect(listed.has_webhook_secret).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain("whsec_");
  });

  it("refuses unknown query parameters", async () => {
    const res = await api("GET", "/v1/admin/companies?kind=bank");
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe("validation_failed");
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/companies" }));
});

describe("GET /v1/admin/companies/{id}", () => {
  it("returns one company", async () => {
    const company = await seedCompany({ name: "Gym" });
    const res = await api("GET", `/v1/admin/companies/${company.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: company.id, name: "Gym", kind: "partner", commission_rate: 0.1 });
  });

  it("answers 404 for an unknown id", async () => {
    const res = await api("GET", "/v1/admin/companies/co_doesnotexist");
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
  });

  itRefusesNonAdmins(async () => ({ method: "GET", path: `/v1/admin/companies/${(await seedCompany()).id}` }));
});

describe("PATCH /v1/admin/companies/{id}", () => {
  it("pauses, resumes and changes caps and commission, auditing before and after", async () => {
    const company = await seedCompany({ name: "Fitness" });
    const paused = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { status: "paused", daily_lead_cap: 20, commission_rate: 0.15, name: "Fitness Club" },
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      status: "paused",
      daily_lead_cap: 20,
      commission_rate: 0.15,
      name: "Fitness Club",
    });
    expect(paused.body).not.toHaveProperty("webhook_secret");

    const resumed = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { status: "active", daily_lead_cap: null },
    });
    expect(resumed.body).toMatchObject({ status: "active", daily_lead_cap: null, commission_rate: 0.15 });
    expect(await storedCompany(company.id)).toMatchObject({ status: "active", dailyLeadCap: null });

    const audit = await auditFor(company.id);
    expect(audit.map((a) => a.action)).toEqual(["company.updated", "company.updated"]);
    expect(JSON.parse(audit[0].before!)).toMatchObject({ status: "active", daily_lead_cap: null });
    expect(JSON.parse(audit[0].after!)).toMatchObject({ status: "paused", daily_lead_cap: 20 });
  });

  it("generates a secret when a URL is first set, keeps it for a new URL, and removes all with null", async () => {
    const company = await seedCompany();
    const set = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { webhook_url: "https://one.example/h" },
    });
    expect(set.status).toBe(200);
    expect(set.body.webhook_secret).toMatch(WHSEC);
    const secret = set.body.webhook_secret;

    const moved = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { webhook_url: "https://two.example/h" },
    });
    expect(moved.body.webhook_url).toBe("https://two.example/h");
    expect(moved.body).not.toHaveProperty("webhook_secret");
    expect((await storedCompany(company.id)).webhookSecret).toBe(secret);

    const removed = await api("PATCH", `/v1/admin/companies/${company.id}`, { body: { webhook_url: null } });
    expect(removed.body).toMatchObject({ webhook_url: null, has_webhook_secret: false });
    expect(await storedCompany(company.id)).toMatchObject({
      webhookUrl: null,
      webhookSecret: null,
      webhookSecretPrevious: null,
      webhookSecretPreviousExpiresAt: null,
    });

    const again = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { webhook_url: "https://three.example/h" },
    });
    expect(again.body.webhook_secret).toMatch(WHSEC);
    expect(again.body.webhook_secret).not.toBe(secret);
    expect(JSON.stringify(await auditFor(company.id))).not.toContain("whsec_");
  });

  it("a new URL re-enables a disabled endpoint", async () => {
    const company = await seedCompany({
      webhookUrl: "https://gone.example/h",
      webhookSecret: "whsec_AAAA",
      webhookDisabledAt: Date.now() - 1000,
      webhookDisabledReason: "410 Gone",
    });
    const before = await api("GET", `/v1/admin/companies/${company.id}`);
    expect(before.body.webhook_disabled_reason).toBe("410 Gone");
    expect(before.body.webhook_disabled_at).not.toBeNull();
    const res = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { webhook_url: "https://back.example/h" },
    });
    expect(res.body).toMatchObject({ webhook_disabled_at: null, webhook_disabled_reason: null });
    expect(await storedCompany(company.id)).toMatchObject({ webhookDisabledAt: null, webhookSecret: "whsec_AAAA" });
  });

  it("refuses an empty body, immutable or unknown fields and bad values, changing nothing", async () => {
    const company = await seedCompany({ name: "Stable" });
    const empty = await api("PATCH", `/v1/admin/companies/${company.id}`, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0]).toMatchObject({
      code: "validation_failed",
      message: "Send at least one field to change",
    });

    const bad = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { kind: "bank", commission_rate: -0.1, daily_lead_cap: 0 },
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.errors.map((e: { path: string[] }) => e.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["body", "body.commission_rate", "body.daily_lead_cap"]));

    const url = await api("PATCH", `/v1/admin/companies/${company.id}`, {
      body: { webhook_url: "https://192.168.0.10/h", name: "Changed" },
    });
    expect(url.status).toBe(400);
    expect(url.body.errors[0].path).toEqual(["body", "webhook_url"]);
    expect(await storedCompany(company.id)).toMatchObject({ name: "Stable", webhookUrl: null, webhookSecret: null });
    expect(await auditFor(company.id)).toHaveLength(0);
  });

  it("answers 404 for an unknown company", async () => {
    const res = await api("PATCH", "/v1/admin/companies/co_doesnotexist", { body: { status: "paused" } });
    expect(res.status).toBe(404);
  });

  it("a stale guarded update changes nothing and leaves no audit entry", async () => {
    const company = await seedCompany({ name: "Race" });
    const [rows] = (await runBatch(db(), [
      updateCompanyQuery(db(), company.id, company.updatedAt - 1, { name: "Lost", updatedAt: Date.now() }),
      auditEntryIfChanged(db(), {
        actor: "test",
        action: "company.updated",
        entityType: "company",
        entityId: company.id,
        before: null,
        after: null,
      }),
    ])) as [unknown[], unknown];
    expect(rows).toHaveLength(0);
    expect((await storedCompany(company.id)).name).toBe("Race");
    expect(await auditFor(company.id)).toHaveLength(0);
  });

  itRefusesNonAdmins(async () => ({
    method: "PATCH",
    path: `/v1/admin/companies/${(await seedCompany()).id}`,
    body: { status: "paused" },
  }));
});

describe("POST /v1/admin/companies/{id}/webhook-secret:rotate", () => {
  it("issues a new secret once and keeps the previous one valid for 24 hours", async () => {
    const created = await api("POST", "/v1/admin/companies", {
      body: { name: "Rotating", kind: "partner", webhook_url: "https://rotate.example/h" },
    });
    const oldSecret = created.body.webhook_secret;
    const startedAt = Date.now();
    const res = await api("POST", `/v1/admin/companies/${created.body.id}/webhook-secret:rotate`);
    expect(res.status).toBe(200);
    expect(res.body.webhook_secret).toMatch(WHSEC);
    expect(res.body.webhook_secret).not.toBe(oldSecret);
    const expiresAt = Date.parse(res.body.webhook_previous_secret_expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(startedAt + 24 * 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);

    const stored = await storedCompany(created.body.id);
    expect(stored.webhookSecret).toBe(res.body.webhook_secret);
    expect(stored.webhookSecretPrevious).toBe(oldSecret);
    expect(stored.webhookSecretPreviousExpiresAt).toBe(expiresAt);

    const read = await api("GET", `/v1/admin/companies/${created.body.id}`);
    expect(read.body.webhook_previous_secret_expires_at).toBe(res.body.webhook_previous_secret_expires_at);
    expect(JSON.stringify(read.body)).not.toContain("whsec_");

    const audit = await auditFor(created.body.id);
    expect(audit.map((a) => a.action)).toEqual(["company.created", "company.webhook_secret_rotated"]);
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  it("answers 409 when the company has no webhook and 404 for an unknown company", async () => {
    const company = await seedCompany();
    const none = await api("POST", `/v1/admin/companies/${company.id}/webhook-secret:rotate`);
    expect(none.status).toBe(409);
    expect(errorCode(none)).toBe("conflict");
    const unknown = await api("POST", "/v1/admin/companies/co_doesnotexist/webhook-secret:rotate");
    expect(unknown.status).toBe(404);
  });

  it("is documented at its literal path", async () => {
    const res = await api("GET", "/openapi.json", { key: null });
    expect(res.body.paths["/v1/admin/companies/{id}/webhook-secret:rotate"]?.post).toBeDefined();
  });

  itRefusesNonAdmins(async () => ({
    method: "POST",
    path: `/v1/admin/companies/${(await seedCompany({ webhookUrl: "https://x.example/h", webhookSecret: "whsec_AAAA" })).id}/webhook-secret:rotate`,
  }));
});
