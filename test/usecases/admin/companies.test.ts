/**
 * The company use cases called directly: not-found and conflict paths, a refused webhook URL
 * that writes nothing, and the audit entries that pair with each write (never a secret).
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, companies } from "../../../src/storage/schema";
import { createCompany, getCompany, rotateWebhookSecret, updateCompany } from "../../../src/usecases/admin/companies";
import { db, seedCompany } from "../../harness";

const ACTOR = "key_usecase_admin";

const newCompany = {
  name: "Insurer",
  kind: "partner" as const,
  status: "active" as const,
  dailyLeadCap: null,
  commissionRate: 0.05,
  webhookUrl: null,
};

async function auditOf(entityId: string) {
  return db().select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(auditLog.id);
}

describe("createCompany", () => {
  it("stores the company, generates a secret for a webhook and audits a snapshot without it", async () => {
    const { company, webhookSecret } = await createCompany(env, ACTOR, {
      ...newCompany,
      webhookUrl: "https://hooks.insurer.example/leads",
    });
    expect(webhookSecret).toMatch(/^whsec_/);
    expect(company.webhookSecret).toBe(webhookSecret);
    const [stored] = await db().select().from(companies).where(eq(companies.id, company.id));
    expect(stored).toEqual(company);

    const [entry] = await auditOf(company.id);
    expect(entry).toMatchObject({ actor: ACTOR, action: "company.created", entityType: "company", before: null });
    expect(JSON.parse(entry.after!)).toMatchObject({ id: company.id, has_webhook_secret: true });
    expect(entry.after).not.toContain(webhookSecret!);
  });

  it("refuses a webhook URL the policy forbids at its body path and writes nothing", async () => {
    const before = await db().select({ id: companies.id }).from(companies);
    await expect(
      createCompany(env, ACTOR, { ...newCompany, name: "Refused", webhookUrl: "http://hooks.example/leads" }),
    ).rejects.toMatchObject({ code: "validation_failed", items: [{ path: ["body", "webhook_url"] }] });
    expect(await db().select({ id: companies.id }).from(companies)).toHaveLength(before.length);
  });
});

describe("getCompany", () => {
  it("is not_found for an unknown id", async () => {
    await expect(getCompany(env, "co_unknown")).rejects.toMatchObject({
      code: "not_found",
      message: "Company co_unknown not found",
    });
  });
});

describe("updateCompany", () => {
  it("is not_found for an unknown id", async () => {
    await expect(updateCompany(env, ACTOR, "co_unknown", { status: "paused" })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("changes only the fields given, and null webhook removes the webhook with its secrets", async () => {
    const { company } = await createCompany(env, ACTOR, {
      ...newCompany,
      webhookUrl: "https://hooks.insurer.example/leads",
    });
    const paused = await updateCompany(env, ACTOR, company.id, { status: "paused" });
    expect(paused.webhookSecret).toBeNull();
    expect(paused.company).toMatchObject({
      status: "paused",
      name: company.name,
      webhookSecret: company.webhookSecret,
    });

    const { company: unhooked } = await updateCompany(env, ACTOR, company.id, { webhookUrl: null });
    expect(unhooked).toMatchObject({ webhookUrl: null, webhookSecret: null, webhookSecretPrevious: null });
    expect((await auditOf(company.id)).map((entry) => entry.action)).toEqual([
      "company.created",
      "company.updated",
      "company.updated",
    ]);
  });

  it("generates a secret when a company without one gets a webhook URL", async () => {
    const company = await seedCompany();
    const { company: hooked, webhookSecret } = await updateCompany(env, ACTOR, company.id, {
      webhookUrl: "https://hooks.partner.example/leads",
    });
    expect(webhookSecret).toMatch(/^whsec_/);
    expect(hooked.webhookSecret).toBe(webhookSecret);
  });
});

describe("rotateWebhookSecret", () => {
  it("is not_found for an unknown id and conflict for a company without a webhook", async () => {
    await expect(rotateWebhookSecret(env, ACTOR, "co_unknown")).rejects.toMatchObject({ code: "not_found" });
    const company = await seedCompany();
    await expect(rotateWebhookSecret(env, ACTOR, company.id)).rejects.toMatchObject({
      code: "conflict",
      message: `Company ${company.id} has no webhook; set webhook_url first`,
    });
    expect(await auditOf(company.id)).toEqual([]);
  });

  it("keeps the replaced secret signing for a day", async () => {
    const { company, webhookSecret } = await createCompany(env, ACTOR, {
      ...newCompany,
      webhookUrl: "https://hooks.insurer.example/leads",
    });
    const now = Date.now();
    const rotated = await rotateWebhookSecret(env, ACTOR, company.id, now);
    expect(rotated.webhookSecret).not.toBe(webhookSecret);
    expect(rotated.company).toMatchObject({
      webhookSecret: rotated.webhookSecret,
      webhookSecretPrevious: webhookSecret,
      webhookSecretPreviousExpiresAt: now + 24 * 3_600_000,
    });
  });
});
