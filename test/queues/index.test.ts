/**
 * The Worker's queue entry point: each batch goes to the consumer of its queue (`batch.queue`), a
 * queue bound by mistake keeps its messages, and a message of one queue is never run by another's
 * consumer.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { findRebuildJob } from "../../src/storage/model-store";
import { startModelRebuild } from "../../src/usecases/model/rebuild";
import wranglerToml from "../../wrangler.toml?raw";
import { db, shardD1s } from "../harness";
import { putClients, seedWorld, syntheticClients } from "../http/routes/recommendations/fixtures";
import {
  events,
  lead,
  message,
  runConsumer,
  seedLeads,
  seedReceiver,
  testDeps,
} from "../usecases/lead-delivery/fixtures";
import { drain, takeQueued } from "./outbox";

const ENDPOINT = "https://partner.example/hooks/leads";
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function runWorker(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<never>, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("queue entry point", () => {
  it("runs lead-dispatch-dlq batches through the dead-letter consumer", async () => {
    const receiver = await seedReceiver({ url: ENDPOINT });
    const [row] = await seedLeads(receiver);
    server.use(http.post(ENDPOINT, () => new HttpResponse(null, { status: 500 })));
    await runConsumer("lead-dispatch", [message(row.id)], testDeps());

    const result = await runWorker("lead-dispatch-dlq", [{ v: 1, type: "deliver_lead", leadId: row.id }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect((await lead(row.id)).status).toBe("failed");
    expect((await events(row.id)).at(-1)?.type).toBe("dead_lettered");
  });

  it("runs lead-dispatch batches through the delivery consumer", async () => {
    const receiver = await seedReceiver({ url: ENDPOINT });
    const [row] = await seedLeads(receiver);
    server.use(http.post(ENDPOINT, () => new HttpResponse(null, { status: 204 })));
    const result = await runWorker("lead-dispatch", [{ v: 1, type: "deliver_lead", leadId: row.id }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect((await lead(row.id)).status).toBe("delivered");
  });

  it("runs model-rebuild batches through the rebuild consumer, step after step", async () => {
    const world = await seedWorld();
    await putClients(world.bankCrm, syntheticClients(12, 5));
    const job = await startModelRebuild(env, { requestedBy: "test", clientsPerStep: 5 });
    // cluster; per shard ⌊n / 5⌋ full pages and a short last one; a reconcile step per shard; finish:
    // each step enqueues the next one.
    const perShard = await Promise.all(
      shardD1s().map(async (d1) => (await d1.prepare("SELECT COUNT(*) AS n FROM clients").first<{ n: number }>())!.n),
    );
    const drained = await drain("model-rebuild");
    expect(drained).toMatchObject({
      batches: 2 + perShard.length + perShard.reduce((sum, n) => sum + Math.floor(n / 5) + 1, 0),
      retried: [],
    });
    expect(await findRebuildJob(db(), job.id)).toMatchObject({
      status: "succeeded",
      phase: "done",
      clientsDone: job.clientsTotal,
    });
  });

  it("does not run a rebuild step that arrives on the lead queue, nor a lead on the rebuild queue", async () => {
    const step = { v: 1, type: "model_rebuild_step", jobId: "rb_x", step: 0 };
    const deliver = { v: 1, type: "deliver_lead", leadId: "ld_x" };
    // Lead delivery keeps what it cannot read (retries, then its dead-letter queue).
    expect((await runWorker("lead-dispatch", [step])).retryMessages.map((retry) => retry.msgId)).toEqual(["m0"]);
    // Only the rebuild writes step messages: anything else on its queue has no job to drive and is dropped.
    expect((await runWorker("model-rebuild", [deliver])).explicitAcks).toEqual(["m0"]);
    expect((await runWorker("model-rebuild-dlq", [deliver])).explicitAcks).toEqual(["m0"]);
    expect(takeQueued("lead-dispatch")).toEqual([]);
    expect(takeQueued("model-rebuild")).toEqual([]);
  });

  it("retries the whole batch of a queue bound by mistake", async () => {
    const result = await runWorker("some-other-queue", [{}]);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
  });

  it("wrangler.toml binds a producer, a consumer and a dead-letter consumer for each queue", () => {
    const consumers = wranglerToml.split("[[queues.consumers]]").slice(1);
    const consumerOf = (queue: string) => consumers.find((block: string) => block.includes(`queue = "${queue}"\n`));
    for (const [queue, binding] of [
      ["lead-dispatch", "LEAD_DISPATCH"],
      ["model-rebuild", "MODEL_REBUILD"],
    ]) {
      expect(wranglerToml).toContain(`binding = "${binding}"\nqueue = "${queue}"`);
      expect(consumerOf(queue)).toMatch(new RegExp(`dead_letter_queue = "${queue}-dlq"`));
      expect(consumerOf(`${queue}-dlq`)).toBeDefined();
    }
  });
});
