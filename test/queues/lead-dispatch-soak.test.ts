/**
 * Soak: 200 leads for two partners through the real `lead-dispatch` consumer, with the partner
 * endpoints faked at the HTTP boundary (msw). One partner answers 500 to 30 % of requests and never
 * answers 10 % (the request times out); the other is healthy. The queue is driven to quiescence on a
 * logical clock: every message the consumer sends again is delivered once its `delaySeconds` have
 * passed logically (no real waiting), messages sent to the dead-letter queue go to its consumer.
 *
 * Claims checked: every lead ends delivered (each webhook-id verified once by its receiver) or
 * recorded failed; no failed delivery is retry()'d; each receiver gets at most its lane's share of
 * concurrent requests; and the failing partner never delays the healthy one — all healthy leads
 * arrive in the first pass at their first attempt, each before any hanging request of its batch
 * timed out (a batch delivered one message after the other would make them wait for it).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type DefaultBodyType, delay, HttpResponse, http, type StrictRequest } from "msw";
import { setupServer } from "msw/node";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  DELIVERY_CONCURRENCY_PER_RECEIVER,
  MAX_DELIVERY_ATTEMPTS,
  MAX_RETRY_DELAY_SECONDS,
} from "../../src/domain/delivery-policy";
import { seededRandom } from "../../src/domain/random";
import { consumeLeadDispatch } from "../../src/queues/lead-dispatch/consumer";
import { consumeLeadDeadLetters } from "../../src/queues/lead-dispatch/dead-letters";
import type { LeadDispatchMessage } from "../../src/queues/lead-dispatch/message";
import { events, lead, seedLeads, seedReceiver, testDeps } from "../usecases/lead-delivery/fixtures";
import { takeSent } from "./outbox";

const HEALTHY = "https://healthy.example/hooks";
const FAILING = "https://failing.example/hooks";
const LEADS_PER_PARTNER = 100;
const BATCH_SIZE = 20;
/** Per-request timeout of the run; a hanging request is answered (too late) after HANG_MS. */
const TIMEOUT_MS = 400;
const HANG_MS = 1_500;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A partner endpoint's view: verifies, processes each webhook-id once, records timing and load. */
class Partner {
  readonly processed = new Map<string, number>();
  readonly requestsById = new Map<string, number>();
  /** Receive time of every request. */
  readonly received: Array<{ id: string; at: number }> = [];
  /** Receive time of every request left hanging (the Worker abandons it TIMEOUT_MS later). */
  readonly hangs: number[] = [];
  duplicates = 0;
  badSignatures = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(readonly secret: string) {}

  async handle(request: StrictRequest<DefaultBodyType>, behaviour: () => "ok" | "error" | "hang"): Promise<Response> {
    const at = Date.now();
    const body = await request.text();
    const headers = Object.fromEntries(request.headers);
    const id = headers["webhook-id"];
    this.received.push({ id, at });
    this.requestsById.set(id, (this.requestsById.get(id) ?? 0) + 1);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let open = true;
    const close = () => {
      if (open) this.inFlight--;
      open = false;
    };
    try {
      const outcome = behaviour();
      if (outcome === "error") return new HttpResponse("failing on purpose", { status: 500 });
      if (outcome === "hang") {
        this.hangs.push(at);
        // The Worker's abort ends the request for it: it no longer counts against the lane.
        request.signal.addEventListener("abort", close);
        await delay(HANG_MS);
        return new HttpResponse(null, { status: 200 });
      }
      try {
        new Webhook(this.secret).verify(body, headers);
      } catch {
        this.badSignatures++;
        return new HttpResponse(null, { status: 401 });
      }
      if (this.processed.has(id)) this.duplicates++;
      else this.processed.set(id, at);
      return new HttpResponse(null, { status: 204 });
    } finally {
      close();
    }
  }
}

it("delivers every lead once or records it failed, and the failing partner never delays the healthy one", async () => {
  const random = seededRandom(20261205);
  const healthyCompany = await seedReceiver({ url: HEALTHY });
  const failingCompany = await seedReceiver({ url: FAILING });
  const healthy = new Partner(healthyCompany.webhookSecret!);
  const failing = new Partner(failingCompany.webhookSecret!);
  server.use(
    http.post(HEALTHY, ({ request }) => healthy.handle(request, () => "ok")),
    http.post(FAILING, ({ request }) =>
      failing.handle(request, () => {
        const roll = random();
        return roll < 0.3 ? "error" : roll < 0.4 ? "hang" : "ok";
      }),
    ),
  );
  const healthyLeads = await seedLeads(healthyCompany, LEADS_PER_PARTNER);
  const failingLeads = await seedLeads(failingCompany, LEADS_PER_PARTNER);
  const healthyIds = new Set(healthyLeads.map((row) => row.id));
  const failingIds = new Set(failingLeads.map((row) => row.id));

  // The queue on a logical clock (seconds): messages become due `delaySeconds` after they were sent.
  let now = 0;
  let pending: Array<{ body: unknown; dueAt: number }> = [];
  // The lead call's enqueue: both partners' leads interleaved.
  for (let i = 0; i < LEADS_PER_PARTNER; i++) {
    for (const row of [failingLeads[i], healthyLeads[i]]) {
      pending.push({ body: { v: 1, type: "deliver_lead", leadId: row.id }, dueAt: 0 });
    }
  }
  const deadLetters: unknown[] = [];
  const batchStarts: Array<{ pass: number; startedAt: number; endedAt: number; leadIds: Set<string> }> = [];
  const deps = testDeps({ random, timeoutMs: TIMEOUT_MS });
  let pass = 0;
  let retried = 0;
  let sequence = 0;

  while (pending.length > 0) {
    pass++;
    expect(pass).toBeLessThan(40);
    now = Math.max(now, Math.min(...pending.map((m) => m.dueAt)));
    const due = pending.filter((m) => m.dueAt <= now);
    pending = pending.filter((m) => m.dueAt > now);
    for (let i = 0; i < due.length; i += BATCH_SIZE) {
      const slice = due.slice(i, i + BATCH_SIZE);
      const batch = createMessageBatch<unknown>(
        "lead-dispatch",
        slice.map((m) => ({ id: `m${sequence++}`, timestamp: new Date(), attempts: 1, body: m.body })),
      );
      const ctx = createExecutionContext();
      const startedAt = Date.now();
      await consumeLeadDispatch(batch, env, deps);
      const result = await getQueueResult(batch, ctx);
      batchStarts.push({
        pass,
        startedAt,
        endedAt: Date.now(),
        leadIds: new Set(slice.map((m) => (m.body as LeadDispatchMessage).leadId)),
      });
      // Every message is acknowledged; none is left to the queue's retry().
      expect(result.explicitAcks).toHaveLength(slice.length);
      retried += result.retryMessages.length;
      for (const sent of takeSent("lead-dispatch")) {
        expect(sent.delaySeconds).toBeGreaterThanOrEqual(1);
        expect(sent.delaySeconds).toBeLessThanOrEqual(MAX_RETRY_DELAY_SECONDS);
        pending.push({ body: sent.body, dueAt: now + sent.delaySeconds });
      }
      deadLetters.push(...takeSent("lead-dispatch-dlq").map((m) => m.body));
    }
  }
  expect(retried).toBe(0);
  for (let i = 0; i < deadLetters.length; i += 10) {
    const slice = deadLetters.slice(i, i + 10);
    const batch = createMessageBatch<unknown>(
      "lead-dispatch-dlq",
      slice.map((body) => ({ id: `d${sequence++}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await consumeLeadDeadLetters(batch, env, deps);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(slice.length);
  }

  // Every lead: delivered exactly once per webhook-id, or failed with a recorded reason.
  let failingDelivered = 0;
  for (const row of [...healthyLeads, ...failingLeads]) {
    const partner = healthyIds.has(row.id) ? healthy : failing;
    const final = await lead(row.id);
    const log = await events(row.id);
    if (final.status === "delivered") {
      expect(partner.processed.has(row.id)).toBe(true);
      if (partner === failing) failingDelivered++;
    } else {
      expect(final.status).toBe("failed");
      expect(final.lastError).toBeTruthy();
      expect(log.at(-1)?.type).toBe("dead_lettered");
      expect(partner.processed.has(row.id)).toBe(false);
    }
    expect(final.deliveryAttempts).toBeLessThanOrEqual(MAX_DELIVERY_ATTEMPTS);
    expect(log.filter((e) => e.type === "delivery_attempt")).toHaveLength(final.deliveryAttempts);
  }
  for (const partner of [healthy, failing]) {
    expect(partner.badSignatures).toBe(0);
    expect(partner.duplicates).toBe(0);
  }
  expect([...failing.processed.keys()].every((id) => failingIds.has(id))).toBe(true);
  expect(failingDelivered).toBeGreaterThan(LEADS_PER_PARTNER * 0.95);

  // The scenario did what it claims: failures of both kinds, re-sends with carried attempt numbers.
  expect(failing.hangs.length).toBeGreaterThan(3);
  expect(failing.received.length).toBeGreaterThan(LEADS_PER_PARTNER * 1.3);
  expect(pass).toBeGreaterThan(2);

  // The healthy partner: every lead in the first pass, at its first attempt, one request per lead.
  expect(healthy.processed.size).toBe(LEADS_PER_PARTNER);
  expect(healthy.received).toHaveLength(LEADS_PER_PARTNER);
  for (const row of healthyLeads) expect((await lead(row.id)).deliveryAttempts).toBe(1);
  const firstPass = batchStarts.filter((batch) => batch.pass === 1);
  for (const id of healthyIds) {
    const at = healthy.processed.get(id)!;
    const batch = firstPass.find((b) => b.leadIds.has(id));
    expect(batch, `healthy lead ${id} was not in the first pass`).toBeDefined();
    expect(at).toBeLessThanOrEqual(batch!.endedAt);
  }
  // …and none of them waited for a hanging request of its batch: each arrived before the first
  // hanging request of that batch reached its timeout (one message after the other, the healthy
  // messages behind a hanging one would arrive only after it).
  let batchesWithHangs = 0;
  for (const batch of firstPass) {
    const hangs = failing.hangs.filter((t) => t >= batch.startedAt && t <= batch.endedAt);
    if (hangs.length === 0) continue;
    batchesWithHangs++;
    const firstTimeout = Math.min(...hangs) + TIMEOUT_MS;
    for (const id of batch.leadIds) {
      if (healthyIds.has(id)) expect(healthy.processed.get(id)!).toBeLessThan(firstTimeout);
    }
  }
  expect(batchesWithHangs).toBeGreaterThan(0);

  // Each receiver's lane: concurrent requests, never more than its cap.
  expect(failing.maxInFlight).toBeGreaterThan(1);
  expect(failing.maxInFlight).toBeLessThanOrEqual(DELIVERY_CONCURRENCY_PER_RECEIVER);
  expect(healthy.maxInFlight).toBeLessThanOrEqual(DELIVERY_CONCURRENCY_PER_RECEIVER);

  // Re-sent messages carried the attempt they were for.
  const attempts = (await events(failingLeads[0].id)).filter((e) => e.type === "delivery_attempt");
  expect(attempts.map((e) => e.detail)).toEqual(attempts.map((_, i) => `queue attempt ${i + 1}/9`));
}, 180_000);
