import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "../../../../src/lib/ids";
import { auditLog, services } from "../../../../src/storage/schema";
import { insertServiceQuery, isUniqueViolation } from "../../../../src/storage/services";
import { api, db, errorCode, seedCompany, seedService } from "../../../harness";
import { itRefusesNonAdmins } from "./helpers";

let codeCounter = 0;
const uniqueCode = (base: string) => `${base}-${++codeCounter}`;

async function serviceCount() {
  return (await db().select().from(services)).length;
}

async function maxModelIndex() {
  const rows = await db().select().from(services);
  return rows.reduce((max, row) => Math.max(max, row.modelIndex), -1);
}

describe("POST /v1/admin/services", () => {
  it("creates a service with the next model index and audits it", async () => {
    const company = await seedCompany({ name: "Insurer" });
    const expectedIndex = (await maxModelIndex()) + 1;
    const code = uniqueCode("property-insurance");
    const res = await api("POST", "/v1/admin/services", {
      body: {
        code,
        name: "Property insurance",
        category: "insurance",
        company_id: company.id,
        description: "For homeowners",
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      code,
      name: "Property insurance",
      category: "insurance",
      company_id: company.id,
      description: "For homeowners",
      active: true,
      model_index: expectedIndex,
    });
    expect(res.body.id).toMatch(/^svc_/);

    const second = await api("POST", "/v1/admin/services", {
      body: {
        code: uniqueCode("life_insurance"),
        name: "Life",
        category: "insurance",
        company_id: company.id,
        active: false,
      },
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ model_index: expectedIndex + 1, active: false, description: null });

    const audit = await db().select().from(auditLog).where(eq(auditLog.entityId, res.body.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "service.created", entityType: "service", before: null });
    expect(JSON.parse(audit[0].after!)).toEqual(res.body);
  });

  it("never reuses a model index, even after gaps", async () => {
    const company = await seedCompany();
    await seedService(company.id, { code: uniqueCode("legacy"), modelIndex: 500 });
    const res = await api("POST", "/v1/admin/services", {
      body: { code: uniqueCode("after-gap"), name: "After gap", category: "cards", company_id: company.id },
    });
    expect(res.body.model_index).toBe(501);
  });

  it("answers 409 for a duplicate code and writes nothing", async () => {
    const company = await seedCompany();
    const code = uniqueCode("mortgage");
    await seedService(company.id, { code });
    const before = await serviceCount();
    const res = await api("POST", "/v1/admin/services", {
      body: { code, name: "Mortgage again", category: "loans", company_id: company.id },
    });
    expect(res.status).toBe(409);
    expect(res.body.errors[0]).toMatchObject({ code: "conflict", path: ["body", "code"] });
    expect(await serviceCount()).toBe(before);
  });

  it("recognizes D1's unique violations of code and model index (the race the pre-check cannot see)", async () => {
    const company = await seedCompany();
    const existing = await seedService(company.id, { code: uniqueCode("raced") });
    const row = { id: newId("svc"), name: "x", category: "x", companyId: company.id, createdAt: 1, updatedAt: 1 };
    const sameCode = await insertServiceQuery(db(), { ...row, code: existing.code, modelIndex: 100_000 }).catch(
      (e) => e,
    );
    expect(isUniqueViolation(sameCode, "services.code")).toBe(true);
    expect(isUniqueViolation(sameCode, "services.model_index")).toBe(false);
    const sameIndex = await insertServiceQuery(db(), {
      ...row,
      code: uniqueCode("other"),
      modelIndex: existing.modelIndex,
    }).catch((e) => e);
    expect(isUniqueViolation(sameIndex, "services.model_index")).toBe(true);
  });

  it("refuses an unknown company at body.company_id", async () => {
    const before = await serviceCount();
    const res = await api("POST", "/v1/admin/services", {
      body: { code: uniqueCode("orphan"), name: "Orphan", category: "misc", company_id: "co_doesnotexist" },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { code: "validation_failed", message: "Unknown company co_doesnotexist", path: ["body", "company_id"] },
    ]);
    expect(await serviceCount()).toBe(before);
  });

  it("refuses codes and categories that are not lowercase slugs, and missing fields", async () => {
    const company = await seedCompany();
    for (const code of ["Mortgage", "with space", "-lead", "trail-", "double--dash", "ипотека", "a".repeat(65)]) {
      const res = await api("POST", "/v1/admin/services", {
        body: { code, name: "X", category: "loans", company_id: company.id },
      });
      expect(res.status, code).toBe(400);
      expect(res.body.errors[0].path).toEqual(["body", "code"]);
    }
    const res = await api("POST", "/v1/admin/services", {
      body: { code: uniqueCode("ok"), category: "Loans!", company_id: company.id, model_index: 3 },
    });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string[] }) => e.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["body.name", "body.category", "body"]));
  });

  itRefusesNonAdmins(async () => ({
    method: "POST",
    path: "/v1/admin/services",
    body: { code: uniqueCode("sec"), name: "Sec", category: "misc", company_id: (await seedCompany()).id },
  }));
});

describe("GET /v1/admin/services", () => {
  it("filters by company, category and active, in model-index order", async () => {
    const bank = await seedCompany({ name: "Bank" });
    const gym = await seedCompany({ name: "Gym" });
    const card = await seedService(bank.id, { code: uniqueCode("card"), category: "cards" });
    const loan = await seedService(bank.id, { code: uniqueCode("loan"), category: "loans", active: false });
    const pass = await seedService(gym.id, { code: uniqueCode("pass"), category: "fitness" });

    const byCompany = await api("GET", `/v1/admin/services?company_id=${bank.id}`);
    expect(byCompany.status).toBe(200);
    expect(byCompany.body.services.map((s: { code: string }) => s.code)).toEqual([card.code, loan.code]);

    const active = await api("GET", `/v1/admin/services?company_id=${bank.id}&active=true`);
    expect(active.body.services.map((s: { code: string }) => s.code)).toEqual([card.code]);
    const inactive = await api("GET", `/v1/admin/services?company_id=${bank.id}&active=false`);
    expect(inactive.body.services.map((s: { code: string }) => s.code)).toEqual([loan.code]);

    const fitness = await api("GET", "/v1/admin/services?category=fitness");
    expect(fitness.body.services.map((s: { code: string }) => s.code)).toContain(pass.code);
    expect(fitness.body.services.every((s: { category: string }) => s.category === "fitness")).toBe(true);

    const all = await api("GET", "/v1/admin/services");
    const indexes = all.body.services.map((s: { model_index: number }) => s.model_index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
  });

  it("refuses unknown or malformed filters", async () => {
    expect((await api("GET", "/v1/admin/services?compnay_id=co_x")).status).toBe(400);
    expect((await api("GET", "/v1/admin/services?active=maybe")).status).toBe(400);
    expect((await api("GET", "/v1/admin/services?category=Not%20Slug")).status).toBe(400);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/services" }));
});

describe("GET /v1/admin/services/{code}", () => {
  it("returns the service", async () => {
    const company = await seedCompany();
    const service = await seedService(company.id, { code: uniqueCode("deposit"), category: "deposits" });
    const res = await api("GET", `/v1/admin/services/${service.code}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: service.id,
      code: service.code,
      company_id: company.id,
      model_index: service.modelIndex,
    });
  });

  it("answers 404 for an unknown code", async () => {
    const res = await api("GET", "/v1/admin/services/no-such-service");
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
  });

  itRefusesNonAdmins(async () => ({
    method: "GET",
    path: `/v1/admin/services/${(await seedService((await seedCompany()).id, { code: uniqueCode("g") })).code}`,
  }));
});

describe("PATCH /v1/admin/services/{code}", () => {
  it("changes name, category, description and active, keeping code, owner and model index", async () => {
    const company = await seedCompany();
    const service = await seedService(company.id, { code: uniqueCode("travel"), category: "insurance" });
    const res = await api("PATCH", `/v1/admin/services/${service.code}`, {
      body: { name: "Travel insurance", category: "travel", description: "Abroad", active: false },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      code: service.code,
      company_id: company.id,
      model_index: service.modelIndex,
      name: "Travel insurance",
      category: "travel",
      description: "Abroad",
      active: false,
    });
    const cleared = await api("PATCH", `/v1/admin/services/${service.code}`, { body: { description: null } });
    expect(cleared.body.description).toBeNull();

    const audit = await db().select().from(auditLog).where(eq(auditLog.entityId, service.id)).orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual(["service.updated", "service.updated"]);
    expect(JSON.parse(audit[0].before!)).toMatchObject({ active: true, category: "insurance" });
    expect(JSON.parse(audit[0].after!)).toMatchObject({ active: false, category: "travel" });
  });

  it("refuses changing code or owner, an empty body and bad values, changing nothing", async () => {
    const company = await seedCompany();
    const service = await seedService(company.id, { code: uniqueCode("fixed"), name: "Fixed" });
    for (const body of [
      { code: "renamed" },
      { company_id: company.id },
      { model_index: 9 },
      {},
      { active: "no" },
      { category: "Bad Cat" },
    ]) {
      const res = await api("PATCH", `/v1/admin/services/${service.code}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    const [row] = await db().select().from(services).where(eq(services.id, service.id));
    expect(row).toMatchObject({
      code: service.code,
      name: "Fixed",
      companyId: company.id,
      updatedAt: service.updatedAt,
    });
  });

  it("answers 404 for an unknown code", async () => {
    const res = await api("PATCH", "/v1/admin/services/no-such-service", { body: { active: false } });
    expect(res.status).toBe(404);
  });

  itRefusesNonAdmins(async () => ({
    method: "PATCH",
    path: `/v1/admin/services/${(await seedService((await seedCompany()).id, { code: uniqueCode("p") })).code}`,
    body: { active: false },
  }));
});
