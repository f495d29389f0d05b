import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { deals, leadEvents, leads } from "../../../../src/storage/schema";
import { allShardsD1, allShardsDb } from "../../../all-shards";
import { api, errorCode, seedKey, seedService, seedTenant } from "../../../harness";
import { cell, dealTableCounts, postDeal, putClient, seedLead } from "../analytics/fixtures";

type Tenant = Awaited<ReturnType<typeof seedTenant>>;
let bank: Tenant;
let partner: Tenant;
let card: { id: string; code: string };
let loan: { id: string; code: string };
let fitness: { id: string; code: string };

beforeAll(async () => {
  bank = await seedTenant("Bank");
  partner = await seedTenant("Fitness partner");
  card = await seedService(bank.company.id, { code: "deal-card", category: "cards" });
  loan = await seedService(bank.company.id, { code: "deal-loan", category: "loans" });
  fitness = await seedService(partner.company.id, { code: "deal-fitness", category: "fitness" });
});

let clientCounter = 0;
async function newBankClient(services: Record<string, 1 | -1> = {}) {
  const externalId = `deal-client-${++clientCounter}`;
  const clientId = await putClient(bank.crmKey, externalId, services);
  return { externalId, clientId };
}

const HOUR = 3_600_000;

describe("POST /v1/deals: recording", () => {
  it("records an accepted deal: matrix cell 1, history with the previous value, no commission without a lead", async () => {
    const { externalId, clientId } = await newBankClient({ [loan.code]: -1 });
    const res = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "accepted",
      amount: 5000,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      recorded: true,
      current: true,
      lead: null,
      deal: {
        service: card.code,
        company_id: bank.company.id,
        lead_id: null,
        outcome: "accepted",
        amount: 5000,
        commission: 0,
        reported_by: "crm",
      },
    });
    expect(res.body.deal.id).toMatch(/^dl_/);
    expect(await cell(clientId, card.id)).toMatchObject({ value: 1, source: "deal" });
    // The CRM id itself is never echoed (the answer is stored for idempotent replays).
    expect(JSON.stringify(res.body)).not.toContain(externalId);
    const history = await allShardsD1
      .prepare("SELECT value, previous_value FROM interaction_history WHERE client_id = ?1 AND service_id = ?2")
      .bind(clientId, card.id)
      .all<{ value: number; previous_value: number }>();
    expect(history.results).toEqual([{ value: 1, previous_value: 0 }]);

    const declined = await postDeal(bank.crmKey, { external_id: externalId, service: loan.code, outcome: "declined" });
    expect(declined.status).toBe(201);
    expect(await cell(clientId, loan.id)).toMatchObject({ value: -1 });
  });

  it("answers a lead: the lead's status, an outcome event and the commission at the company's rate", async () => {
    const { externalId, clientId } = await newBankClient();
    const leadId = await seedLead({
      clientId,
      serviceId: card.id,
      sourceCompanyId: bank.company.id,
      targetCompanyId: bank.company.id,
      status: "delivered",
    });
    const res = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "accepted",
      amount: 12345.67,
      lead_id: leadId,
    });
    expect(res.status).toBe(201);
    // 12,345.67 RUB × 10 % = 1,234.567 → 1,234.57 (half up on kopecks).
    expect(res.body.deal.commission).toBe(1234.57);
    expect(res.body.lead).toEqual({ id: leadId, status: "accepted" });
    const [lead] = await allShardsDb().select().from(leads).where(eq(leads.id, leadId));
    expect(lead.status).toBe("accepted");
    expect(lead.acknowledgedAt).not.toBeNull();
    const events = await allShardsDb().select().from(leadEvents).where(eq(leadEvents.leadId, leadId));
    expect(events.map((event) => event.type)).toContain("outcome");
  });

  it("the latest outcome wins by occurred_at: an older report arriving later is kept but changes nothing", async () => {
    const { externalId, clientId } = await newBankClient();
    const leadId = await seedLead({
      clientId,
      serviceId: card.id,
      sourceCompanyId: bank.company.id,
      targetCompanyId: bank.company.id,
      createdAt: Date.now() - 10 * HOUR,
    });
    const newer = new Date(Date.now() - 2 * HOUR).toISOString();
    const older = new Date(Date.now() - 5 * HOUR).toISOString();
    const first = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "accepted",
      lead_id: leadId,
      occurred_at: newer,
    });
    expect(first.status).toBe(201);
    const late = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "declined",
      lead_id: leadId,
      occurred_at: older,
    });
    expect(late.status).toBe(201);
    expect(late.body).toMatchObject({ recorded: true, current: false, lead: { id: leadId, status: "accepted" } });
    expect(await cell(clientId, card.id)).toMatchObject({ value: 1, at: Date.parse(newer) });
    const [lead] = await allShardsDb().select().from(leads).where(eq(leads.id, leadId));
    expect(lead.status).toBe("accepted");
    expect(lead.outcomeAt).toBe(Date.parse(newer));
    const rows = await allShardsDb().select().from(deals).where(eq(deals.leadId, leadId));
    expect(rows.map((row) => row.outcome).sort()).toEqual(["accepted", "declined"]);
    // Only the write that changed the matrix is in its history.
    const history = await allShardsD1
      .prepare("SELECT COUNT(*) AS n FROM interaction_history WHERE client_id = ?1")
      .bind(clientId)
      .first<{ n: number }>();
    expect(history!.n).toBe(1);

    // A newer report does win.
    const latest = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "declined",
      lead_id: leadId,
      occurred_at: new Date(Date.now() - HOUR).toISOString(),
    });
    expect(latest.body).toMatchObject({ current: true, lead: { status: "declined" } });
    expect(await cell(clientId, card.id)).toMatchObject({ value: -1 });
  });

  it("equal occurred_at: the later report wins", async () => {
    const { externalId, clientId } = await newBankClient();
    const at = new Date(Date.now() - HOUR).toISOString();
    await postDeal(bank.crmKey, { external_id: externalId, service: card.code, outcome: "accepted", occurred_at: at });
    const second = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "declined",
      occurred_at: at,
    });
    expect(second.body.current).toBe(true);
    expect(await cell(clientId, card.id)).toMatchObject({ value: -1 });
  });

  it("an outcome older than what the CRM reported through client intake does not overwrite it", async () => {
    const { externalId, clientId } = await newBankClient({ [card.code]: 1 });
    const res = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "declined",
      occurred_at: new Date(Date.now() - 24 * HOUR).toISOString(),
    });
    expect(res.status).toBe(201);
    expect(res.body.current).toBe(false);
    expect(await cell(clientId, card.id)).toMatchObject({ value: 1, source: "crm" });
  });

  it("an identical report (same outcome, amount and occurred_at) records nothing and answers 200", async () => {
    const { externalId } = await newBankClient();
    const body = {
      external_id: externalId,
      service: card.code,
      outcome: "accepted",
      amount: 100,
      occurred_at: new Date(Date.now() - HOUR).toISOString(),
    };
    const first = await postDeal(bank.crmKey, body);
    const before = await dealTableCounts();
    const again = await postDeal(bank.crmKey, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ recorded: false, current: true, deal: { id: first.body.deal.id } });
    expect(await dealTableCounts()).toEqual(before);
    // Another amount is another deal.
    expect((await postDeal(bank.crmKey, { ...body, amount: 200 })).status).toBe(201);
  });

  it("moves the client's updated_at forward so concurrent client writes see the deal", async () => {
    const { externalId, clientId } = await newBankClient();
    const before = await allShardsD1
      .prepare("SELECT updated_at FROM clients WHERE id = ?1")
      .bind(clientId)
      .first<{ updated_at: number }>();
    await postDeal(bank.crmKey, { external_id: externalId, service: card.code, outcome: "accepted" });
    const after = await allShardsD1
      .prepare("SELECT updated_at FROM clients WHERE id = ?1")
      .bind(clientId)
      .first<{ updated_at: number }>();
    expect(after!.updated_at).toBeGreaterThan(before!.updated_at);
  });
});

describe("POST /v1/deals: Idempotency-Key", () => {
  it("replays the first answer for the same key and body, refuses the key with another body", async () => {
    const { externalId } = await newBankClient();
    const body = { external_id: externalId, service: card.code, outcome: "accepted", amount: 10 };
    const first = await postDeal(bank.crmKey, body, "idem-1");
    expect(first.status).toBe(201);
    const before = await dealTableCounts();
    const replay = await postDeal(bank.crmKey, body, "idem-1");
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotency-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect(await dealTableCounts()).toEqual(before);

    const mismatch = await postDeal(bank.crmKey, { ...body, amount: 11 }, "idem-1");
    expect(mismatch.status).toBe(422);
    expect(errorCode(mismatch)).toBe("idempotency_mismatch");
    expect(await dealTableCounts()).toEqual(before);
  });

  it("is required, and a refused report frees its key for the corrected retry", async () => {
    const { externalId } = await newBankClient();
    const missing = await postDeal(
      bank.crmKey,
      { external_id: externalId, service: card.code, outcome: "accepted" },
      null,
    );
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ code: "validation_failed", path: ["headers", "idempotency-key"] });

    const wrongService = await postDeal(
      bank.crmKey,
      { external_id: externalId, service: fitness.code, outcome: "accepted" },
      "idem-retry",
    );
    expect(wrongService.status).toBe(422);
    // Same key, corrected body: the refused attempt committed nothing, not even its key.
    const corrected = await postDeal(
      bank.crmKey,
      { external_id: externalId, service: card.code, outcome: "accepted" },
      "idem-retry",
    );
    expect(corrected.status).toBe(201);
  });
});

describe("POST /v1/deals: validation", () => {
  it("refuses malformed bodies with the path of every problem and writes nothing", async () => {
    const { externalId } = await newBankClient();
    const before = await dealTableCounts();
    const cases: Array<[unknown, string[]]> = [
      [{ external_id: externalId, service: card.code }, ["body", "outcome"]],
      [{ external_id: externalId, service: card.code, outcome: "maybe" }, ["body", "outcome"]],
      [{ external_id: externalId, service: card.code, outcome: "accepted", amount: 10.001 }, ["body", "amount"]],
      [
        { external_id: externalId, service: card.code, outcome: "accepted", occurred_at: "yesterday" },
        ["body", "occurred_at"],
      ],
      [{ external_id: externalId, service: card.code, outcome: "accepted", colour: "red" }, ["body", "colour"]],
      [{ service: card.code, outcome: "accepted" }, ["body", "external_id"]],
    ];
    for (const [body, path] of cases) {
      const res = await postDeal(bank.crmKey, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { path: string[] }) => e.path)).toContainEqual(path);
    }
    for (const amount of [-1, 1_000_000_000]) {
      const res = await postDeal(bank.crmKey, {
        external_id: externalId,
        service: card.code,
        outcome: "accepted",
        amount,
      });
      expect(res.status, String(amount)).toBe(422);
      expect(res.body.errors.map((e: { path: string[] }) => e.path)).toEqual([["body", "amount"]]);
    }
    const future = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "accepted",
      occurred_at: new Date(Date.now() + 24 * HOUR).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].path).toEqual(["body", "occurred_at"]);
    const unknownService = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: "no-such",
      outcome: "accepted",
    });
    expect(unknownService.status).toBe(400);
    expect(unknownService.body.errors[0].path).toEqual(["body", "service"]);
    const notJson = await api("POST", "/v1/deals", {
      key: bank.crmKey,
      rawBody: "{not json",
      headers: { "idempotency-key": "bad-json" },
    });
    expect(notJson.status).toBe(400);
    expect(errorCode(notJson)).toBe("invalid_json");
    expect(await dealTableCounts()).toEqual(before);
  });

  it("refuses personal data with 422 naming the fields, storing nothing", async () => {
    const { externalId } = await newBankClient();
    const before = await dealTableCounts();
    const res = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "accepted",
      phone: "+7 916 123-45-67",
    });
    expect(res.status).toBe(422);
    expect(errorCode(res)).toBe("personal_data");
    expect(res.body.errors[0].path).toEqual(["body", "phone"]);
    const email = await postDeal(bank.crmKey, {
      external_id: "ivan.petrov@mail.ru",
      service: card.code,
      outcome: "accepted",
    });
    expect(email.status).toBe(422);
    expect(email.body.errors[0].path).toEqual(["body", "external_id"]);
    expect(JSON.stringify(email.body)).not.toContain("ivan.petrov");
    expect(await dealTableCounts()).toEqual(before);
  });
});

describe("POST /v1/deals: security", () => {
  it("401 without a key, with an unknown key and with a revoked key", async () => {
    const { externalId } = await newBankClient();
    const body = { external_id: externalId, service: card.code, outcome: "accepted" };
    expect((await postDeal(null, body)).status).toBe(401);
    expect((await postDeal("cb_crm_neverissued000000000000000000", body)).status).toBe(401);
    const key = await seedKey("crm", bank.company.id);
    expect((await postDeal(key.key, body)).status).toBe(201);
    expect((await api("DELETE", `/v1/admin/api-keys/${key.id}`)).status).toBe(200);
    const revoked = await postDeal(key.key, body);
    expect(revoked.status).toBe(401);
    expect(errorCode(revoked)).toBe("unauthorized");
  });

  it("403 for admin and partner keys", async () => {
    const { externalId } = await newBankClient();
    const body = { external_id: externalId, service: card.code, outcome: "accepted" };
    for (const key of [undefined, bank.partnerKey]) {
      const res = await api("POST", "/v1/deals", { key, body, headers: { "idempotency-key": "forbidden" } });
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
    }
  });

  it("another company's client and lead are 404 (no existence leak); another company's service is 422", async () => {
    const { externalId, clientId } = await newBankClient();
    // The partner's CRM does not know the bank's client under that id: its pseudonym differs.
    await putClient(partner.crmKey, "partner-own-client");
    const foreignClient = await postDeal(partner.crmKey, {
      external_id: externalId,
      service: fitness.code,
      outcome: "accepted",
    });
    expect(foreignClient.status).toBe(404);
    expect(foreignClient.body.errors[0].path).toEqual(["body", "external_id"]);

    const bankLead = await seedLead({
      clientId,
      serviceId: fitness.id,
      sourceCompanyId: bank.company.id,
      targetCompanyId: partner.company.id,
    });
    const foreignLead = await postDeal(partner.crmKey, {
      external_id: "partner-own-client",
      service: fitness.code,
      outcome: "accepted",
      lead_id: bankLead,
    });
    const unknownLead = await postDeal(partner.crmKey, {
      external_id: "partner-own-client",
      service: fitness.code,
      outcome: "accepted",
      lead_id: "ld_doesnotexist0000000000",
    });
    for (const res of [foreignLead, unknownLead]) {
      expect(res.status).toBe(404);
      expect(res.body.errors[0]).toMatchObject({ code: "not_found", path: ["body", "lead_id"] });
    }
    expect(foreignLead.body.errors[0].message.replace(bankLead, "ID")).toBe(
      unknownLead.body.errors[0].message.replace("ld_doesnotexist0000000000", "ID"),
    );

    // The bank's CRM reports the bank's own sales; the partner reports its lead through its inbox.
    const otherService = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: fitness.code,
      outcome: "accepted",
      lead_id: bankLead,
    });
    expect(otherService.status).toBe(422);
    expect(otherService.body.errors[0]).toMatchObject({ code: "unprocessable", path: ["body", "service"] });

    const mismatchedLead = await postDeal(bank.crmKey, {
      external_id: externalId,
      service: card.code,
      outcome: "accepted",
      lead_id: bankLead,
    });
    expect(mismatchedLead.status).toBe(422);
    expect(mismatchedLead.body.errors[0].path).toEqual(["body", "lead_id"]);
    const [lead] = await allShardsDb().select().from(leads).where(eq(leads.id, bankLead));
    expect(lead.status).toBe("queued");
  });
});
