/**
 * The cross-service matrix use cases called directly: all-or-nothing validation with every
 * problem at its body path, and the counts and audit entries of an applied write.
 */
import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../../src/storage/schema";
import { listCrossServiceLinks, putCrossServiceLinks } from "../../../src/usecases/admin/cross-services";
import { db, seedCompany, seedService } from "../../harness";

const ACTOR = "key_usecase_admin";
const suffix = Math.random().toString(36).slice(2, 7);
const code = (name: string) => `${name}-${suffix}`;

beforeAll(async () => {
  const company = await seedCompany();
  for (const name of ["mortgage", "insurance", "deposit"]) await seedService(company.id, { code: code(name) });
});

async function storedLinksFrom(name: string) {
  return (await listCrossServiceLinks(env, { serviceCode: code(name) })).filter((link) => link.from === code(name));
}

describe("putCrossServiceLinks", () => {
  it("reports every problem at its body path and writes nothing", async () => {
    const write = putCrossServiceLinks(env, ACTOR, [
      { from: code("mortgage"), to: "nope", weight: 0.5 },
      { from: code("deposit"), to: code("deposit"), weight: 0.5 },
      { from: code("mortgage"), to: code("insurance"), weight: 0.4 },
      { from: code("mortgage"), to: code("insurance"), weight: 0.6 },
    ]);
    await expect(write).rejects.toMatchObject({
      code: "validation_failed",
      items: [
        { message: "Unknown service code nope", path: ["body", "links", "0", "to"] },
        { message: "A service cannot be linked to itself", path: ["body", "links", "1", "to"] },
        { path: ["body", "links", "3"] },
      ],
    });
    expect(await storedLinksFrom("mortgage")).toEqual([]);
  });

  it("counts upserted, deleted and unchanged cells and audits each change", async () => {
    const first = await putCrossServiceLinks(env, ACTOR, [
      { from: code("mortgage"), to: code("insurance"), weight: 0.8, note: "collateral" },
      { from: code("mortgage"), to: code("deposit"), weight: 0 },
    ]);
    expect(first).toEqual({ upserted: 1, deleted: 0, unchanged: 1 });

    const second = await putCrossServiceLinks(env, ACTOR, [
      { from: code("mortgage"), to: code("insurance"), weight: 0.8 },
      { from: code("insurance"), to: code("mortgage"), weight: 0.3 },
    ]);
    expect(second).toEqual({ upserted: 1, deleted: 0, unchanged: 1 });
    expect(await storedLinksFrom("mortgage")).toMatchObject([
      { to: code("insurance"), weight: 0.8, note: "collateral" },
    ]);

    const third = await putCrossServiceLinks(env, ACTOR, [
      { from: code("mortgage"), to: code("insurance"), weight: 0 },
    ]);
    expect(third).toEqual({ upserted: 0, deleted: 1, unchanged: 0 });
    expect(await storedLinksFrom("mortgage")).toEqual([]);

    const entries = await db()
      .select()
      .from(auditLog)
      .where(like(auditLog.entityId, `%-${suffix}->%`))
      .orderBy(auditLog.id);
    expect(entries.map((entry) => [entry.action, entry.entityId])).toEqual([
      ["cross_service_link.set", `${code("mortgage")}->${code("insurance")}`],
      ["cross_service_link.set", `${code("insurance")}->${code("mortgage")}`],
      ["cross_service_link.deleted", `${code("mortgage")}->${code("insurance")}`],
    ]);
    expect(await storedLinksFrom("insurance")).toMatchObject([{ to: code("mortgage"), weight: 0.3, note: null }]);
  });
});

describe("listCrossServiceLinks", () => {
  it("refuses an unknown service code at its query path", async () => {
    await expect(listCrossServiceLinks(env, { serviceCode: "nope" })).rejects.toMatchObject({
      code: "validation_failed",
      items: [{ path: ["query", "service"] }],
    });
  });
});
