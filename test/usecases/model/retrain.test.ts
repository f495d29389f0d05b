import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModel } from "../../../src/domain/recommender";
import { CURRENT_MODEL_KEY } from "../../../src/storage/model-store";
import { retrainModel } from "../../../src/usecases/model/retrain";
import { api, seedService, shardD1s } from "../../harness";
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
import { currentSnapshot, expectSameStatistics, recomputeStatistics } from "./statistics-helpers";

let world: World;

async function pointer() {
  return env.DB.prepare("SELECT * FROM model_pointer WHERE id = 1").first<{
    version: string;
    seq: number;
    generation: number;
    last_delta_id: number;
    artefact_key: string;
    snapshot_key: string;
  }>();
}

/** The current snapshot equals a from-scratch count of D1 under the same assignment centroids. */
async function expectExactStatistics() {
  const snapshot = await currentSnapshot();
  const recount = await recomputeStatistics(snapshot.stats.space, snapshot.stats.nGroups, snapshot.assignmentCentroids);
  expectSameStatistics(snapshot.stats, recount);
  return snapshot;
}

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(60, 21));
  expect((await retrain()).status).toBe("trained");
});

describe("incremental statistics", () => {
  it("after many kinds of writes, the retrain's statistics equal a recount from the raw tables", async () => {
    const before = await currentSnapshot();
    // New clients, including a region and needs the feature space has never seen.
    await putClients(world.bankCrm, syntheticClients(25, 99, "new"));
    await putClient(world.insurerCrm, "insurer-client", {
      age: 67,
      monthly_income: 45_000,
      region: "RU-PRI",
      needs: ["retirement", "housing"],
      services: { life_insurance: 1, property_insurance: -1 },
    });
    // Profile changes that move clients across segments and groups, value flips and new cells.
    for (const [i, client] of syntheticClients(60, 21).slice(0, 12).entries()) {
      const body = { ...client.body, services: { ...client.body.services } };
      if (i % 3 === 0) body.age = body.age < 40 ? 66 : 22;
      if (i % 3 === 1) body.monthly_income = body.monthly_income > 100_000 ? 25_000 : 350_000;
      if (i % 3 === 2) body.needs = ["travel"];
      body.services.deposit = body.services.deposit === 1 ? -1 : 1;
      body.services.car_insurance = 1;
      await putClient(world.bankCrm, client.id, body);
    }
    // A deal reported by a CRM goes through the deal write, not client intake.
    const deal = await api("POST", "/v1/deals", {
      key: world.bankCrm,
      headers: { "idempotency-key": "deal-1" },
      body: { external_id: "crm-0001", service: "mortgage", outcome: "declined" },
    });
    expect(deal.status, JSON.stringify(deal.body)).toBe(201);
    // Re-sending an unchanged client logs nothing.
    const changesBefore = await countRows("model_stat_deltas");
    await putClient(world.insurerCrm, "insurer-client", {
      age: 67,
      monthly_income: 45_000,
      region: "RU-PRI",
      needs: ["retirement", "housing"],
      services: { life_insurance: 1, property_insurance: -1 },
    });
    expect(await countRows("model_stat_deltas")).toBe(changesBefore);

    const result = await retrain();
    expect(result.status).toBe("trained");
    const after = await expectExactStatistics();
    expect(after.generation).toBe(before.generation);
    expect(after.stats.clientCount).toBe(before.stats.clientCount + 26);
    // The unknown region and needs share the "other" slot / are ignored: the vocabulary is that of the rebuild.
    expect(after.stats.space.regions).toEqual(before.stats.space.regions);
  });

  it("a service created after the model widens the statistics and the model at the next retrain", async () => {
    const service = await seedService(world.insurer.id, {
      code: "travel_insurance",
      name: "travel insurance",
      category: "insurance",
    });
    for (const client of syntheticClients(60, 21).slice(20, 35)) {
      await putClient(world.bankCrm, client.id, {
        ...client.body,
        services: { ...client.body.services, travel_insurance: 1 },
      });
    }
    const before = await recommendationsOf(world.bankCrm, "crm-0050", "?limit=50");
    expect(before.body.recommendations.map((item: any) => item.code)).not.toContain("travel_insurance");

    expect((await retrain()).status).toBe("trained");
    const snapshot = await expectExactStatistics();
    expect(snapshot.stats.space.nServices).toBe(service.modelIndex + 1);
    expect(snapshot.stats.servicePositive[service.modelIndex]).toBe(15);
    const after = await recommendationsOf(world.bankCrm, "crm-0050", "?limit=50");
    expect(after.body.recommendations.map((item: any) => item.code)).toContain("travel_insurance");
  });
});

describe("idempotency and concurrency", () => {
  it("retraining twice with no change answers unchanged and writes nothing", async () => {
    await putClient(world.bankCrm, "idem-client", { age: 50, monthly_income: 120_000, region: "msk" });
    expect((await retrainModel(env, { trigger: "admin" })).status).toBe("trained");
    const versions = await countRows("model_versions");
    const keys = (await env.MODEL.list()).keys.length;
    const again = await retrainModel(env, { trigger: "admin" });
    expect(again.status).toBe("unchanged");
    expect(await countRows("model_versions")).toBe(versions);
    expect((await env.MODEL.list()).keys.length).toBe(keys);
  });

  it("concurrent retrains leave one valid, decodable current model and a consistent pointer", async () => {
    await putClients(world.bankCrm, syntheticClients(10, 5, "race"));
    const results = await Promise.all([
      retrainModel(env, { trigger: "admin" }),
      retrainModel(env, { trigger: "cron" }),
      retrainModel(env, { trigger: "admin" }),
    ]);
    const statuses = results.map((result) => result.status).sort();
    expect(statuses.every((status) => status === "trained" || status === "superseded")).toBe(true);
    expect(statuses).toContain("trained");

    const current = await pointer();
    const trained = results.flatMap((result) => (result.status === "trained" ? [result.version] : []));
    expect(trained).toContain(current!.version);
    // D1 pointer, KV mirror and artefact agree, and the artefact decodes with a full check.
    const mirror = await env.MODEL.get<{ version: string }>(CURRENT_MODEL_KEY, "json");
    expect(mirror?.version).toBe(current!.version);
    const bytes = await env.MODEL.get(current!.artefact_key, "arrayBuffer");
    expect(decodeModel(new Uint8Array(bytes!), { verify: "full" }).version).toBe(current!.version);
    // Losers deleted what they wrote; the winner's statistics are exact.
    for (const result of results) {
      if (result.status !== "superseded") continue;
      expect(await env.MODEL.get(`model:artefact:${result.version}`)).toBeNull();
      expect(await env.MODEL.get(`model:snapshot:${result.version}`)).toBeNull();
      const row = await env.DB.prepare("SELECT status FROM model_versions WHERE version = ?")
        .bind(result.version)
        .first<{ status: string }>();
      expect(row?.status).toBe("discarded");
    }
    await expectExactStatistics();
    const served = await recommendationsOf(world.bankCrm, "race-0001");
    expect(served.body.model.version).toBe(current!.version);
  });

  it("keeps the artefacts of the newest versions only and prunes folded change-log rows", async () => {
    const ready = await env.DB.prepare(
      "SELECT artefact_key, snapshot_key FROM model_versions WHERE status = 'ready'",
    ).all<{
      artefact_key: string;
      snapshot_key: string;
    }>();
    expect(ready.results.length).toBeLessThanOrEqual(3);
    const keys = new Set((await env.MODEL.list({ prefix: "model:" })).keys.map((key) => key.name));
    for (const row of ready.results) {
      expect(keys.has(row.artefact_key)).toBe(true);
      expect(keys.has(row.snapshot_key)).toBe(true);
    }
    const pruned = await env.DB.prepare("SELECT artefact_key FROM model_versions WHERE status = 'pruned'").all<{
      artefact_key: string;
    }>();
    expect(pruned.results.length).toBeGreaterThan(0);
    for (const row of pruned.results) expect(keys.has(row.artefact_key)).toBe(false);
    // Per shard: the oldest change kept is at or after the oldest position a kept version folded.
    const kept = await env.DB.prepare("SELECT log_positions FROM model_versions WHERE status = 'ready'").all<{
      log_positions: string;
    }>();
    const positions = kept.results.map((row) => JSON.parse(row.log_positions) as number[]);
    const shards = shardD1s();
    for (const [index, d1] of shards.entries()) {
      const log = await d1.prepare("SELECT MIN(id) AS first FROM model_stat_deltas").first<{ first: number | null }>();
      if (log?.first === null || log?.first === undefined) continue;
      expect(log.first).toBeGreaterThanOrEqual(Math.min(...positions.map((p) => p[index] ?? 0)));
    }
  });
});
