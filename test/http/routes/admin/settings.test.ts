import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { HOUR_MS } from "../../../../src/domain/time";
import { auditLog, settings } from "../../../../src/storage/schema";
import { loadEffectiveSettings } from "../../../../src/storage/settings";
import { api, db, errorCode, seedCompany, seedService } from "../../../harness";
import { itRefusesNonAdmins } from "./helpers";

let bank: { id: string };
let insurer: { id: string };
let otherInsurer: { id: string };
let mortgage: { id: string; code: string };
let card: { id: string; code: string };
let property: { id: string; code: string };

beforeAll(async () => {
  bank = await seedCompany({ name: "Bank", kind: "bank", createdAt: 1000 });
  insurer = await seedCompany({ name: "Insurer", createdAt: 2000 });
  otherInsurer = await seedCompany({ name: "Other insurer", createdAt: 3000 });
  mortgage = await seedService(bank.id, { code: "mortgage", category: "loans" });
  card = await seedService(bank.id, { code: "card", category: "cards" });
  property = await seedService(insurer.id, { code: "property", category: "insurance" });
  await seedService(otherInsurer.id, { code: "property-plus", category: "insurance" });
});

async function putSettings(changes: unknown[]) {
  return api("PUT", "/v1/admin/settings", { body: { changes } });
}

function serviceEffective(body: any, code: string) {
  return body.effective.services.find((s: { code: string }) => s.code === code);
}

describe("GET /v1/admin/settings", () => {
  it("shows definitions and the built-in defaults everywhere before anything is stored", async () => {
    const res = await api("GET", "/v1/admin/settings");
    expect(res.status).toBe(200);
    expect(res.body.definitions.map((d: { key: string }) => d.key)).toEqual([
      "min_rating",
      "max_leads_per_request",
      "exclusivity_window_hours",
      "decline_cooldown_days",
      "routing",
      "audience_min_group",
      "audience_daily_queries",
      "interest_half_life_days",
    ]);
    expect(res.body.stored).toEqual([]);
    expect(res.body.effective.global).toEqual({
      min_rating: { value: 70, source: "default" },
      max_leads_per_request: { value: 3, source: "default" },
      exclusivity_window_hours: { value: 720, source: "default" },
      decline_cooldown_days: { value: 180, source: "default" },
      interest_half_life_days: { value: 14, source: "default" },
    });
    expect(serviceEffective(res.body, "mortgage")).toEqual({
      service_id: mortgage.id,
      code: "mortgage",
      company_id: bank.id,
      min_rating: { value: 70, source: "default" },
      exclusivity_window_hours: { value: 720, source: "default" },
      decline_cooldown_days: { value: 180, source: "default" },
    });
    expect(res.body.effective.categories.find((c: { category: string }) => c.category === "insurance")).toEqual({
      category: "insurance",
      routing: {
        value: { strategy: "priority", order: [insurer.id, otherInsurer.id], weights: null, exploration: null },
        source: "default",
      },
    });
    expect(res.body.invalid_stored).toEqual([]);
  });

  it("refuses unknown query parameters", async () => {
    expect((await api("GET", "/v1/admin/settings?scope=global")).status).toBe(400);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/settings" }));
});

describe("PUT /v1/admin/settings", () => {
  it("stores values at each scope and resolves service > company > global", async () => {
    const res = await putSettings([
      { scope: "global", key: "min_rating", value: 80 },
      { scope: "company", scope_id: bank.id, key: "min_rating", value: 75 },
      { scope: "service", scope_id: mortgage.id, key: "min_rating", value: 78 },
      { scope: "company", scope_id: insurer.id, key: "exclusivity_window_hours", value: 48 },
      { scope: "service", scope_id: card.id, key: "decline_cooldown_days", value: 30 },
      { scope: "company", scope_id: bank.id, key: "max_leads_per_request", value: 5 },
      {
        scope: "category",
        scope_id: "insurance",
        key: "routing",
        value: { strategy: "priority", order: [otherInsurer.id] },
      },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 7, unchanged: 0 });
    const view = res.body.settings;
    expect(serviceEffective(view, "mortgage").min_rating).toEqual({ value: 78, source: "service" });
    expect(serviceEffective(view, "card").min_rating).toEqual({ value: 75, source: "company" });
    expect(serviceEffective(view, "property").min_rating).toEqual({ value: 80, source: "global" });
    expect(serviceEffective(view, "property").exclusivity_window_hours).toEqual({ value: 48, source: "company" });
    expect(serviceEffective(view, "card").decline_cooldown_days).toEqual({ value: 30, source: "service" });
    expect(
      view.effective.companies.find((c: { company_id: string }) => c.company_id === bank.id).max_leads_per_request,
    ).toEqual({
      value: 5,
      source: "company",
    });
    expect(view.effective.categories.find((c: { category: string }) => c.category === "insurance").routing).toEqual({
      value: { strategy: "priority", order: [otherInsurer.id, insurer.id], weights: null, exploration: null },
      source: "category",
    });
    const stored = view.stored.find(
      (s: { scope: string; key: string }) => s.scope === "global" && s.key === "min_rating",
    );
    expect(stored).toMatchObject({ scope_id: null, value: 80, updated_by: "admin-token" });

    const read = await api("GET", "/v1/admin/settings");
    expect(read.body).toEqual(view);

    // The lead flow's resolver sees the same values.
    const effective = await loadEffectiveSettings(db());
    expect(effective.minRating(mortgage.id)).toEqual({ value: 78, source: "service" });
    expect(effective.exclusivityWindowMs(property.id)).toEqual({ value: 48 * HOUR_MS, source: "company" });
    expect(effective.maxLeadsPerRequest(bank.id)).toEqual({ value: 5, source: "company" });
  });

  it("counts unchanged values, deletes overrides with null and audits each change", async () => {
    await putSettings([{ scope: "service", scope_id: property.id, key: "min_rating", value: 90 }]);
    const same = await putSettings([{ scope: "service", scope_id: property.id, key: "min_rating", value: 90 }]);
    expect(same.body).toMatchObject({ applied: 0, unchanged: 1 });

    const deleted = await putSettings([
      { scope: "service", scope_id: property.id, key: "min_rating", value: null },
      { scope: "service", scope_id: card.id, key: "exclusivity_window_hours", value: null },
    ]);
    expect(deleted.body).toMatchObject({ applied: 1, unchanged: 1 });
    expect(serviceEffective(deleted.body.settings, "property").min_rating.source).not.toBe("service");

    const entityId = `service:${property.id}:min_rating`;
    const audit = await db().select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual(["setting.set", "setting.deleted"]);
    expect(audit[0].entityType).toBe("setting");
    expect(JSON.parse(audit[0].after!)).toEqual({
      scope: "service",
      scope_id: property.id,
      setting: "min_rating",
      value: 90,
    });
    expect(JSON.parse(audit[1].before!)).toMatchObject({ value: 90 });
    expect(audit[1].after).toBeNull();
  });

  it("reports every invalid change with its path and writes nothing", async () => {
    const before = await db().select().from(settings);
    const res = await putSettings([
      { scope: "global", key: "decline_cooldown_days", value: 60 },
      { scope: "service", scope_id: mortgage.id, key: "max_leads_per_request", value: 2 },
      { scope: "company", scope_id: "co_missing", key: "min_rating", value: 50 },
      { scope: "category", scope_id: "pets", key: "routing", value: { strategy: "priority" } },
      { scope: "global", key: "min_rating", value: 101 },
      { scope: "global", key: "exclusivity_window_hours", value: null },
      {
        scope: "category",
        scope_id: "loans",
        key: "routing",
        value: { strategy: "weighted", weights: { co_ghost: 2 } },
      },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string[] }) => e.path.join("."))).toEqual([
      "body.changes.1.scope",
      "body.changes.2.scope_id",
      "body.changes.3.scope_id",
      "body.changes.4.value",
      "body.changes.5.value",
      "body.changes.6.value.weights.co_ghost",
    ]);
    expect(res.body.errors.every((e: { code: string }) => e.code === "validation_failed")).toBe(true);
    expect(await db().select().from(settings)).toEqual(before);
  });

  it("refuses bad shapes: unknown keys, scopes and fields, an empty list", async () => {
    const cases = [
      { changes: [{ scope: "global", key: "max_rating", value: 1 }] },
      { changes: [{ scope: "planet", key: "min_rating", value: 1 }] },
      { changes: [{ scope: "global", key: "min_rating", value: 1, comment: "x" }] },
      { changes: [] },
      { change: [] },
    ];
    for (const body of cases) {
      const res = await api("PUT", "/v1/admin/settings", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    const missing = await putSettings([{ scope: "global", key: "min_rating" }]);
    expect(missing.body.errors[0]).toMatchObject({ path: ["body", "changes", "0", "value"] });
  });

  itRefusesNonAdmins(() => ({
    method: "PUT",
    path: "/v1/admin/settings",
    body: { changes: [{ scope: "global", key: "decline_cooldown_days", value: 100 }] },
  }));
});
