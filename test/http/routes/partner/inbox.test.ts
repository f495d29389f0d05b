import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { receiverPseudonym } from "../../../../src/lib/crypto";
import { apiKeys, deals, interactionHistory, interactions } from "../../../../src/storage/schema";
import { allShardsDb } from "../../../all-shards";
import { api, db, errorCode, seedKey, seedTenant } from "../../../harness";
import { events, lead, seedLeads, seedReceiver } from "../../../usecases/lead-delivery/fixtures";

let tenantCounter = 0;

async function tenantWithLeads(count: number) {
  const tenant = await seedTenant(`Partner ${++tenantCounter}`);
  const rows = await seedLeads(tenant.company, count);
  return { ...tenant, rows };
}

async function listAll(key: string, query = "", limit = 100) {
  const ids: string[] = [];
  let cursor = "";
  for (let page = 0; page < 100; page++) {
    const res = await api("GET", `/v1/partner/leads?limit=${limit}&cursor=${cursor}${query}`, { key });
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((item: { id: string }) => item.id));
    cursor = res.body.next_cursor;
    if (!res.body.has_more) break;
  }
  return { ids, cursor };
}

describe("GET /v1/partner/leads", () => {
  it("lists the company's leads oldest first with a cursor that always continues", async () => {
    const { partnerKey, rows } = await tenantWithLeads(5);
    const first = await api("GET", "/v1/partner/leads?limit=2", { key: partnerKey });
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual([rows[0].id, rows[1].id]);
    expect(first.body.has_more).toBe(true);

    const second = await api("GET", `/v1/partner/leads?limit=2&cursor=${first.body.next_cursor}`, { key: partnerKey });
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([rows[2].id, rows[3].id]);

    const third = await api("GET", `/v1/partner/leads?limit=2&cursor=${second.body.next_cursor}`, { key: partnerKey });
    expect(third.body.items.map((i: { id: string }) => i.id)).toEqual([rows[4].id]);
    expect(third.body.has_more).toBe(false);

    // Nothing new: the cursor stays put, and the next lead appears from it.
    const empty = await api("GET", `/v1/partner/leads?cursor=${third.body.next_cursor}`, { key: partnerKey });
    expect(empty.body).toEqual({ items: [], next_cursor: third.body.next_cursor, has_more: false });
  });

  it("returns the packaged lead with the receiver's pseudonym and no client id", async () => {
    const { partnerKey, rows, company } = await tenantWithLeads(1);
    const res = await api("GET", "/v1/partner/leads", { key: partnerKey });
    const [item] = res.body.items;
    expect(item).toMatchObject({
      id: rows[0].id,
      status: "delivered",
      acknowledged_at: null,
      delivery_attempts: 0,
      last_delivery_error: null,
    });
    expect(item.lead.lead_id).toBe(rows[0].id);
    expect(item.lead.target_company.id).toBe(company.id);
    expect(item.lead.client.pseudonym).toBe(await receiverPseudonym(env.PSEUDONYM_KEY, company.id, rows[0].clientId));
    expect(JSON.stringify(item)).not.toContain(rows[0].clientId);
  });

  it("filters by status", async () => {
    const { partnerKey, rows } = await tenantWithLeads(3);
    await api("POST", `/v1/partner/leads/${rows[1].id}/ack`, { key: partnerKey });
    const acked = await api("GET", "/v1/partner/leads?status=acknowledged", { key: partnerKey });
    expect(acked.body.items.map((i: { id: string }) => i.id)).toEqual([rows[1].id]);
    const queued = await listAll(partnerKey, "&status=queued");
    expect(queued.ids).toEqual([rows[0].id, rows[2].id]);
    // Fetched once, they are delivered: no longer queued.
    expect((await listAll(partnerKey, "&status=queued")).ids).toEqual([]);
    expect((await listAll(partnerKey, "&status=delivered")).ids).toEqual([rows[0].id, rows[2].id]);
  });

  it("delivers what it lists: delivered_at, status and one delivered event, later statuses kept", async () => {
    const { partnerKey, rows } = await tenantWithLeads(3);
    await api("POST", `/v1/partner/leads/${rows[1].id}/ack`, { key: partnerKey });
    const before = Date.now();
    const res = await api("GET", "/v1/partner/leads?limit=2", { key: partnerKey });
    expect(res.body.items.map((i: { status: string }) => i.status)).toEqual(["delivered", "acknowledged"]);
    const first = await lead(rows[0].id);
    expect(first.status).toBe("delivered");
    expect(first.deliveredAt).toBeGreaterThanOrEqual(before);
    expect((await lead(rows[1].id)).status).toBe("acknowledged");
    // Not on the page: untouched.
    expect((await lead(rows[2].id)).deliveredAt).toBeNull();

    await api("GET", "/v1/partner/leads?limit=2", { key: partnerKey });
    const delivered = (await events(rows[0].id)).filter((e: { type: string }) => e.type === "delivered");
    expect(delivered).toHaveLength(1);
    expect((await lead(rows[0].id)).deliveredAt).toBe(first.deliveredAt);
  });

  it("never skips or repeats a lead while leads are created during polling", async () => {
    const { partnerKey, company } = await tenantWithLeads(0);
    const created: string[] = [];
    const seen: string[] = [];
    let cursor = "";
    for (let round = 0; round < 8; round++) {
      // Leads are created while a page is being read.
      const [res, rows] = await Promise.all([
        api("GET", `/v1/partner/leads?limit=3&cursor=${cursor}`, { key: partnerKey }),
        seedLeads(company, 2),
      ]);
      created.push(...rows.map((r) => r.id));
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.next_cursor;
    }
    const rest = await listAll(partnerKey, "", 3);
    const all = [...seen, ...(await listAllFrom(partnerKey, cursor))];
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(created));
    expect(rest.ids).toEqual(created);
  });

  it("refuses bad parameters in the error envelope", async () => {
    const { partnerKey } = await tenantWithLeads(0);
    for (const query of [
      "limit=0",
      "limit=101",
      "limit=abc",
      "status=lost",
      "cursor=%%%",
      "cursor=eyJ2IjoyfQ",
      "page=2",
    ]) {
      const res = await api("GET", `/v1/partner/leads?${query}`, { key: partnerKey });
      expect(res.status, query).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    const cursor = await api("GET", "/v1/partner/leads?cursor=nope!", { key: partnerKey });
    expect(cursor.body.errors[0].path).toEqual(["query", "cursor"]);
  });
});

async function listAllFrom(key: string, start: string) {
  const ids: string[] = [];
  let cursor = start;
  for (;;) {
    const res = await api("GET", `/v1/partner/leads?limit=3&cursor=${cursor}`, { key });
    ids.push(...res.body.items.map((i: { id: string }) => i.id));
    cursor = res.body.next_cursor;
    if (!res.body.has_more) return ids;
  }
}

describe("GET /v1/partner/leads/{id}", () => {
  it("returns one lead", async () => {
    const { partnerKey, rows } = await tenantWithLeads(1);
    const res = await api("GET", `/v1/partner/leads/${rows[0].id}`, { key: partnerKey });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(rows[0].id);
    expect(res.body.lead.schema_version).toBe("1");
  });

  it("is 404 for an unknown lead", async () => {
    const { partnerKey } = await tenantWithLeads(0);
    const res = await api("GET", "/v1/partner/leads/ld_00000000000000000000", { key: partnerKey });
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
  });
});

describe("POST /v1/partner/leads/{id}/ack", () => {
  it("acknowledges once and is idempotent", async () => {
    const { partnerKey, rows } = await tenantWithLeads(1);
    const first = await api("POST", `/v1/partner/leads/${rows[0].id}/ack`, { key: partnerKey });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("acknowledged");
    expect(first.body.acknowledged_at).not.toBeNull();
    const second = await api("POST", `/v1/partner/leads/${rows[0].id}/ack`, { key: partnerKey });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await events(rows[0].id)).filter((e) => e.type === "acknowledged")).toHaveLength(1);
  });

  it("keeps an outcome already reported", async () => {
    const { partnerKey, rows } = await tenantWithLeads(1);
    await api("POST", `/v1/partner/leads/${rows[0].id}/outcome`, { key: partnerKey, body: { outcome: "declined" } });
    const res = await api("POST", `/v1/partner/leads/${rows[0].id}/ack`, { key: partnerKey });
    expect(res.body.status).toBe("declined");
  });
});

describe("POST /v1/partner/leads/{id}/outcome", () => {
  it("records an accepted deal with its commission and feeds the interaction matrix", async () => {
    const { partnerKey, rows, company } = await tenantWithLeads(1);
    const row = rows[0];
    const res = await api("POST", `/v1/partner/leads/${row.id}/outcome`, {
      key: partnerKey,
      body: { outcome: "accepted", amount: 150_000, occurred_at: "2026-11-19T10:00:00+03:00" },
    });
    expect(res.status).toBe(200);
    expect(res.body.changed).toBe(true);
    expect(res.body.lead.status).toBe("accepted");
    expect(res.body.lead.outcome_at).toBe("2026-11-19T07:00:00.000Z");
    expect(res.body.deal).toMatchObject({
      outcome: "accepted",
      amount: 150_000,
      occurred_at: "2026-11-19T07:00:00.000Z",
    });

    const [deal] = await allShardsDb().select().from(deals).where(eq(deals.leadId, row.id));
    expect(deal).toMatchObject({
      companyId: company.id,
      clientId: row.clientId,
      serviceId: row.serviceId,
      outcome: "accepted",
      amount: 150_000,
      commission: 15_000,
      reportedBy: "partner",
    });
    const [cell] = await allShardsDb().select().from(interactions).where(eq(interactions.clientId, row.clientId));
    expect(cell).toMatchObject({ serviceId: row.serviceId, value: 1, source: "partner" });
    const history = await allShardsDb()
      .select()
      .from(interactionHistory)
      .where(eq(interactionHistory.clientId, row.clientId));
    expect(history.map((h) => [h.value, h.previousValue, h.source])).toEqual([[1, 0, "partner"]]);
    expect((await events(row.id)).at(-1)?.type).toBe("outcome");
  });

  it("treats a repeated report as a no-op and lets the latest different report win", async () => {
    const { partnerKey, rows } = await tenantWithLeads(1);
    const row = rows[0];
    const first = await api("POST", `/v1/partner/leads/${row.id}/outcome`, {
      key: partnerKey,
      body: { outcome: "accepted", amount: 500 },
    });
    const repeat = await api("POST", `/v1/partner/leads/${row.id}/outcome`, {
      key: partnerKey,
      body: { outcome: "accepted", amount: 500 },
    });
    expect(repeat.status).toBe(200);
    expect(repeat.body.changed).toBe(false);
    expect(repeat.body.deal.id).toBe(first.body.deal.id);
    expect(await allShardsDb().select().from(deals).where(eq(deals.leadId, row.id))).toHaveLength(1);

    const corrected = await api("POST", `/v1/partner/leads/${row.id}/outcome`, {
      key: partnerKey,
      body: { outcome: "declined" },
    });
    expect(corrected.body.changed).toBe(true);
    expect(corrected.body.lead.status).toBe("declined");
    expect(await allShardsDb().select().from(deals).where(eq(deals.leadId, row.id))).toHaveLength(2);
    const [cell] = await allShardsDb().select().from(interactions).where(eq(interactions.clientId, row.clientId));
    expect(cell.value).toBe(-1);
    const history = await allShardsDb()
      .select()
      .from(interactionHistory)
      .where(eq(interactionHistory.clientId, row.clientId));
    expect(history.map((h) => [h.value, h.previousValue])).toEqual([
      [1, 0],
      [-1, 1],
    ]);
    const declinedDeal = (await allShardsDb().select().from(deals).where(eq(deals.leadId, row.id))).find(
      (d) => d.outcome === "declined",
    );
    expect(declinedDeal?.commission).toBeNull();
  });

  it("refuses invalid reports and changes nothing", async () => {
    const { partnerKey, rows } = await tenantWithLeads(1);
    const path = `/v1/partner/leads/${rows[0].id}/outcome`;
    const bad: Array<[unknown, string[]]> = [
      [{ outcome: "maybe" }, ["body", "outcome"]],
      [{ outcome: "accepted", occurred_at: "yesterday" }, ["body", "occurred_at"]],
      [{ outcome: "accepted", occurred_at: new Date(Date.now() + 3600_000).toISOString() }, ["body", "occurred_at"]],
      [{}, ["body", "outcome"]],
    ];
    for (const [body, path0] of bad) {
      const res = await api("POST", path, { key: partnerKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
      expect(res.body.errors[0].path.slice(0, path0.length)).toEqual(path0);
    }
    // The personal-data guard runs here too (issue 11): a client's name is refused as such.
    const named = await api("POST", path, { key: partnerKey, body: { outcome: "accepted", client_name: "Ivan" } });
    expect(named.status).toBe(422);
    expect(errorCode(named)).toBe("personal_data");
    expect(named.body.errors.map((e: { path: string[] }) => e.path)).toEqual([["body", "client_name"]]);
    // Amounts outside the documented range (a phone number typed as the amount) are 422.
    for (const amount of [-1, 1_000_000_000, 89123456789]) {
      const res = await api("POST", path, { key: partnerKey, body: { outcome: "accepted", amount } });
      expect(res.status, String(amount)).toBe(422);
      expect(res.body.errors.map((e: { path: string[] }) => e.path)).toEqual([["body", "amount"]]);
    }
    const notJson = await api("POST", path, { key: partnerKey, rawBody: "{outcome:" });
    expect(notJson.status).toBe(400);
    expect(errorCode(notJson)).toBe("invalid_json");
    expect(await allShardsDb().select().from(deals).where(eq(deals.leadId, rows[0].id))).toHaveLength(0);
    expect((await lead(rows[0].id)).status).toBe("queued");
  });
});

describe("inbox security", () => {
  it("needs a valid, unrevoked partner key bound to a company", async () => {
    const { partnerKey, crmKey, partnerKeyId, rows } = await tenantWithLeads(1);
    const id = rows[0].id;
    const routes: Array<[string, string, unknown?]> = [
      ["GET", "/v1/partner/leads"],
      ["GET", `/v1/partner/leads/${id}`],
      ["POST", `/v1/partner/leads/${id}/ack`],
      ["POST", `/v1/partner/leads/${id}/outcome`, { outcome: "accepted" }],
    ];
    for (const [method, path, body] of routes) {
      expect((await api(method, path, { key: null, body })).status, `${method} ${path} without key`).toBe(401);
      expect((await api(method, path, { key: "cb_partner_notakey000000000000000000000000", body })).status).toBe(401);
      expect((await api(method, path, { key: crmKey, body })).status, `${method} ${path} with crm key`).toBe(403);
      expect(errorCode(await api(method, path, { body }))).toBe("forbidden"); // admin token has no company
    }
    const admin = await seedKey("partner", null);
    expect((await api("GET", "/v1/partner/leads", { key: admin.key })).status).toBe(403);

    await db().update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, partnerKeyId));
    const revoked = await api("GET", "/v1/partner/leads", { key: partnerKey });
    expect(revoked.status).toBe(401);
    expect(errorCode(revoked)).toBe("unauthorized");
  });

  it("never shows, acknowledges or decides another company's lead (404 on every route)", async () => {
    const mine = await tenantWithLeads(1);
    const other = await seedReceiver({ url: null });
    const [theirs] = await seedLeads(other, 1);

    const list = await listAll(mine.partnerKey);
    expect(list.ids).toEqual([mine.rows[0].id]);
    for (const [method, path, body] of [
      ["GET", `/v1/partner/leads/${theirs.id}`],
      ["POST", `/v1/partner/leads/${theirs.id}/ack`],
      ["POST", `/v1/partner/leads/${theirs.id}/outcome`, { outcome: "accepted", amount: 1 }],
    ] as Array<[string, string, unknown?]>) {
      const res = await api(method, path, { key: mine.partnerKey, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.errors[0].message).toBe(`Lead ${theirs.id} not found`);
    }
    const untouched = await lead(theirs.id);
    expect(untouched.status).toBe("queued");
    expect(untouched.acknowledgedAt).toBeNull();
    expect(await allShardsDb().select().from(deals).where(eq(deals.leadId, theirs.id))).toHaveLength(0);
  });
});
