/**
 * The daily housekeeping's growth bounds (docs/storage.md, "Retention"): closed leads move to the R2
 * archive and stay readable by id through the admin API; re-running (also after an interrupted step)
 * changes nothing; raw candidates and rollups past retention go; the statistics change log loses
 * only the rows every kept snapshot has folded.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/domain/time";
import { archiveClosedLeads } from "../../src/storage/lead-archive";
import { forgetServingModels } from "../../src/storage/model-store";
import { leadEvents } from "../../src/storage/schema";
import { shardOfId } from "../../src/storage/shards";
import { foldAllPendingRollups } from "../../src/usecases/analytics/fold-rollups";
import { runHousekeeping } from "../../src/usecases/housekeeping";
import { retrainModel } from "../../src/usecases/model/retrain";
import { allShardsD1 } from "../all-shards";
import { api, seedCompany, seedKey, seedService, shardD1s, shardDbOf } from "../harness";
import { seedCandidates, seedClientRow, seedLead } from "../http/routes/analytics/fixtures";

const NOW = Date.UTC(2026, 11, 5, 3, 17);
let bank: { id: string };
let service: { id: string };
let clientId: string;

async function count(sql: string, ...bindings: unknown[]): Promise<number> {
  // Every table counted here is client data: summed over the shards.
  const row = await allShardsD1
    .prepare(sql)
    .bind(...bindings)
    .first<{ n: number }>();
  return row!.n;
}

async function archiveKeys(): Promise<string[]> {
  const listed = await env.ARCHIVE.list({ prefix: "leads/" });
  return listed.objects.map((object) => object.key).sort();
}

/** A lead as the lead call leaves it, with a few lifecycle events. */
async function lead(status: "accepted" | "declined" | "queued" | "failed", createdAt: number): Promise<string> {
  const id = await seedLead({
    clientId,
    serviceId: service.id,
    sourceCompanyId: bank.id,
    targetCompanyId: bank.id,
    status,
    createdAt,
  });
  await shardDbOf(id)
    .insert(leadEvents)
    .values([
      { leadId: id, type: "created", at: createdAt, detail: "routed" },
      { leadId: id, type: "delivery_attempt", at: createdAt + 1000, httpStatus: 200, latencyMs: 42, attempt: 1 },
      { leadId: id, type: "delivered", at: createdAt + 1000, httpStatus: 200 },
    ]);
  return id;
}

beforeAll(async () => {
  bank = await seedCompany({ name: "Housekeeping bank", kind: "bank" });
  service = await seedService(bank.id, { code: "housekeeping-card" });
  clientId = await seedClientRow(bank.id);
});

describe("archive of closed leads", () => {
  it("moves old closed leads with their events to R2, still found by id; a re-run changes nothing", async () => {
    const old = NOW - 200 * DAY_MS;
    const accepted = await lead("accepted", old);
    const declined = await lead("declined", old + 3600_000);
    const failedOtherDay = await lead("failed", old - DAY_MS);
    const openOld = await lead("queued", old);
    const closedRecent = await lead("accepted", NOW - 10 * DAY_MS);
    const before = await api("GET", `/v1/admin/leads/${accepted}`);
    expect(before.status).toBe(200);

    const first = await runHousekeeping(env, NOW);
    expect(first.shards.reduce((sum, shard) => sum + shard.archivedLeads, 0)).toBe(3);
    const keys = await archiveKeys();
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^leads\/[A-Z_0-9]+\/2026-05-(18|19)\/[0-9a-f]{16}\.ndjson$/);
    for (const id of [accepted, declined, failedOtherDay]) {
      expect(await count("SELECT COUNT(*) AS n FROM leads WHERE id = ?1", id)).toBe(0);
      expect(await count("SELECT COUNT(*) AS n FROM lead_events WHERE lead_id = ?1", id)).toBe(0);
    }
    for (const id of [openOld, closedRecent]) {
      expect(await count("SELECT COUNT(*) AS n FROM leads WHERE id = ?1", id)).toBe(1);
      expect(await count("SELECT COUNT(*) AS n FROM lead_events WHERE lead_id = ?1", id)).toBe(3);
    }

    // The admin API answers the archived lead exactly as it did from D1.
    const after = await api("GET", `/v1/admin/leads/${accepted}`);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    expect((await api("GET", `/v1/admin/leads/${declined}`)).body.lead.status).toBe("declined");
    expect((await api("GET", "/v1/admin/leads/ld_00000000000000000000")).status).toBe(404);

    const objects = await Promise.all(keys.map(async (key) => (await env.ARCHIVE.get(key))!.text()));
    const again = await runHousekeeping(env, NOW);
    expect(again.shards.reduce((sum, shard) => sum + shard.archivedLeads, 0)).toBe(0);
    expect(await archiveKeys()).toEqual(keys);
    expect(await Promise.all(keys.map(async (key) => (await env.ARCHIVE.get(key))!.text()))).toEqual(objects);
  });

  it("a step interrupted after writing its object rewrites the same object when run again", async () => {
    const id = await lead("declined", NOW - 300 * DAY_MS);
    const shard = shardOfId(env, id)!;
    const db = shard.db;
    const before = NOW - 90 * DAY_MS;
    const written: string[] = [];
    // The bucket accepts the object, then the step dies before its D1 batch.
    const interrupted = {
      put: async (key: string, value: string) => {
        written.push(key);
        await env.ARCHIVE.put(key, value);
        throw new Error("isolate went away");
      },
    } as unknown as R2Bucket;
    await expect(archiveClosedLeads(db, interrupted, { binding: shard.binding, before, limit: 10 })).rejects.toThrow();
    expect(await count("SELECT COUNT(*) AS n FROM leads WHERE id = ?1", id)).toBe(1);
    const text = await (await env.ARCHIVE.get(written[0]))!.text();

    const rerun = await archiveClosedLeads(db, env.ARCHIVE, { binding: shard.binding, before, limit: 10 });
    expect(rerun).toEqual({ archived: 1, objects: written });
    expect(await (await env.ARCHIVE.get(written[0]))!.text()).toBe(text);
    expect(await count("SELECT COUNT(*) AS n FROM leads WHERE id = ?1", id)).toBe(0);
    expect((await api("GET", `/v1/admin/leads/${id}`)).body.lead.id).toBe(id);
  });

  it("refuses a retention variable that is not a whole number of days", async () => {
    await expect(runHousekeeping({ ...env, LEAD_ARCHIVE_AFTER_DAYS: "ninety" }, NOW)).rejects.toMatchObject({
      code: "validation_failed",
      items: [{ path: ["env", "LEAD_ARCHIVE_AFTER_DAYS"] }],
    });
  });
});

describe("retention of candidates", () => {
  it("deletes raw candidates past CANDIDATE_RETENTION_DAYS and rollup days past ROLLUP_RETENTION_DAYS", async () => {
    const candidate = {
      clientId,
      serviceId: service.id,
      companyId: bank.id,
      rating: 50,
      decision: "below_threshold" as const,
    };
    await seedCandidates([
      { ...candidate, at: NOW - 31 * DAY_MS },
      { ...candidate, at: NOW - 29 * DAY_MS },
      { ...candidate, at: NOW - 401 * DAY_MS },
      // An experiment's arms are read from raw rows: kept as long as the rollups.
      { ...candidate, at: NOW - 31 * DAY_MS, experimentId: "exp_housekeeping" },
    ]);
    // The nightly cron folds the staged rollup increments before housekeeping purges old days.
    expect((await foldAllPendingRollups(env)).remaining).toBe(0);
    const result = await runHousekeeping(env, NOW);
    expect(result.shards.reduce((sum, shard) => sum + shard.purgedCandidates, 0)).toBe(2);
    expect(await count("SELECT COUNT(*) AS n FROM scored_candidates WHERE at >= ?1", NOW - 30 * DAY_MS)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM scored_candidates WHERE experiment_id IS NOT NULL")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM scored_candidates")).toBe(2);
    // Rollups keep the counts the raw rows no longer hold, except the day past its retention.
    expect(await count("SELECT TOTAL(count) AS n FROM candidate_rollups WHERE service_id = ?1", service.id)).toBe(3);
  });
});

describe("statistics change log", () => {
  it("prunes the rows every kept snapshot folded and leaves the unfolded ones", async () => {
    const insurer = await seedCompany({ name: "Housekeeping insurer" });
    await seedService(insurer.id, { code: "housekeeping-policy", category: "insurance" });
    const crm = await seedKey("crm", bank.id);
    const put = (id: string, i: number) =>
      api("PUT", `/v1/clients/${id}`, {
        key: crm.key,
        body: { age: 30 + i, monthly_income: 100_000, region: "msk", services: { "housekeeping-card": 1 } },
      });
    for (let i = 0; i < 12; i++) expect((await put(`hk-folded-${i}`, i)).status).toBe(201);
    expect((await retrainModel(env, { trigger: "admin" })).status).toBe("trained");
    forgetServingModels();
    for (let i = 0; i < 3; i++) expect((await put(`hk-unfolded-${i}`, i)).status).toBe(201);
    // A fold through the second new row whose publish never pruned (say its run was cut short).
    // Per shard: folded through its second-newest row (its newest stays unfolded).
    const shards = shardD1s();
    const logs = await Promise.all(
      shards.map(
        async (d1) => (await d1.prepare("SELECT id FROM model_stat_deltas ORDER BY id").all<{ id: number }>()).results,
      ),
    );
    const foldedThrough = logs.map((ids) => (ids.length >= 2 ? ids.at(-2)!.id : (ids.at(-1)?.id ?? 0)));
    const positions = JSON.stringify(foldedThrough);
    await env.DB.batch([
      env.DB.prepare("UPDATE model_pointer SET log_positions = ?1").bind(positions),
      env.DB.prepare("UPDATE model_versions SET log_positions = ?1 WHERE status = 'ready'").bind(positions),
    ]);
    const olderThanFolded = async () => {
      let n = 0;
      for (const [i, d1] of shards.entries()) {
        n += (await d1
          .prepare("SELECT COUNT(*) AS n FROM model_stat_deltas WHERE id < ?1")
          .bind(foldedThrough[i])
          .first<{ n: number }>())!.n;
      }
      return n;
    };
    expect(await olderThanFolded()).toBeGreaterThan(0);

    const result = await runHousekeeping(env, Date.now());
    expect(result.prunedChangeLogRows).toBeGreaterThan(0);
    expect(await olderThanFolded()).toBe(0);
    // Each shard's log position itself stays, and so does every row not folded yet.
    for (const [i, d1] of shards.entries()) {
      const kept = (await d1
        .prepare("SELECT COUNT(*) AS n FROM model_stat_deltas WHERE id >= ?1")
        .bind(foldedThrough[i])
        .first<{ n: number }>())!.n;
      expect(kept).toBe(Math.min(2, logs[i].length));
    }
  });
});
