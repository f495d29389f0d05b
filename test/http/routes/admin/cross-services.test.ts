import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { runBatch } from "../../../../src/storage/audit";
import { upsertLinkQueries } from "../../../../src/storage/cross-services";
import { auditLog, crossServiceLinks } from "../../../../src/storage/schema";
import { api, db, errorCode, seedCompany, seedLink, seedService } from "../../../harness";
import { itRefusesNonAdmins } from "./helpers";

let mortgage: { id: string; code: string };
let property: { id: string; code: string };
let life: { id: string; code: string };
let card: { id: string; code: string };

beforeAll(async () => {
  const bank = await seedCompany({ name: "Bank" });
  const insurer = await seedCompany({ name: "Insurer" });
  mortgage = await seedService(bank.id, { code: "mortgage", category: "loans" });
  card = await seedService(bank.id, { code: "card", category: "cards" });
  property = await seedService(insurer.id, { code: "property", category: "insurance" });
  life = await seedService(insurer.id, { code: "life", category: "insurance" });
});

async function storedLinks() {
  return db().select().from(crossServiceLinks);
}

describe("PUT /v1/admin/cross-services", () => {
  it("upserts, updates and deletes cells, reporting counts and auditing each change", async () => {
    const first = await api("PUT", "/v1/admin/cross-services", {
      body: {
        links: [
          { from: "mortgage", to: "property", weight: 0.9, note: "Mortgage requires property insurance" },
          { from: "mortgage", to: "life", weight: 0.6 },
          { from: "card", to: "life", weight: 0 },
        ],
      },
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ upserted: 2, deleted: 0, unchanged: 1 });

    const second = await api("PUT", "/v1/admin/cross-services", {
      body: {
        links: [
          { from: "mortgage", to: "property", weight: 0.9 },
          { from: "mortgage", to: "life", weight: 0.4, note: "lower" },
          { from: "property", to: "mortgage", weight: 0.2 },
        ],
      },
    });
    expect(second.body).toEqual({ upserted: 2, deleted: 0, unchanged: 1 });

    const listed = await api("GET", "/v1/admin/cross-services");
    expect(listed.status).toBe(200);
    expect(listed.body.links.map(({ updated_at: _u, ...rest }: { updated_at: string }) => rest)).toEqual([
      { from: "mortgage", to: "life", weight: 0.4, note: "lower" },
      { from: "mortgage", to: "property", weight: 0.9, note: "Mortgage requires property insurance" },
      { from: "property", to: "mortgage", weight: 0.2, note: null },
    ]);

    const third = await api("PUT", "/v1/admin/cross-services", {
      body: {
        links: [
          { from: "mortgage", to: "life", weight: 0 },
          { from: "mortgage", to: "property", weight: 0.9, note: null },
        ],
      },
    });
    expect(third.body).toEqual({ upserted: 1, deleted: 1, unchanged: 0 });
    const cells = await storedLinks();
    expect(cells.find((c) => c.toServiceId === life.id && c.fromServiceId === mortgage.id)).toBeUndefined();
    expect(cells.find((c) => c.toServiceId === property.id && c.fromServiceId === mortgage.id)?.note).toBeNull();

    const audit = await db()
      .select()
      .from(auditLog)
      .where(eq(auditLog.entityId, "mortgage->life"))
      .orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual([
      "cross_service_link.set",
      "cross_service_link.set",
      "cross_service_link.deleted",
    ]);
    expect(JSON.parse(audit[1].before!)).toEqual({ from: "mortgage", to: "life", weight: 0.6, note: null });
    expect(JSON.parse(audit[1].after!)).toEqual({ from: "mortgage", to: "life", weight: 0.4, note: "lower" });
    expect(audit[2].after).toBeNull();
  });

  it("names every unknown code, self-link and duplicate, and writes nothing", async () => {
    const before = await storedLinks();
    const res = await api("PUT", "/v1/admin/cross-services", {
      body: {
        links: [
          { from: "card", to: "property", weight: 0.5 },
          { from: "nope", to: "property", weight: 0.5 },
          { from: "card", to: "card", weight: 0.5 },
          { from: "ghost", to: "phantom", weight: 0.1 },
          { from: "card", to: "property", weight: 0.7 },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { code: "validation_failed", message: "Unknown service code nope", path: ["body", "links", "1", "from"] },
      {
        code: "validation_failed",
        message: "A service cannot be linked to itself",
        path: ["body", "links", "2", "to"],
      },
      { code: "validation_failed", message: "Unknown service code ghost", path: ["body", "links", "3", "from"] },
      { code: "validation_failed", message: "Unknown service code phantom", path: ["body", "links", "3", "to"] },
      {
        code: "validation_failed",
        message: "The cell card -> property is already set by links[0]",
        path: ["body", "links", "4"],
      },
    ]);
    expect(await storedLinks()).toEqual(before);
  });

  it("refuses weights outside 0..1, bad shapes and too many cells", async () => {
    const weights = await api("PUT", "/v1/admin/cross-services", {
      body: {
        links: [
          { from: "card", to: "life", weight: 1.01 },
          { from: "card", to: "life", weight: -0.1 },
          { from: "card", to: "life" },
        ],
      },
    });
    expect(weights.status).toBe(400);
    expect(weights.body.errors.map((e: { path: string[] }) => e.path.join("."))).toEqual([
      "body.links.0.weight",
      "body.links.1.weight",
      "body.links.2.weight",
    ]);
    expect((await api("PUT", "/v1/admin/cross-services", { body: { links: [] } })).status).toBe(400);
    expect(
      (
        await api("PUT", "/v1/admin/cross-services", {
          body: { links: [{ from: "card", to: "life", weight: 0.5, extra: 1 }] },
        })
      ).status,
    ).toBe(400);
    const tooMany = Array.from({ length: 1001 }, () => ({ from: "card", to: "life", weight: 0.5 }));
    const res = await api("PUT", "/v1/admin/cross-services", { body: { links: tooMany } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toEqual(["body", "links"]);
    expect(errorCode(await api("PUT", "/v1/admin/cross-services", { rawBody: "[" }))).toBe("invalid_json");
  });

  it("writes 1000 cells in one atomic request, and refuses the same 1000 with one bad entry", async () => {
    const company = await seedCompany({ name: "Bulk" });
    const bulk: Array<{ code: string }> = [];
    for (let i = 0; i < 33; i++) bulk.push(await seedService(company.id, { code: `bulk-${i}`, category: "bulk" }));
    const links: Array<{ from: string; to: string; weight: number }> = [];
    for (const from of bulk) {
      for (const to of bulk) {
        if (from !== to && links.length < 1000) links.push({ from: from.code, to: to.code, weight: 0.5 });
      }
    }
    const countBulk = async () =>
      (await api("GET", "/v1/admin/cross-services")).body.links.filter((l: { from: string }) =>
        l.from.startsWith("bulk-"),
      ).length;

    const bad = links.map((link, i) => (i === 999 ? { ...link, to: "missing" } : link));
    const refused = await api("PUT", "/v1/admin/cross-services", { body: { links: bad } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { code: "validation_failed", message: "Unknown service code missing", path: ["body", "links", "999", "to"] },
    ]);
    expect(await countBulk()).toBe(0);

    const res = await api("PUT", "/v1/admin/cross-services", { body: { links } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ upserted: 1000, deleted: 0, unchanged: 0 });
    expect(await countBulk()).toBe(1000);

    const removeAll = await api("PUT", "/v1/admin/cross-services", {
      body: { links: links.map((link) => ({ ...link, weight: 0 })) },
    });
    expect(removeAll.body).toEqual({ upserted: 0, deleted: 1000, unchanged: 0 });
    expect(await countBulk()).toBe(0);
  });

  it("rolls back every chunk when a later statement of the batch fails", async () => {
    const before = await storedLinks();
    const now = Date.now();
    await expect(
      runBatch(db(), [
        ...upsertLinkQueries(db(), [
          { fromServiceId: card.id, toServiceId: property.id, weight: 0.3, note: null, updatedAt: now },
        ]),
        ...upsertLinkQueries(db(), [
          { fromServiceId: card.id, toServiceId: "svc_missing", weight: 0.3, note: null, updatedAt: now },
        ]),
        db()
          .insert(auditLog)
          .values({ at: now, actor: null as unknown as string, action: "x", entityType: "x", entityId: "x" }),
      ]),
    ).rejects.toThrow();
    expect(await storedLinks()).toEqual(before);
  });

  itRefusesNonAdmins(() => ({
    method: "PUT",
    path: "/v1/admin/cross-services",
    body: { links: [{ from: "card", to: "mortgage", weight: 0.3 }] },
  }));
});

describe("GET /v1/admin/cross-services", () => {
  it("filters the links from or to one service", async () => {
    const company = await seedCompany({ name: "Filter" });
    const a = await seedService(company.id, { code: "filter-a" });
    const b = await seedService(company.id, { code: "filter-b" });
    const c = await seedService(company.id, { code: "filter-c" });
    await seedLink(a.id, b.id, 0.5);
    await seedLink(c.id, a.id, 0.25);
    await seedLink(b.id, c.id, 0.75);
    const res = await api("GET", "/v1/admin/cross-services?service=filter-a");
    expect(res.status).toBe(200);
    expect(res.body.links.map((l: { from: string; to: string; weight: number }) => [l.from, l.to, l.weight])).toEqual([
      ["filter-a", "filter-b", 0.5],
      ["filter-c", "filter-a", 0.25],
    ]);
    expect(res.body.links[0].updated_at).toMatch(/Z$/);
  });

  it("refuses an unknown service filter and unknown parameters", async () => {
    const res = await api("GET", "/v1/admin/cross-services?service=nope");
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toEqual(["query", "service"]);
    expect((await api("GET", "/v1/admin/cross-services?from=card")).status).toBe(400);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/cross-services" }));
});
