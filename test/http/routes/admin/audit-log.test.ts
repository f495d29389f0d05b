import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEntry, auditJson } from "../../../../src/storage/audit";
import { apiKeys } from "../../../../src/storage/schema";
import { api, db, errorCode, seedKey } from "../../../harness";
import { itRefusesNonAdmins } from "./helpers";

describe("GET /v1/admin/audit-log", () => {
  it("lists admin writes newest first, filtered by entity, with the acting key", async () => {
    const admin = await seedKey("admin", null);
    const created = await api("POST", "/v1/admin/companies", {
      key: admin.key,
      body: { name: "Audited", kind: "partner" },
    });
    await api("PATCH", `/v1/admin/companies/${created.body.id}`, { key: admin.key, body: { status: "paused" } });
    await api("PATCH", `/v1/admin/companies/${created.body.id}`, { body: { status: "active" } });

    const res = await api("GET", `/v1/admin/audit-log?entity_type=company&entity_id=${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ["company.updated", "admin-token"],
      ["company.updated", admin.id],
      ["company.created", admin.id],
    ]);
    const [latest, middle, first] = res.body.entries;
    expect(first.before).toBeNull();
    expect(first.after).toMatchObject({ id: created.body.id, name: "Audited", status: "active" });
    expect(middle.before).toMatchObject({ status: "active" });
    expect(middle.after).toMatchObject({ status: "paused" });
    expect(latest.entity_type).toBe("company");
    expect(latest.at).toMatch(/Z$/);

    const byActor = await api("GET", `/v1/admin/audit-log?actor=${admin.id}`);
    expect(byActor.body.entries).toHaveLength(2);
  });

  it("pages with a cursor without gaps or repeats", async () => {
    for (let i = 0; i < 7; i++) {
      await api("POST", "/v1/admin/companies", { body: { name: `Paged ${i}`, kind: "partner" } });
    }
    const all = await api("GET", "/v1/admin/audit-log?entity_type=company&limit=200");
    const expected = all.body.entries.map((e: { id: number }) => e.id);
    expect(expected.length).toBeGreaterThanOrEqual(7);

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/admin/audit-log?entity_type=company&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await api("GET", query);
      expect(page.status).toBe(200);
      expect(page.body.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.entries.map((e: { id: number }) => e.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 3));
  });

  it("never shows webhook secrets, clear keys or key hashes", async () => {
    const company = await api("POST", "/v1/admin/companies", {
      body: { name: "Secretive", kind: "partner", webhook_url: "https://secretive.example/h" },
    });
    const rotated = await api("POST", `/v1/admin/companies/${company.body.id}/webhook-secret:rotate`);
    const key = await api("POST", `/v1/admin/companies/${company.body.id}/api-keys`, { body: { scope: "crm" } });
    await api("DELETE", `/v1/admin/api-keys/${key.body.id}`);
    const [stored] = await db().select().from(apiKeys).where(eq(apiKeys.id, key.body.id));

    const log = JSON.stringify((await api("GET", "/v1/admin/audit-log?limit=200")).body);
    expect(log).toContain(company.body.id);
    expect(log).toContain(key.body.id);
    for (const secret of [company.body.webhook_secret, rotated.body.webhook_secret, key.body.key, stored.hash]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toContain("whsec_");
  });

  it("refuses malformed cursors and limits and unknown parameters", async () => {
    for (const query of [
      "cursor=abc",
      "cursor=0",
      "cursor=-5",
      "limit=0",
      "limit=201",
      "limit=1.5",
      "entity=company",
    ]) {
      const res = await api("GET", `/v1/admin/audit-log?${query}`);
      expect(res.status, query).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/audit-log" }));
});

describe("auditEntry (for other areas)", () => {
  it("writes an entry on its own and redacts secret-named properties at any depth", async () => {
    await auditEntry(db(), {
      actor: "key_test",
      action: "lead.redelivered",
      entityType: "lead",
      entityId: "ld_test",
      before: { status: "failed" },
      after: { status: "queued", endpoint: { webhook_secret: "whsec_zzz", hash: "abc", has_webhook_secret: true } },
    });
    const res = await api("GET", "/v1/admin/audit-log?entity_type=lead&entity_id=ld_test");
    expect(res.body.entries).toHaveLength(1);
    expect(res.body.entries[0]).toMatchObject({
      actor: "key_test",
      action: "lead.redelivered",
      before: { status: "failed" },
      after: {
        status: "queued",
        endpoint: { webhook_secret: "[redacted]", hash: "[redacted]", has_webhook_secret: true },
      },
    });
  });

  it("serializes null snapshots as null", () => {
    expect(auditJson(null)).toBeNull();
    expect(auditJson(undefined)).toBeNull();
    expect(auditJson({ secret: null })).toBe('{"secret":null}');
  });
});
