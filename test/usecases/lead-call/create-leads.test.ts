/**
 * The lead call as a use case, without HTTP: what it refuses before touching storage, the one
 * atomic write, the enqueue handed to `waitUntil` only once the leads are committed, and the
 * idempotent replay. The queue is a stand-in, so no message outlives the test.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { isDomainError } from "../../../src/domain/errors";
import type { Env } from "../../../src/env";
import { FOLD_EVERY_STAGED_CALLS } from "../../../src/storage/candidate-rollups";
import { forgetServingModels } from "../../../src/storage/model-store";
import { createLeads, type LeadCallRequest } from "../../../src/usecases/lead-call/create-leads";
import { retrainModel } from "../../../src/usecases/model/retrain";
import { allShardsD1 } from "../../all-shards";
import { api, seedCompany, seedKey, seedLink, seedService } from "../../harness";

interface Sent {
  leadId: string;
}

/** The env with a LEAD_DISPATCH stand-in that records what was sent. */
function envWithQueue() {
  const sent: Sent[] = [];
  const queue = {
    async send(body: Sent) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: Sent }>) {
      for (const message of messages) sent.push(message.body);
    },
  };
  return { env: { ...env, LEAD_DISPATCH: queue } as unknown as Env, sent };
}

/** Collects the work the use case defers past its answer. */
function deferred() {
  const work: Promise<unknown>[] = [];
  return { waitUntil: (promise: Promise<unknown>) => work.push(promise), settle: () => Promise.all(work), work };
}

async function counts() {
  return allShardsD1
    .prepare(
      `SELECT (SELECT COUNT(*) FROM clients) AS clients, (SELECT COUNT(*) FROM leads) AS leads,
            (SELECT COUNT(*) FROM scored_candidates) AS candidates, (SELECT COUNT(*) FROM idempotency_records) AS keys`,
    )
    .first();
}

let caller: LeadCallRequest["caller"];
let insurerId: string;

beforeAll(async () => {
  const bank = await seedCompany({ name: "Bank", kind: "bank", createdAt: 1 });
  // Takes webhooks, so its leads are enqueued for delivery.
  const insurer = await seedCompany({
    name: "Insurer",
    createdAt: 2,
    webhookUrl: "https://insurer.example/hooks/leads",
    webhookSecret: `whsec_${btoa("insurer-test-secret-0123456789ab")}`,
  });
  insurerId = insurer.id;
  const mortgage = await seedService(bank.id, { code: "uc-mortgage", category: "loans" });
  const insurance = await seedService(insurer.id, { code: "uc-insurance", category: "insurance" });
  await seedLink(mortgage.id, insurance.id, 0.9);
  const crm = await seedKey("crm", bank.id);
  caller = { keyId: crm.id, companyId: bank.id };
  for (let i = 0; i < 30; i++) {
    const res = await api("PUT", `/v1/clients/uc-history-${i}`, {
      key: crm.key,
      body: {
        age: 30 + (i % 10),
        monthly_income: 120_000,
        region: "msk",
        services: { "uc-mortgage": 1, "uc-insurance": 1 },
      },
    });
    expect(res.status).toBe(201);
  }
  expect((await retrainModel(env, { trigger: "admin" })).status).toBe("trained");
  forgetServingModels();
  const threshold = await api("PUT", "/v1/admin/settings", {
    body: { changes: [{ scope: "global", key: "min_rating", value: 1 }] },
  });
  expect(threshold.status).toBe(200);
});

const mortgageClient = (id: string, extra: Record<string, unknown> = {}) => ({
  external_id: id,
  age: 34,
  monthly_income: 130_000,
  region: "msk",
  services: { "uc-mortgage": 1 },
  ...extra,
});

/** One lead call without a key, through the queue stand-in; what it sent and deferred. */
async function callWithQueue(body: Record<string, unknown>) {
  const { env: queued, sent } = envWithQueue();
  const later = deferred();
  const result = await createLeads(queued, { caller, body, idempotencyKey: undefined, waitUntil: later.waitUntil });
  return { result, sent, later };
}

describe("createLeads", () => {
  it("creates the lead in one write and hands the enqueue to waitUntil only after the commit", async () => {
    const { result, sent, later } = await callWithQueue(mortgageClient("uc-lead-1"));
    expect(result.status).toBe(201);
    expect(result.replayed).toBe(false);
    const created = result.answer.leads.map((lead) => lead.id);
    expect(created).toHaveLength(1);
    expect(result.answer.leads[0]).toMatchObject({ service: "uc-insurance", status: "queued" });
    // Committed before the answer: the row exists while the enqueue may still be pending.
    const row = await allShardsD1.prepare("SELECT status FROM leads WHERE id = ?").bind(created[0]).first();
    expect(row).toEqual({ status: "queued" });
    expect(later.work).toHaveLength(1);
    await later.settle();
    expect(sent.map((message) => message.leadId)).toEqual(created);
  });

  it("records a lead of a receiver without webhooks as waiting in its inbox in the same write, and enqueues nothing", async () => {
    await env.DB.prepare("UPDATE companies SET webhook_url = NULL WHERE id = ?").bind(insurerId).run();
    try {
      const { result, sent, later } = await callWithQueue(mortgageClient("uc-lead-inbox"));
      expect(result.status).toBe(201);
      const [created] = result.answer.leads;
      expect(created).toMatchObject({ service: "uc-insurance", status: "queued" });
      expect(later.work).toHaveLength(0);
      expect(sent).toHaveLength(0);
      const events = await allShardsD1
        .prepare("SELECT type, detail FROM lead_events WHERE lead_id = ? ORDER BY id")
        .bind(created.id)
        .all();
      expect(events.results).toEqual([
        { type: "created", detail: `routed to ${insurerId}` },
        { type: "delivery_attempt", detail: "skipped: inbox (the company has no webhook URL)" },
      ]);
    } finally {
      await env.DB.prepare("UPDATE companies SET webhook_url = ? WHERE id = ?")
        .bind("https://insurer.example/hooks/leads", insurerId)
        .run();
    }
  });

  it("a dry run rates and routes but writes nothing and defers nothing", async () => {
    const before = await counts();
    const { result, later } = await callWithQueue(mortgageClient("uc-dry-run", { dry_run: true }));
    expect(result.status).toBe(200);
    expect(result.answer.client_ref).toBeNull();
    expect(result.answer.leads.map((lead) => lead.status)).toEqual(["would_create"]);
    expect(later.work).toHaveLength(0);
    expect(await counts()).toEqual(before);
  });

  it("replays the stored answer for the same key and body, creating nothing twice", async () => {
    const request = (waitUntil: LeadCallRequest["waitUntil"]) => ({
      caller,
      body: mortgageClient("uc-replayed"),
      idempotencyKey: "uc-replay-key",
      waitUntil,
    });
    const first = await createLeads(envWithQueue().env, request(deferred().waitUntil));
    const afterFirst = await counts();
    const again = deferred();
    const second = await createLeads(envWithQueue().env, request(again.waitUntil));
    expect(second).toMatchObject({ status: first.status, answer: first.answer, replayed: true });
    expect(again.work).toHaveLength(0);
    expect(await counts()).toEqual(afterFirst);
  });

  it("refuses personal data and invalid bodies before any read or write", async () => {
    const before = await counts();
    const refusal = (body: unknown) =>
      createLeads(envWithQueue().env, { caller, body, idempotencyKey: "uc-refused", waitUntil: () => undefined }).then(
        () => null,
        (error: unknown) => error,
      );
    const personal = await refusal(mortgageClient("uc-pd", { region: "ivan.petrov@example.com" }));
    expect(isDomainError(personal, "personal_data")).toBe(true);
    const unknownService = await refusal(mortgageClient("uc-unknown", { services: { "no-such-service": 1 } }));
    expect(isDomainError(unknownService, "validation_failed")).toBe(true);
    expect((unknownService as { items: Array<{ path?: string[] }> }).items[0].path).toEqual([
      "body",
      "services",
      "no-such-service",
    ]);
    // The refused call freed its idempotency key and left no row behind.
    expect(await counts()).toEqual(before);
  });

  it("is unavailable, storing nothing, where no pseudonym key is configured", async () => {
    const before = await counts();
    const unconfigured = { ...env, PSEUDONYM_KEY: "" } as Env;
    await expect(
      createLeads(unconfigured, {
        caller,
        body: mortgageClient("uc-no-key"),
        idempotencyKey: undefined,
        waitUntil: () => undefined,
      }),
    ).rejects.toMatchObject({ code: "unavailable" });
    expect(await counts()).toEqual(before);
  });
  it("folds its shard's staged rollup increments after the answer, every FOLD_EVERY_STAGED_CALLS calls of the isolate", async () => {
    const pending = async () =>
      (await allShardsD1.prepare("SELECT COUNT(*) AS n FROM candidate_rollup_pending").first<{ n: number }>())!.n;
    let previous = await pending();
    let folded = false;
    // Each shard folds after its own count of calls: within twice the cadence, one of the two has.
    for (let i = 0; i < 2 * FOLD_EVERY_STAGED_CALLS && !folded; i++) {
      const { result, later } = await callWithQueue(mortgageClient(`uc-fold-${i}`));
      expect(result.status).toBe(201);
      await later.settle();
      const now = await pending();
      folded = now < previous;
      previous = now;
    }
    expect(folded).toBe(true);
  });
});
