import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { assignArm } from "../../../../src/domain/experiments";
import { forgetServingModels } from "../../../../src/storage/model-store";
import { retrainModel } from "../../../../src/usecases/model/retrain";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, resetDatabase, seedCompany, seedKey, seedLink, seedService } from "../../../harness";
import { drain } from "../../../queues/outbox";
import { newSecret } from "../../../usecases/lead-delivery/fixtures";

const ENDPOINT = "https://insurer.example/hooks/leads";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
beforeEach(async () => {
  await resetDatabase();
  forgetServingModels();
});

async function count(table: string): Promise<number> {
  // Every table counted here is client data: summed over the shards.
  const row = await allShardsD1.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

async function setGlobal(key: string, value: unknown) {
  const res = await api("PUT", "/v1/admin/settings", { body: { changes: [{ scope: "global", key, value }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/**
 * A small market: the bank sells mortgages and deposits; the bank's insurance arm and an insurer
 * both sell property insurance; a gym sells passes. Mortgage holders take property insurance.
 */
async function market() {
  const bank = await seedCompany({ name: "Expobank", kind: "bank", createdAt: 1 });
  const insurer = await seedCompany({
    name: "Insurer",
    createdAt: 2,
    webhookUrl: ENDPOINT,
    webhookSecret: newSecret(),
  });
  const gym = await seedCompany({ name: "Gym", createdAt: 3 });
  const mortgage = await seedService(bank.id, { code: "mortgage", category: "loans-mortgage" });
  await seedService(bank.id, { code: "deposit", category: "deposits" });
  const bankInsurance = await seedService(bank.id, { code: "property-bank", category: "insurance-property" });
  const insurance = await seedService(insurer.id, { code: "property-ins", category: "insurance-property" });
  await seedService(gym.id, { code: "gym-pass", category: "fitness" });
  await seedLink(mortgage.id, insurance.id, 0.9);
  await seedLink(mortgage.id, bankInsurance.id, 0.9);
  const crm = await seedKey("crm", bank.id);
  const insurerPartner = await seedKey("partner", insurer.id);

  for (let i = 0; i < 40; i++) {
    const insured = i % 2 === 0 ? "property-ins" : "property-bank";
    const res = await api("PUT", `/v1/clients/history-m-${i}`, {
      key: crm.key,
      body: { age: 30 + (i % 10), monthly_income: 120_000, region: "msk", services: { mortgage: 1, [insured]: 1 } },
    });
    expect(res.status).toBe(201);
  }
  for (let i = 0; i < 20; i++) {
    await api("PUT", `/v1/clients/history-d-${i}`, {
      key: crm.key,
      body: { age: 60 + (i % 10), monthly_income: 40_000, region: "spb", services: { deposit: 1, "gym-pass": 1 } },
    });
  }
  const trained = await retrainModel(env, { trigger: "admin" });
  expect(trained.status).toBe("trained");
  forgetServingModels();
  await setGlobal("min_rating", 1);
  return {
    bank,
    insurer,
    gym,
    crm: crm.key,
    insurerPartner: insurerPartner.key,
    services: { insurance, bankInsurance },
  };
}

/** Priority routing in insurance-property: the insurer first, then the bank's insurance arm. */
async function preferInsurer(m: { insurer: { id: string }; bank: { id: string } }) {
  const res = await api("PUT", "/v1/admin/settings", {
    body: {
      changes: [
        {
          scope: "category",
          scope_id: "insurance-property",
          key: "routing",
          value: { strategy: "priority", order: [m.insurer.id, m.bank.id] },
        },
      ],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const mortgageClient = (id: string, extra: Record<string, unknown> = {}) => ({
  external_id: id,
  age: 34,
  monthly_income: 130_000,
  region: "msk",
  services: { mortgage: 1 },
  ...extra,
});

describe("POST /v1/leads", () => {
  it("rates the client, routes property insurance to one company, and delivers the signed lead by webhook", async () => {
    const m = await market();
    await preferInsurer(m);
    const received: Array<{ body: string; headers: Record<string, string> }> = [];
    server.use(
      http.post(ENDPOINT, async ({ request }) => {
        received.push({ body: await request.text(), headers: Object.fromEntries(request.headers) });
        return new HttpResponse(null, { status: 204 });
      }),
    );

    const res = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-lead-1") });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // Where the call's time went: the D1 read, the rating, the D1 write and the whole call.
    expect(res.headers.get("server-timing")).toMatch(
      /^db-read;dur=\d+(\.\d)?, score;dur=\d+(\.\d)?, db-write;dur=\d+(\.\d)?, total;dur=\d+(\.\d)?$/,
    );
    expect(res.body.model_version).toEqual(expect.any(String));
    expect(res.body.ratings.map((r: { service: string }) => r.service)).not.toContain("mortgage");
    const insuranceLeads = res.body.leads.filter((l: { category: string }) => l.category === "insurance-property");
    expect(insuranceLeads).toHaveLength(1);
    expect(insuranceLeads[0].target_company.id).toBe(m.insurer.id);
    expect(insuranceLeads[0].status).toBe("queued");
    // Reasons name companies as a sales manager knows them, not by id.
    expect(insuranceLeads[0].routing_reason).toContain("Insurer ranks highest in the admin priority order");
    const loser = res.body.ratings.find((r: { service: string }) => r.service === "property-bank");
    expect(loser.decision).toBe("not_routed");
    for (const rating of res.body.ratings) {
      expect(rating.rating).toBeGreaterThanOrEqual(0);
      expect(rating.rating).toBeLessThanOrEqual(100);
    }

    // Every rated service was recorded as a scored candidate with its decision.
    expect(await count("scored_candidates")).toBe(res.body.ratings.length);

    // The queue hands the lead to the consumer, which POSTs it signed to the insurer. The other
    // leads go to companies without a webhook: never enqueued, they wait in the inbox from the start.
    const drained = await drain("lead-dispatch");
    expect(drained.acked).toEqual([{ v: 1, type: "deliver_lead", leadId: insuranceLeads[0].id }]);
    for (const lead of res.body.leads.filter((l: { id: string }) => l.id !== insuranceLeads[0].id)) {
      const events = await allShardsD1
        .prepare("SELECT type, detail FROM lead_events WHERE lead_id = ? ORDER BY id")
        .bind(lead.id)
        .all();
      expect(events.results.map((event) => event.type)).toEqual(["created", "delivery_attempt"]);
      expect(events.results[1].detail).toBe("skipped: inbox (the company has no webhook URL)");
    }
    expect(received).toHaveLength(1);
    const payload = new Webhook(m.insurer.webhookSecret!).verify(received[0].body, received[0].headers) as Record<
      string,
      any
    >;
    expect(payload.lead_id).toBe(insuranceLeads[0].id);
    expect(payload.service.code).toBe("property-ins");
    expect(payload.client.age_band).toBe("25-34");
    expect(JSON.stringify(payload)).not.toContain("crm-lead-1");

    // The partner sees it in its inbox.
    const inbox = await api("GET", "/v1/partner/leads", { key: m.insurerPartner });
    expect(inbox.body.items.map((l: { lead_id?: string; id?: string }) => l.lead_id ?? l.id)).toContain(
      insuranceLeads[0].id,
    );
  });

  it("dry_run answers the same decisions and writes nothing", async () => {
    const m = await market();
    const before = await Promise.all(["clients", "leads", "scored_candidates", "interactions"].map(count));
    const res = await api("POST", "/v1/leads", { key: m.crm, body: { ...mortgageClient("crm-dry"), dry_run: true } });
    expect(res.status).toBe(200);
    expect(res.body.dry_run).toBe(true);
    expect(res.body.client_ref).toBeNull();
    expect(res.body.leads.length).toBeGreaterThan(0);
    expect(res.body.leads.every((l: { status: string }) => l.status === "would_create")).toBe(true);
    const after = await Promise.all(["clients", "leads", "scored_candidates", "interactions"].map(count));
    expect(after).toEqual(before);
  });

  it("replays an Idempotency-Key, refuses it with another body, and creates nothing twice", async () => {
    const m = await market();
    const headers = { "idempotency-key": "lead-call-42" };
    const first = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-idem"), headers });
    expect(first.status).toBe(201);
    const leadsAfterFirst = await count("leads");
    const again = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-idem"), headers });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await count("leads")).toBe(leadsAfterFirst);
    const other = await api("POST", "/v1/leads", {
      key: m.crm,
      body: mortgageClient("crm-idem", { age: 50 }),
      headers,
    });
    expect(other.status).toBe(422);
    expect(errorCode(other)).toBe("idempotency_mismatch");
    expect(await count("leads")).toBe(leadsAfterFirst);
  });

  it("answers concurrent first requests under one Idempotency-Key once: the loser replays the winner", async () => {
    const m = await market();
    const headers = { "idempotency-key": "lead-call-race" };
    const [clientsBefore, leadsBefore, recordsBefore] = await Promise.all(
      ["clients", "leads", "idempotency_records"].map(count),
    );
    const calls = await Promise.all(
      [1, 2, 3].map(() => api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-race"), headers })),
    );
    expect(calls.map((call) => call.status)).toEqual([201, 201, 201]);
    // One call wrote; the others rolled back whole and answered with its stored answer.
    expect(calls.filter((call) => call.headers.get("idempotent-replayed") === "true")).toHaveLength(2);
    for (const call of calls) expect(call.body).toEqual(calls[0].body);
    expect(await count("leads")).toBe(leadsBefore + calls[0].body.leads.length);
    expect(await count("clients")).toBe(clientsBefore + 1);
    expect(await count("idempotency_records")).toBe(recordsBefore + 1);
  });

  it("stores nothing under a key whose call was refused, so the corrected call runs under the same key", async () => {
    const m = await market();
    const headers = { "idempotency-key": "lead-call-bad" };
    const bad = await api("POST", "/v1/leads", {
      key: m.crm,
      body: { ...mortgageClient("crm-bad"), services: { "no-such-service": 1 } },
      headers,
    });
    expect(bad.status).toBe(400);
    expect(await count("idempotency_records")).toBe(0);
    const good = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-bad"), headers });
    expect(good.status).toBe(201);
    expect(good.headers.get("idempotent-replayed")).toBeNull();
  });

  it("suppresses a second lead for the same client and service while the first is open", async () => {
    const m = await market();
    const first = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-dup") });
    expect(first.status).toBe(201);
    const created = first.body.leads.map((l: { service: string }) => l.service);
    const second = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-dup") });
    expect(second.status).toBe(200);
    expect(second.body.leads).toEqual([]);
    for (const code of created) {
      const rating = second.body.ratings.find((r: { service: string }) => r.service === code);
      expect(rating.decision).toBe("duplicate");
    }
  });

  it("a paused company receives nothing new: its candidate goes to the next company", async () => {
    const m = await market();
    await preferInsurer(m);
    const paused = await api("PATCH", `/v1/admin/companies/${m.insurer.id}`, { body: { status: "paused" } });
    expect(paused.status).toBe(200);
    const res = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-paused") });
    const insurance = res.body.leads.filter((l: { category: string }) => l.category === "insurance-property");
    expect(insurance).toHaveLength(1);
    expect(insurance[0].target_company.id).toBe(m.bank.id);
    const skipped = res.body.ratings.find((r: { service: string }) => r.service === "property-ins");
    expect(skipped.decision).toBe("not_routed");
    expect(skipped.note).toContain("paused");
  });

  it("a company at its daily cap is skipped (decision capped)", async () => {
    const m = await market();
    await preferInsurer(m);
    await api("PATCH", `/v1/admin/companies/${m.insurer.id}`, { body: { daily_lead_cap: 1 } });
    const first = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-cap-1") });
    expect(
      first.body.leads.find((l: { category: string }) => l.category === "insurance-property").target_company.id,
    ).toBe(m.insurer.id);
    const second = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-cap-2") });
    const lead = second.body.leads.find((l: { category: string }) => l.category === "insurance-property");
    expect(lead.target_company.id).toBe(m.bank.id);
    expect(second.body.ratings.find((r: { service: string }) => r.service === "property-ins").decision).toBe("capped");
  });

  it("the threshold decides: at 100 nothing qualifies", async () => {
    const m = await market();
    await setGlobal("min_rating", 100);
    const res = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("crm-high") });
    expect(res.status).toBe(200);
    expect(res.body.leads).toEqual([]);
    expect(res.body.ratings.every((r: { decision: string }) => r.decision === "below_threshold")).toBe(true);
  });

  it("holds out control-group clients of a running experiment and records them as control", async () => {
    const m = await market();
    const created = await api("POST", "/v1/admin/experiments", {
      body: {
        name: "property insurance holdout",
        scope_type: "category",
        scope_id: "insurance-property",
        holdout_share: 0.5,
        starts_at: new Date(Date.now() - 60_000).toISOString(),
        ends_at: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const experimentId = created.body.id ?? created.body.experiment?.id;
    let control = 0;
    let treated = 0;
    for (let i = 0; i < 12; i++) {
      const res = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient(`crm-exp-${i}`) });
      const arm = assignArm(experimentId, res.body.client_ref, 0.5);
      const insurance = res.body.ratings.filter((r: { category: string }) => r.category === "insurance-property");
      if (arm === "control") {
        control++;
        expect(
          insurance.every((r: { decision: string }) => r.decision === "control" || r.decision === "below_threshold"),
        ).toBe(true);
        expect(res.body.leads.some((l: { category: string }) => l.category === "insurance-property")).toBe(false);
      } else {
        treated++;
        expect(res.body.leads.some((l: { category: string }) => l.category === "insurance-property")).toBe(true);
      }
    }
    expect(control + treated).toBe(12);
    const rows = await allShardsD1
      .prepare("SELECT COUNT(*) AS n FROM scored_candidates WHERE experiment_id = ? AND decision = 'control'")
      .bind(experimentId)
      .first<{ n: number }>();
    expect(rows?.n).toBeGreaterThanOrEqual(control);
  });

  it("refuses personal data with 422 naming each path, and writes nothing", async () => {
    const m = await market();
    const before = await Promise.all(["clients", "leads", "interactions"].map(count));
    const res = await api("POST", "/v1/leads", {
      key: m.crm,
      body: { ...mortgageClient("crm-pd"), phone: "+7 912 345-67-89", needs: ["ivan.petrov@mail.ru"] },
    });
    expect(res.status).toBe(422);
    const paths = res.body.errors.map((e: { path: string[] }) => e.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["body.phone", "body.needs.0"]));
    expect(JSON.stringify(res.body)).not.toContain("345-67-89");
    expect(await Promise.all(["clients", "leads", "interactions"].map(count))).toEqual(before);
  });

  it("validates the body: unknown fields, bad values and unknown service codes name their paths", async () => {
    const m = await market();
    const unknownField = await api("POST", "/v1/leads", {
      key: m.crm,
      body: { ...mortgageClient("x"), colour: "red" },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors[0].path).toEqual(["body", "colour"]);
    const badAge = await api("POST", "/v1/leads", { key: m.crm, body: mortgageClient("x", { age: 7 }) });
    expect(badAge.status).toBe(400);
    expect(badAge.body.errors[0].path).toEqual(["body", "age"]);
    const unknownService = await api("POST", "/v1/leads", {
      key: m.crm,
      body: mortgageClient("x", { services: { "no-such-service": 1 } }),
    });
    expect(unknownService.status).toBe(400);
    expect(unknownService.body.errors[0].path).toEqual(["body", "services", "no-such-service"]);
    const notJson = await api("POST", "/v1/leads", { key: m.crm, rawBody: "{not json" });
    expect(errorCode(notJson)).toBe("invalid_json");
    expect(await count("leads")).toBe(0);
  });

  it("security: no key 401, bad key 401, admin and partner keys 403", async () => {
    const m = await market();
    const body = mortgageClient("crm-sec");
    expect((await api("POST", "/v1/leads", { key: null, body })).status).toBe(401);
    expect((await api("POST", "/v1/leads", { key: "cb_crm_not-a-real-key", body })).status).toBe(401);
    const admin = await api("POST", "/v1/leads", { body });
    expect(admin.status).toBe(403);
    expect(errorCode(admin)).toBe("forbidden");
    expect((await api("POST", "/v1/leads", { key: m.insurerPartner, body })).status).toBe(403);
    const revoked = await seedKey("crm", m.bank.id);
    await api("DELETE", `/v1/admin/api-keys/${revoked.id}`);
    expect((await api("POST", "/v1/leads", { key: revoked.key, body })).status).toBe(401);
  });
});
