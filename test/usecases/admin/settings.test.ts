/** The settings use cases called directly: all-or-nothing validation, no-op changes, audit entries. */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { settingEntityId } from "../../../src/domain/settings";
import { auditLog } from "../../../src/storage/schema";
import { changeSettings, getSettings } from "../../../src/usecases/admin/settings";
import { db, seedCompany } from "../../harness";

const ACTOR = "key_usecase_admin";

describe("changeSettings", () => {
  it("refuses the whole batch when one change is invalid, naming it at its body path", async () => {
    const company = await seedCompany();
    const write = changeSettings(env, ACTOR, [
      { scope: "company", scope_id: company.id, key: "min_rating", value: 70 },
      { scope: "company", scope_id: "co_unknown", key: "min_rating", value: 70 },
    ]);
    await expect(write).rejects.toMatchObject({ code: "validation_failed" });
    await expect(write).rejects.toSatisfy((error: { items: Array<{ path?: string[] }> }) =>
      error.items.every((item) => item.path?.[0] === "body" && item.path[1] === "changes" && item.path[2] === "1"),
    );
    const { rows } = await getSettings(env);
    expect(rows.filter((row) => row.scopeId === company.id)).toEqual([]);
  });

  it("applies changes, counts those already in effect and audits only what changed", async () => {
    const company = await seedCompany();
    const change = { scope: "company" as const, scope_id: company.id, key: "min_rating" as const, value: 65 };
    const first = await changeSettings(env, ACTOR, [change]);
    expect(first).toMatchObject({ applied: 1, unchanged: 0 });
    expect(first.settings.rows.find((row) => row.scopeId === company.id)).toMatchObject({ value: "65" });

    const again = await changeSettings(env, ACTOR, [change]);
    expect(again).toMatchObject({ applied: 0, unchanged: 1 });

    const removed = await changeSettings(env, ACTOR, [{ ...change, value: null }]);
    expect(removed).toMatchObject({ applied: 1, unchanged: 0 });
    const entityId = settingEntityId("company", company.id, "min_rating");
    const entries = await db().select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(auditLog.id);
    expect(entries.map((entry) => entry.action)).toEqual(["setting.set", "setting.deleted"]);
    expect(JSON.parse(entries[1].before!)).toMatchObject({ scope: "company", scope_id: company.id, value: 65 });
  });
});
