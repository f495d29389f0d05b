/**
 * The chunked full rebuild, its queue steps driven by hand with `createMessageBatch`: it equals the
 * domain's in-memory `rebuildStatistics` over the same data and the incremental statistics' counts;
 * writes that race it are reconciled exactly; duplicate, early and dead-lettered messages are safe.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../../src/domain/errors";
import { rebuildStatistics } from "../../../src/domain/recommender";
import { pageDataset } from "../../../src/domain/recommender/paged-rebuild";
import worker from "../../../src/index";
import { pseudonymize } from "../../../src/lib/crypto";
import { consumeModelRebuild } from "../../../src/queues/model-rebuild/consumer";
import type { ModelRebuildStepMessage } from "../../../src/queues/model-rebuild/message";
import { readClientPage } from "../../../src/storage/model-statistics";
import { findRebuildJob } from "../../../src/storage/model-store";
import { processRebuildStep, type RebuildDeps, startModelRebuild } from "../../../src/usecases/model/rebuild";
import { allShardsD1 } from "../../all-shards";
import { api, db, shardD1s, shardDbs } from "../../harness";
import {
  countRows,
  putClient,
  putClients,
  recommendationsOf,
  retrain,
  seedWorld,
  syntheticClients,
  type World,
} from "../../http/routes/recommendations/fixtures";
import {
  currentSnapshot,
  expectSameGroupFreeCounts,
  expectSameStatistics,
  recomputeStatistics,
} from "./statistics-helpers";

let world: World;
const clients = syntheticClients(40, 17);

/** A queue driven by hand: steps are enqueued here and run one batch at a time. */
function handQueue() {
  const queued: ModelRebuildStepMessage[] = [];
  const deps: RebuildDeps = {
    enqueue: async (_env, message) => {
      queued.push(message);
    },
    clock: () => Date.now(),
  };
  let delivered = 0;
  /** Delivers one message (the next queued one by default) and returns the queue's verdict on it. */
  async function deliver(message = queued.shift()) {
    if (!message) throw new Error("nothing queued");
    const id = `msg-${delivered++}`;
    const batch = createMessageBatch<ModelRebuildStepMessage>("model-rebuild", [
      { id, timestamp: Date.now(), attempts: 1, body: message },
    ]);
    const ctx = createExecutionContext();
    await consumeModelRebuild(batch, env, deps);
    const result = await getQueueResult(batch, ctx);
    return {
      acked: result.explicitAcks.includes(id),
      retried: result.retryMessages.some((retry) => retry.msgId === id),
    };
  }
  /** Delivers queued messages until the job stops enqueueing; returns the number of steps run. */
  async function drain() {
    let steps = 0;
    while (queued.length > 0) {
      expect(await deliver()).toEqual({ acked: true, retried: false });
      steps++;
    }
    return steps;
  }
  return { queued, deps, deliver, drain };
}

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, clients);
  expect((await retrain()).status).toBe("trained");
});

describe("a rebuild in several queue steps", () => {
  it("equals rebuildStatistics over the same data and the incremental counts, and publishes a new generation", async () => {
    const incremental = await currentSnapshot();
    const queue = handQueue();
    const job = await startModelRebuild(env, { requestedBy: "test", clientsPerStep: 7 }, queue.deps);
    expect(job).toMatchObject({ status: "running", phase: "cluster", step: 0, clientsTotal: 40 });

    const steps = await queue.drain();
    // cluster; per shard ⌊n / 7⌋ full pages and a short last one; one reconcile step per shard; finish.
    const perShard = await Promise.all(
      shardD1s().map(async (d1) => (await d1.prepare("SELECT COUNT(*) AS n FROM clients").first<{ n: number }>())!.n),
    );
    const expectedSteps = 1 + perShard.reduce((sum, n) => sum + Math.floor(n / 7) + 1, 0) + perShard.length + 1;
    expect(steps).toBe(expectedSteps);
    const finished = await findRebuildJob(db(), job.id);
    expect(finished).toMatchObject({
      status: "succeeded",
      phase: "done",
      step: expectedSteps,
      clientsDone: 40,
      error: null,
    });
    expect(await env.MODEL.list({ prefix: `model:rebuild:${job.id}` })).toMatchObject({ keys: [] });

    const rebuilt = await currentSnapshot();
    expect(rebuilt.generation).toBe(job.seq);
    expect(rebuilt.generation).toBeGreaterThan(incremental.generation);
    const space = rebuilt.stats.space;
    const pages = await Promise.all(shardDbs().map((shard) => readClientPage(shard, "", 10_000)));
    const dataset = pageDataset(space, {
      clients: pages.flatMap((page) => page.clients),
      cells: pages.flatMap((page) => page.cells),
      maxDeltaId: 0,
    });
    const expected = rebuildStatistics(dataset, space, { groups: rebuilt.stats.nGroups, seed: 1 });
    expectSameStatistics(rebuilt.stats, expected.stats);
    expectSameGroupFreeCounts(rebuilt.stats, incremental.stats);

    const pointer = await env.DB.prepare("SELECT version, generation FROM model_pointer").first<{
      version: string;
      generation: number;
    }>();
    expect(pointer).toEqual({ version: finished!.version, generation: job.seq });
    const served = await recommendationsOf(world.bankCrm, clients[0].id);
    expect(served.body.model.version).toBe(finished!.version);
  });

  it("reconciles client writes that race the rebuild exactly", async () => {
    const queue = handQueue();
    const job = await startModelRebuild(env, { requestedBy: "test", clientsPerStep: 5 }, queue.deps);
    await queue.deliver(); // cluster
    await queue.deliver(); // page 1
    await queue.deliver(); // page 2

    // Which synthetic clients sit in an already read page and in a page still to come (ids are random).
    const byHash = new Map<string, (typeof clients)[number]>();
    for (const client of clients) byHash.set(await pseudonymize(env.PSEUDONYM_KEY, world.bank.id, client.id), client);
    const order = await allShardsD1
      .prepare("SELECT external_hash AS hash FROM clients ORDER BY id")
      .all<{ hash: string }>();
    const read = byHash.get(order.results[0].hash)!;
    const unread = byHash.get(order.results[order.results.length - 1].hash)!;
    await putClient(world.bankCrm, read.id, { ...read.body, age: 70, services: { life_insurance: 1, deposit: -1 } });
    await putClient(world.bankCrm, unread.id, { ...unread.body, region: "spb", services: { mortgage: 1 } });
    await putClients(world.bankCrm, syntheticClients(6, 23, "during"));
    const deal = await api("POST", "/v1/deals", {
      key: world.bankCrm,
      headers: { "idempotency-key": "race-deal" },
      // Deposit: the write above just declined it, so the accepted deal always changes the matrix
      // (a service the client already held would write no change; which client is read first
      // depends on its pseudonym's slot).
      body: { external_id: read.id, service: "deposit", outcome: "accepted" },
    });
    expect(deal.status, JSON.stringify(deal.body)).toBe(201);

    await queue.drain();
    const finished = await findRebuildJob(db(), job.id);
    expect(finished?.status).toBe("succeeded");
    // The already read client's two writes are folded; the unread client's change is not (its page read it).
    expect(finished!.deltasReconciled).toBeGreaterThanOrEqual(2);
    expect(finished!.deltasReconciled).toBeLessThan(9);
    const rebuilt = await currentSnapshot();
    expect(rebuilt.generation).toBe(job.seq);
    expect(rebuilt.stats.clientCount).toBe(46);
    const recount = await recomputeStatistics(rebuilt.stats.space, rebuilt.stats.nGroups, rebuilt.assignmentCentroids);
    expectSameStatistics(rebuilt.stats, recount);
    // Every shard's log folded up to its newest change.
    expect(rebuilt.logPositions).toEqual(
      await Promise.all(
        shardD1s().map(
          async (d1) =>
            (await d1.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM model_stat_deltas").first<{ id: number }>())!.id,
        ),
      ),
    );
  });
});

describe("queue safety", () => {
  it("a duplicate of a committed step is acknowledged without effect; an early one is retried", async () => {
    const queue = handQueue();
    const job = await startModelRebuild(env, { requestedBy: "test", clientsPerStep: 10 }, queue.deps);
    const first = queue.queued[0];
    expect(await queue.deliver()).toEqual({ acked: true, retried: false });
    expect((await findRebuildJob(db(), job.id))?.step).toBe(1);
    // The same message again (queues deliver at least once).
    expect(await queue.deliver(first)).toEqual({ acked: true, retried: false });
    expect((await findRebuildJob(db(), job.id))?.step).toBe(1);
    expect(queue.queued).toHaveLength(1);
    // A message for a step whose predecessor has not committed yet.
    expect(await queue.deliver({ ...first, step: 5 })).toEqual({ acked: false, retried: true });
    expect(await processRebuildStep(env, { ...first, step: 5 }, queue.deps)).toBe("not_ready");

    // Only one rebuild at a time.
    await expect(startModelRebuild(env, { requestedBy: "test" }, queue.deps)).rejects.toSatisfy(
      (error: unknown) => error instanceof DomainError && error.code === "conflict" && error.message.includes(job.id),
    );
    await queue.drain();
    expect((await findRebuildJob(db(), job.id))?.status).toBe("succeeded");
  });

  it("a step that exhausted its retries ends the job as failed (dead-letter queue) and frees the lock", async () => {
    const queue = handQueue();
    const job = await startModelRebuild(env, { requestedBy: "test", clientsPerStep: 10 }, queue.deps);
    const message = queue.queued.shift()!;
    const batch = createMessageBatch<ModelRebuildStepMessage>("model-rebuild-dlq", [
      { id: "dead-1", timestamp: Date.now(), attempts: 9, body: message },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["dead-1"]);
    const failed = await findRebuildJob(db(), job.id);
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toContain("Step 0");
    expect(await env.MODEL.list({ prefix: `model:rebuild:${job.id}` })).toMatchObject({ keys: [] });
    // The pointer still names the last good model, and a new rebuild may start.
    const versions = await countRows("model_versions");
    const next = await startModelRebuild(env, { requestedBy: "test", clientsPerStep: 50 }, queue.deps);
    await queue.drain();
    expect((await findRebuildJob(db(), next.id))?.status).toBe("succeeded");
    expect(await countRows("model_versions")).toBe(versions + 1);
  });

  it("the worker's model-rebuild queue acknowledges the step of a job that no longer runs, and unreadable messages", async () => {
    const queue = handQueue();
    const job = await startModelRebuild(env, { requestedBy: "test", clientsPerStep: 50 }, queue.deps);
    const stale = { ...queue.queued[0], jobId: "rb_gone" };
    const batch = createMessageBatch<unknown>("model-rebuild", [
      { id: "step", timestamp: Date.now(), attempts: 1, body: stale },
      { id: "other", timestamp: Date.now(), attempts: 1, body: { v: 2, type: "from_the_future" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<any>, env, ctx);
    const result = await getQueueResult(batch, ctx);
    // Only the rebuild writes step messages: neither names a running job's step, so both are done with.
    expect(result.explicitAcks).toEqual(["step", "other"]);
    expect(result.retryMessages).toEqual([]);
    expect((await findRebuildJob(db(), job.id))?.step).toBe(0);
    await queue.drain();
    expect((await findRebuildJob(db(), job.id))?.status).toBe("succeeded");
  });
});
