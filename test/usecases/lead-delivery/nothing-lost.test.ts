/**
 * "Nothing is lost": many leads, partner endpoints failing at random, and the queue simulated by
 * hand: messages the consumer sends again (the next attempt) are delivered in the next round, those
 * it sends to the dead-letter queue go to the dead-letter consumer, and acked messages are sometimes
 * delivered twice, as Queues may. Every lead must end delivered — received exactly once per
 * webhook-id by a deduplicating receiver — or failed with a recorded reason.
 */
import { delay, HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_DELIVERY_ATTEMPTS } from "../../../src/domain/delivery-policy";
import { seededRandom } from "../../../src/domain/random";
import { events, lead, message, type QueuedMessage, runConsumer, seedLeads, seedReceiver, testDeps } from "./fixtures";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

/** A receiver as the Standard Webhooks guidance asks: verify, then process each webhook-id once. */
class Receiver {
  readonly processed = new Set<string>();
  duplicates = 0;
  badSignatures = 0;
  requests = 0;

  constructor(private readonly secret: string) {}

  /** Returns false when the request does not verify. */
  accept(body: string, headers: Record<string, string>): boolean {
    this.requests++;
    try {
      new Webhook(this.secret).verify(body, headers);
    } catch {
      this.badSignatures++;
      return false;
    }
    const id = headers["webhook-id"];
    if (this.processed.has(id)) this.duplicates++;
    else this.processed.add(id);
    return true;
  }
}

it("ends every lead delivered exactly once per webhook-id, or failed with a reason", async () => {
  const random = seededRandom(20261120);
  const flaky = await seedReceiver({ url: "https://flaky.example/hooks" });
  const dead = await seedReceiver({ url: "https://dead.example/hooks" });
  const picky = await seedReceiver({ url: "https://picky.example/hooks" });
  const receivers = new Map([
    [flaky.id, new Receiver(flaky.webhookSecret!)],
    [dead.id, new Receiver(dead.webhookSecret!)],
    [picky.id, new Receiver(picky.webhookSecret!)],
  ]);

  server.use(
    http.post("https://flaky.example/hooks", async ({ request }) => {
      const body = await request.text();
      const headers = Object.fromEntries(request.headers);
      const roll = random();
      if (roll < 0.1) return HttpResponse.error();
      if (roll < 0.35) return new HttpResponse(null, { status: 500 });
      if (roll < 0.45) return new HttpResponse(null, { status: 429, headers: { "retry-after": "60" } });
      receivers.get(flaky.id)!.accept(body, headers);
      if (roll < 0.55) {
        // Processed, but the answer arrives after our timeout: we retry, the receiver dedupes.
        await delay(80);
      }
      return new HttpResponse(null, { status: 200 });
    }),
    http.post("https://dead.example/hooks", async ({ request }) => {
      receivers.get(dead.id)!.requests++;
      await request.text();
      return new HttpResponse(null, { status: 503 });
    }),
    http.post("https://picky.example/hooks", async ({ request }) => {
      const body = await request.text();
      if (random() < 0.2) return new HttpResponse(null, { status: 422 });
      receivers.get(picky.id)!.accept(body, Object.fromEntries(request.headers));
      return new HttpResponse(null, { status: 202 });
    }),
  );

  const created = [...(await seedLeads(flaky, 24)), ...(await seedLeads(dead, 3)), ...(await seedLeads(picky, 8))];
  const deps = testDeps({ random, timeoutMs: 25 });

  // The queue: every lead enqueued once.
  let pending: QueuedMessage[] = created.map((row) => message(row.id));
  const deadLettered: QueuedMessage[] = [];
  let rounds = 0;
  let sequence = 0;
  while (pending.length > 0) {
    rounds++;
    expect(rounds).toBeLessThan(50);
    const next: QueuedMessage[] = [];
    for (let i = 0; i < pending.length; i += 10) {
      const batch = pending.slice(i, i + 10);
      const outcome = await runConsumer("lead-dispatch", batch, deps);
      // Every message is acknowledged: a failed attempt comes back as a new message, never a retry().
      expect(outcome.retried.size).toBe(0);
      expect(outcome.acked.length).toBe(batch.length);
      for (const sent of outcome.resent) {
        expect(sent.delaySeconds).toBeGreaterThanOrEqual(1);
        expect(sent.delaySeconds).toBeLessThanOrEqual(43_200);
        next.push({ id: `resent-${sequence++}`, attempts: 1, body: sent.body });
      }
      for (const body of outcome.deadLettered) deadLettered.push({ id: `dead-${sequence++}`, attempts: 1, body });
      for (const m of batch) {
        if (random() < 0.1) {
          // At-least-once: the queue hands an acknowledged message over once more.
          next.push({ ...m, attempts: 1 });
        }
      }
    }
    pending = next;
  }
  while (deadLettered.length > 0) {
    const batch = deadLettered.splice(0, 10);
    const outcome = await runConsumer("lead-dispatch-dlq", batch, deps);
    expect(outcome.acked.length).toBe(batch.length);
  }

  let delivered = 0;
  let failed = 0;
  for (const row of created) {
    const final = await lead(row.id);
    const log = await events(row.id);
    const receiver = receivers.get(row.targetCompanyId)!;
    if (final.status === "delivered") {
      delivered++;
      expect(receiver.processed.has(row.id)).toBe(true);
      expect(log.some((e) => e.type === "delivered")).toBe(true);
    } else {
      failed++;
      expect(final.status).toBe("failed");
      expect(final.lastError).toBeTruthy();
      expect(log.some((e) => e.type === "failed" || e.type === "dead_lettered")).toBe(true);
    }
    // Every attempt of the lead is logged with its outcome.
    expect(log.filter((e) => e.type === "delivery_attempt").length).toBe(final.deliveryAttempts);
  }

  expect(delivered + failed).toBe(created.length);
  for (const row of created.filter((r) => r.targetCompanyId === dead.id)) {
    const final = await lead(row.id);
    expect(final.status).toBe("failed");
    // At least every allowed attempt; more when the queue duplicated one of its messages on the way
    // (each copy then carries on with its own attempts; the receiver deduplicates by webhook-id).
    expect(final.deliveryAttempts).toBeGreaterThanOrEqual(MAX_DELIVERY_ATTEMPTS);
    expect((await events(row.id)).at(-1)?.type).toBe("dead_lettered");
  }
  const ids = new Set(created.map((r) => r.id));
  for (const receiver of receivers.values()) {
    expect(receiver.badSignatures).toBe(0);
    for (const id of receiver.processed) expect(ids.has(id)).toBe(true);
  }
  // The scenario exercised what it claims to: retries, duplicates absorbed by webhook-id, both endings.
  expect(receivers.get(flaky.id)!.requests).toBeGreaterThan(24);
  expect(receivers.get(flaky.id)!.duplicates).toBeGreaterThan(0);
  expect(delivered).toBeGreaterThan(20);
  expect(failed).toBeGreaterThanOrEqual(3);
});
