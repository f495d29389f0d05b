/**
 * Lead fixtures for the delivery and inbox tests: leads are created through the real
 * `buildLeadDocument` + `buildLeadInserts` path, and queue batches are driven by hand.
 */
import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { vi } from "vitest";
import { buildLeadDocument } from "../../../src/domain/lead-document";
import { receiverPseudonym } from "../../../src/lib/crypto";
import { consumeLeadDispatch } from "../../../src/queues/lead-dispatch/consumer";
import { consumeLeadDeadLetters } from "../../../src/queues/lead-dispatch/dead-letters";
import type { LeadDispatchMessage } from "../../../src/queues/lead-dispatch/message";
import { buildLeadInserts, type LeadRow } from "../../../src/storage/leads";
import { clients, companies, leadEvents, leads, services } from "../../../src/storage/schema";
import { newClientOwnedId, requireSlotOfId, slotOfPseudonym } from "../../../src/storage/shards";
import type { DeliveryDeps } from "../../../src/usecases/lead-delivery/deliver";
import { allShardsDb } from "../../all-shards";
import { db, seedCompany, seedService, shardDbOf } from "../../harness";
import { type SentMessage, takeSent } from "../../queues/outbox";

/** A fresh Standard Webhooks secret (`whsec_` + base64 of 24 random bytes). */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** A receiving company with a webhook at `url` (or none) and a signing secret. */
export async function seedReceiver(
  input: { url?: string | null; name?: string } & Partial<typeof companies.$inferInsert> = {},
) {
  const { url, ...rest } = input;
  return seedCompany({
    webhookUrl: url === undefined ? "https://partner.example/hooks/leads" : url,
    webhookSecret: url === null ? null : newSecret(),
    ...rest,
  });
}

let clientCounter = 0;

/** An anonymized client of `companyId` (direct D1 insert). */
export async function seedClient(companyId: string) {
  const now = Date.now();
  const externalHash = `hash-${clientCounter++}-${Math.random()}`;
  const id = newClientOwnedId("cl", slotOfPseudonym(externalHash));
  const [row] = await shardDbOf(id)
    .insert(clients)
    .values({
      id,
      companyId,
      externalHash,
      age: 33,
      monthlyIncome: 95_000,
      region: "RU-MOW",
      gender: "female",
      needs: JSON.stringify(["car"]),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row;
}

let serviceCounter = 0;

/** A source company with a client, ready to produce leads for any receiver. */
export async function seedSource() {
  const source = await seedCompany({ name: "Expobank", kind: "bank" });
  const client = await seedClient(source.id);
  return { source, client };
}

/**
 * Creates `count` queued leads for `target` through the production path (document, inserts,
 * `created` event), without enqueueing them. Returns the rows in creation order.
 */
export async function seedLeads(
  target: typeof companies.$inferSelect,
  count = 1,
  options: { source?: typeof companies.$inferSelect; clientId?: string; category?: string; createdAt?: number } = {},
): Promise<LeadRow[]> {
  const source = options.source ?? (await seedCompany({ name: "Expobank", kind: "bank" }));
  const clientId = options.clientId ?? (await seedClient(source.id)).id;
  const [client] = await allShardsDb().select().from(clients).where(eq(clients.id, clientId));
  const service = await seedService(target.id, {
    code: `svc-${serviceCounter++}-${Math.random().toString(36).slice(2, 6)}`,
    category: options.category ?? "insurance",
  });
  const pseudonym = await receiverPseudonym(env.PSEUDONYM_KEY, target.id, clientId);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = newClientOwnedId("ld", requireSlotOfId(clientId));
    ids.push(id);
    const createdAt = options.createdAt ?? Date.now();
    const document = buildLeadDocument({
      leadId: id,
      createdAt,
      service: { code: service.code, name: service.name, category: service.category },
      targetCompany: { id: target.id, name: target.name },
      sourceCompany: { id: source.id, name: source.name },
      rating: 84,
      reasons: ["Similar clients took this service"],
      client: {
        pseudonym,
        age: client.age,
        monthlyIncome: client.monthlyIncome,
        region: client.region,
        needs: JSON.parse(client.needs),
      },
      modelVersion: "test-model",
    });
    const statements = buildLeadInserts(shardDbOf(clientId), [
      {
        document,
        clientId,
        serviceId: service.id,
        sourceCompanyId: source.id,
        targetCompanyId: target.id,
        rating: 84,
        routing: { category: service.category, reason: "only eligible company" },
        modelVersion: "test-model",
      },
    ]);
    await shardDbOf(clientId).batch(statements as [(typeof statements)[number], ...typeof statements]);
  }
  const rows: LeadRow[] = [];
  for (const id of ids) rows.push(await lead(id));
  return rows;
}

export async function lead(id: string): Promise<LeadRow> {
  const [row] = await allShardsDb().select().from(leads).where(eq(leads.id, id));
  return row;
}

export async function events(leadId: string) {
  return allShardsDb().select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(leadEvents.id);
}

export async function company(id: string) {
  const [row] = await db().select().from(companies).where(eq(companies.id, id));
  return row;
}

export async function service(id: string) {
  const [row] = await db().select().from(services).where(eq(services.id, id));
  return row;
}

/** What a consumer did with each message of a batch. */
export interface BatchOutcome {
  acked: string[];
  /** Message id → requested delay in seconds (`retry()`: only a fallback of the dispatch consumer). */
  retried: Map<string, number | undefined>;
  /** Messages sent to `lead-dispatch` while the batch ran (next attempts), with their delays. */
  resent: SentMessage[];
  /** Message bodies sent to `lead-dispatch-dlq` while the batch ran. */
  deadLettered: unknown[];
}

export interface QueuedMessage {
  id: string;
  attempts: number;
  body: LeadDispatchMessage | unknown;
}

/** The delay of the one re-sent message of a batch outcome (fails the test when there is not exactly one). */
export function resentDelay(outcome: BatchOutcome): number {
  if (outcome.resent.length !== 1) throw new Error(`expected one re-sent message, got ${outcome.resent.length}`);
  return outcome.resent[0].delaySeconds;
}

export function message(leadId: string, attempts = 1, extra: Partial<LeadDispatchMessage> = {}): QueuedMessage {
  return {
    id: `msg-${leadId}-${attempts}-${Math.random().toString(36).slice(2, 6)}`,
    attempts,
    body: { v: 1, type: "deliver_lead", leadId, ...extra },
  };
}

/**
 * Runs the `lead-dispatch` (or DLQ) consumer on hand-made messages and reports acks and retry
 * delays. (`getQueueResult` of the installed vitest plugin does not report delays, so `retry` is
 * spied on.)
 */
export async function runConsumer(
  queue: "lead-dispatch" | "lead-dispatch-dlq",
  messages: QueuedMessage[],
  deps: DeliveryDeps,
): Promise<BatchOutcome> {
  const batch = createMessageBatch<unknown>(
    queue,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts, body: m.body })),
  );
  // Whatever the test queued before belongs to it, not to this batch.
  const earlier = { dispatch: takeSent("lead-dispatch"), dlq: takeSent("lead-dispatch-dlq") };
  const outcome: BatchOutcome = { acked: [], retried: new Map(), resent: [], deadLettered: [] };
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    const ack = m.ack.bind(m);
    vi.spyOn(m, "retry").mockImplementation((options?: QueueRetryOptions) => {
      outcome.retried.set(m.id, options?.delaySeconds);
      retry(options);
    });
    vi.spyOn(m, "ack").mockImplementation(() => {
      outcome.acked.push(m.id);
      ack();
    });
  }
  if (queue === "lead-dispatch") await consumeLeadDispatch(batch, env, deps);
  else await consumeLeadDeadLetters(batch, env, deps);
  outcome.resent = takeSent("lead-dispatch");
  outcome.deadLettered = takeSent("lead-dispatch-dlq").map((m) => m.body);
  restore("lead-dispatch", earlier.dispatch);
  restore("lead-dispatch-dlq", earlier.dlq);
  return outcome;
}

/** Puts messages taken out of an outbox back, as the test had queued them. */
function restore(queue: "lead-dispatch" | "lead-dispatch-dlq", messages: SentMessage[]): void {
  const binding = queue === "lead-dispatch" ? env.LEAD_DISPATCH : env.LEAD_DISPATCH_DLQ;
  for (const message of messages) {
    void binding.send(message.body as LeadDispatchMessage, { delaySeconds: message.delaySeconds });
  }
}

/** Deterministic deps: jitter factor exactly 1 (random 0.5), the real fetch (msw intercepts it). */
export function testDeps(overrides: Partial<DeliveryDeps> = {}): DeliveryDeps {
  return { clock: () => Date.now(), random: () => 0.5, fetcher: (input, init) => fetch(input, init), ...overrides };
}
