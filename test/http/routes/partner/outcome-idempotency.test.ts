/**
 * No duplicate effects on POST /v1/partner/leads/{id}/outcome (issue 11): twenty identical reports
 * fired at once record exactly one deal, one matrix change and one outcome event, with or without
 * an explicit time; an Idempotency-Key replays the first answer.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deals, interactionHistory, leadEvents } from "../../../../src/storage/schema";
import { allShardsDb } from "../../../all-shards";
import { api, errorCode, seedTenant } from "../../../harness";
import { seedLeads } from "../../../usecases/lead-delivery/fixtures";

let tenantCounter = 0;

async function leadOfNewPartner() {
  const tenant = await seedTenant(`Outcome partner ${++tenantCounter}`);
  const [row] = await seedLeads(tenant.company, 1);
  return { partnerKey: tenant.partnerKey, row, path: `/v1/partner/leads/${row.id}/outcome` };
}

async function effects(leadId: string, clientId: string) {
  const dealRows = await allShardsDb().select().from(deals).where(eq(deals.leadId, leadId));
  const history = await allShardsDb()
    .select()
    .from(interactionHistory)
    .where(eq(interactionHistory.clientId, clientId));
  const outcomeEvents = (await allShardsDb().select().from(leadEvents).where(eq(leadEvents.leadId, leadId))).filter(
    (event) => event.type === "outcome",
  );
  return { deals: dealRows.length, history: history.length, outcomeEvents: outcomeEvents.length };
}

describe("POST /v1/partner/leads/{id}/outcome under concurrency", () => {
  it("20 parallel identical reports with occurred_at → exactly 1 deal", async () => {
    const { partnerKey, row, path } = await leadOfNewPartner();
    const body = { outcome: "accepted", amount: 25_000, occurred_at: new Date(Date.now() - 60_000).toISOString() };
    const answers = await Promise.all(Array.from({ length: 20 }, () => api("POST", path, { key: partnerKey, body })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((a) => a.body.changed === true)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body.deal.id)).size).toBe(1);
    expect(await effects(row.id, row.clientId)).toEqual({ deals: 1, history: 1, outcomeEvents: 1 });
  });

  it("20 parallel identical reports without a time → exactly 1 deal", async () => {
    const { partnerKey, row, path } = await leadOfNewPartner();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => api("POST", path, { key: partnerKey, body: { outcome: "declined" } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((a) => a.body.changed === true)).toHaveLength(1);
    expect(await effects(row.id, row.clientId)).toEqual({ deals: 1, history: 1, outcomeEvents: 1 });
  });

  it("a different outcome at the same occurred_at is 409 and changes nothing", async () => {
    const { partnerKey, row, path } = await leadOfNewPartner();
    const at = new Date(Date.now() - 120_000).toISOString();
    expect((await api("POST", path, { key: partnerKey, body: { outcome: "accepted", occurred_at: at } })).status).toBe(
      200,
    );
    const clash = await api("POST", path, { key: partnerKey, body: { outcome: "declined", occurred_at: at } });
    expect(clash.status).toBe(409);
    expect(errorCode(clash)).toBe("conflict");
    expect(await effects(row.id, row.clientId)).toEqual({ deals: 1, history: 1, outcomeEvents: 1 });
  });

  it("accepts Idempotency-Key: the same key and body (any key order) replay; another body is 422", async () => {
    const { partnerKey, row, path } = await leadOfNewPartner();
    const headers = { "idempotency-key": "outcome-1" };
    const first = await api("POST", path, { key: partnerKey, headers, body: { outcome: "accepted", amount: 100 } });
    expect(first.status).toBe(200);
    expect(first.body.changed).toBe(true);
    const replay = await api("POST", path, {
      key: partnerKey,
      headers,
      rawBody: '{ "amount": 100,\n  "outcome": "accepted" }',
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    const other = await api("POST", path, { key: partnerKey, headers, body: { outcome: "declined" } });
    expect(other.status).toBe(422);
    expect(errorCode(other)).toBe("idempotency_mismatch");
    expect(await effects(row.id, row.clientId)).toEqual({ deals: 1, history: 1, outcomeEvents: 1 });
  });

  it("20 parallel reports with one Idempotency-Key → 1 deal; the others replay or are told it is in flight", async () => {
    const { partnerKey, row, path } = await leadOfNewPartner();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api("POST", path, { key: partnerKey, headers: { "idempotency-key": "same" }, body: { outcome: "accepted" } }),
      ),
    );
    for (const answer of answers) expect([200, 409]).toContain(answer.status);
    expect(await effects(row.id, row.clientId)).toEqual({ deals: 1, history: 1, outcomeEvents: 1 });
  });
});
