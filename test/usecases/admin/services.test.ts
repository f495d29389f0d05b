/** The catalog use cases called directly: unknown company, taken code, not found, audited update. */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "../../../src/storage/schema";
import { createService, getService, updateService } from "../../../src/usecases/admin/services";
import { db, seedCompany } from "../../harness";

const ACTOR = "key_usecase_admin";
const newService = (companyId: string, code: string) => ({
  code,
  name: "Mortgage",
  category: "loans",
  companyId,
  description: null,
  active: true,
});

describe("service use cases", () => {
  it("refuses an unknown company as a body error, and a taken code as a conflict", async () => {
    await expect(createService(env, ACTOR, newService("co_unknown", "svc-a"))).rejects.toMatchObject({
      code: "validation_failed",
      items: [{ path: ["body", "company_id"] }],
    });
    const company = await seedCompany();
    const code = `svc-${Math.random().toString(36).slice(2, 7)}`;
    await createService(env, ACTOR, newService(company.id, code));
    await expect(createService(env, ACTOR, newService(company.id, code))).rejects.toMatchObject({
      code: "conflict",
      items: [{ path: ["body", "code"] }],
    });
  });

  it("gives each new service the next model index", async () => {
    const company = await seedCompany();
    const first = await createService(env, ACTOR, newService(company.id, `idx-a-${company.id.slice(3, 9)}`));
    const second = await createService(env, ACTOR, newService(company.id, `idx-b-${company.id.slice(3, 9)}`));
    expect(second.modelIndex).toBe(first.modelIndex + 1);
    expect(await getService(env, first.code)).toEqual(first);
  });

  it("is not_found for an unknown code, and audits an update of the fields given", async () => {
    await expect(getService(env, "nope")).rejects.toMatchObject({ code: "not_found" });
    await expect(updateService(env, ACTOR, "nope", { active: false })).rejects.toMatchObject({ code: "not_found" });

    const company = await seedCompany();
    const service = await createService(env, ACTOR, newService(company.id, `upd-${company.id.slice(3, 9)}`));
    const updated = await updateService(env, ACTOR, service.code, { active: false });
    expect(updated).toMatchObject({ active: false, name: service.name, category: service.category });
    const entries = await db().select().from(auditLog).where(eq(auditLog.entityId, service.id)).orderBy(auditLog.id);
    expect(entries.map((entry) => entry.action)).toEqual(["service.created", "service.updated"]);
    expect(JSON.parse(entries[1].before!)).toMatchObject({ active: true });
    expect(JSON.parse(entries[1].after!)).toMatchObject({ active: false });
  });
});
