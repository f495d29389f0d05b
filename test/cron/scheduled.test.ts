/**
 * The cron triggers, called directly with `createScheduledController`: the every-15-minutes tick
 * (lead sweep, then the retrain) and the daily housekeeping. Messages the sweep enqueues land in the
 * test outbox (test/queues/outbox.ts) and are delivered through the Worker's queue handler.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CRON_HOUSEKEEPING, CRON_RETRAIN, handleScheduled } from "../../src/cron/scheduled";
import worker from "../../src/index";
import { beginIdempotent } from "../../src/storage/idempotency";
import { CURRENT_MODEL_KEY } from "../../src/storage/model-store";
import { STALE_LEAD_MS } from "../../src/usecases/lead-delivery/sweep";
import wranglerToml from "../../wrangler.toml?raw";
import { allShardsD1 } from "../all-shards";
import { shardDbs } from "../harness";
import {
  countRows,
  putClient,
  putClients,
  retrain,
  seedWorld,
  syntheticClients,
  type World,
} from "../http/routes/recommendations/fixtures";
import { drain, takeQueued } from "../queues/outbox";
import { events, lead, seedLeads, seedReceiver } from "../usecases/lead-delivery/fixtures";
import { currentSnapshot, expectSameStatistics, recomputeStatistics } from "../usecases/model/statistics-helpers";

let world: World;

async function pointer() {
  return env.DB.prepare("SELECT version, last_delta_id FROM model_pointer WHERE id = 1").first<{
    version: string;
    last_delta_id: number;
  }>();
}

async function tick(cron: string, scheduledTime = Date.now()) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(60, 21));
  expect((await retrain()).status).toBe("trained");
});

describe("*/15 * * * *", () => {
  it("retrains and flips the pointer (D1 and the KV mirror); the next tick with no change writes nothing", async () => {
    const before = await pointer();
    await putClient(world.bankCrm, "cron-client", {
      age: 30,
      monthly_income: 80_000,
      region: "spb",
      services: { debit_card: 1, car_loan: 1 },
    });
    await tick(CRON_RETRAIN);

    const after = await pointer();
    expect(after!.version).not.toBe(before!.version);
    expect(after!.last_delta_id).toBeGreaterThan(before!.last_delta_id);
    const mirror = await env.MODEL.get<{ version: string }>(CURRENT_MODEL_KEY, "json");
    expect(mirror?.version).toBe(after!.version);
    const row = await env.DB.prepare("SELECT trigger, status FROM model_versions WHERE version = ?")
      .bind(after!.version)
      .first<{ trigger: string; status: string }>();
    expect(row).toEqual({ trigger: "cron", status: "ready" });
    const snapshot = await currentSnapshot();
    const recount = await recomputeStatistics(
      snapshot.stats.space,
      snapshot.stats.nGroups,
      snapshot.assignmentCentroids,
    );
    expectSameStatistics(snapshot.stats, recount);

    const versions = await countRows("model_versions");
    await tick(CRON_RETRAIN);
    expect((await pointer())!.version).toBe(after!.version);
    expect(await countRows("model_versions")).toBe(versions);
  });

  it("re-enqueues a lead whose enqueue failed once it is stale, and the queue delivers it", async () => {
    const receiver = await seedReceiver({ url: null });
    const createdAt = Date.now();
    const [row] = await seedLeads(receiver, 1, { createdAt });

    // Younger than the threshold: the enqueue after the write may still be on its way.
    await tick(CRON_RETRAIN, createdAt + STALE_LEAD_MS - 1_000);
    expect(takeQueued("lead-dispatch")).toEqual([]);

    await tick(CRON_RETRAIN, createdAt + STALE_LEAD_MS + 60_000);
    expect((await events(row.id)).at(-1)).toMatchObject({ type: "enqueued", detail: "re-enqueued by the sweep" });
    const drained = await drain("lead-dispatch");
    expect(drained.acked).toEqual([{ v: 1, type: "deliver_lead", leadId: row.id }]);
    // A company without a webhook gets its leads in the inbox.
    expect((await lead(row.id)).status).toBe("queued");
    expect((await events(row.id)).at(-1)?.detail).toMatch(/^skipped: inbox/);
  });

  it("still retrains when the rollup fold fails, then fails the tick with the fold's error", async () => {
    const before = await pointer();
    await putClient(world.bankCrm, "cron-fold-failure", {
      age: 41,
      monthly_income: 95_000,
      region: "msk",
      services: { debit_card: 1 },
    });
    // The pending table gone from one shard: that shard's fold throws.
    await env.SHARD_0.exec("ALTER TABLE candidate_rollup_pending RENAME TO candidate_rollup_pending_away");
    try {
      await expect(tick(CRON_RETRAIN)).rejects.toThrow(/1 cron job\(s\) failed/);
    } finally {
      await env.SHARD_0.exec("ALTER TABLE candidate_rollup_pending_away RENAME TO candidate_rollup_pending");
    }
    expect((await pointer())!.version).not.toBe(before!.version);
  });
});

describe("17 3 * * *", () => {
  it("purges expired idempotency records and nothing else", async () => {
    const now = Date.now();
    const [first, second] = shardDbs();
    await beginIdempotent(first, { principalId: "key_cron", route: "POST /v1/leads", body: "{}", key: "old" }, 0);
    await beginIdempotent(second, { principalId: "key_cron", route: "POST /v1/leads", body: "{}", key: "fresh" }, now);
    const candidates = await countRows("scored_candidates");
    const leads = await countRows("leads");

    await tick(CRON_HOUSEKEEPING, now);
    const keys = await allShardsD1.prepare("SELECT key FROM idempotency_records WHERE principal_id = 'key_cron'").all<{
      key: string;
    }>();
    expect(keys.results.map((r) => r.key)).toEqual(["fresh"]);
    expect(await countRows("scored_candidates")).toBe(candidates);
    expect(await countRows("leads")).toBe(leads);
  });
});

describe("schedule", () => {
  it("wrangler.toml triggers exactly the expressions the handler knows", () => {
    const crons = /crons = \[(.*)\]/.exec(wranglerToml)?.[1];
    expect(crons).toBe(`"${CRON_RETRAIN}", "${CRON_HOUSEKEEPING}"`);
  });

  it("an unknown expression runs nothing", async () => {
    const versions = await countRows("model_versions");
    await handleScheduled(createScheduledController({ cron: "0 0 * * *" }), env, createExecutionContext());
    expect(await countRows("model_versions")).toBe(versions);
    expect(takeQueued("lead-dispatch")).toEqual([]);
  });
});
