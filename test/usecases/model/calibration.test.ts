import { beforeAll, expect, it } from "vitest";
import { PART_NAMES } from "../../../src/domain/recommender";
import { newClientOwnedId, requireSlotOfId } from "../../../src/storage/shards";
import { readDealSamples } from "../../../src/storage/training-inputs";
import { MAX_DEAL_SAMPLES } from "../../../src/usecases/model/publish";
import { allShardsD1 } from "../../all-shards";
import { api, shardD1Of, shardDbs } from "../../harness";
import {
  putClients,
  random,
  retrain,
  seedWorld,
  syntheticClients,
  type World,
} from "../../http/routes/recommendations/fixtures";

let world: World;

/** Inserts `count` deals with a scoring shortly before each (and a misleading one after it). */
async function seedScoredDeals(count: number) {
  const clients = await allShardsD1.prepare("SELECT id FROM clients ORDER BY id").all<{ id: string }>();
  const services = Object.values(world.serviceIds);
  const next = random(5);
  // Each client's rows go to its own shard.
  const statements = new Map<D1Database, D1PreparedStatement[]>();
  const add = (clientId: string, statement: (d1: D1Database) => D1PreparedStatement) => {
    const d1 = shardD1Of(clientId);
    const list = statements.get(d1) ?? [];
    list.push(statement(d1));
    statements.set(d1, list);
  };
  const base = Date.now() - 10 * 86_400_000;
  for (let i = 0; i < count; i++) {
    const clientId = clients.results[i % clients.results.length].id;
    const serviceId = services[Math.floor(i / clients.results.length) % services.length];
    const link = next();
    const accepted = next() < 0.1 + 0.8 * link;
    const at = base + i * 1000;
    const parts = { item: 2 * next(), group: 0.2, link, segment: 0.2, popularity: 0.2, activity: 2 };
    const columns = PART_NAMES.map((name) => `part_${name}`).join(", ");
    const placeholders = PART_NAMES.map(() => "?").join(", ");
    const scored = `INSERT INTO scored_candidates (client_id, service_id, company_id, rating, threshold, decision, at, ${columns})
                    VALUES (?, ?, ?, 50, 70, 'lead', ?, ${placeholders})`;
    add(clientId, (d1) =>
      d1.prepare(scored).bind(clientId, serviceId, world.bank.id, at, ...PART_NAMES.map((name) => parts[name])),
    );
    // A later scoring must not be joined to the earlier deal.
    add(clientId, (d1) =>
      d1.prepare(scored).bind(clientId, serviceId, world.bank.id, at + 500, ...PART_NAMES.map(() => 0.999)),
    );
    add(clientId, (d1) =>
      d1
        .prepare(
          `INSERT INTO deals (id, client_id, service_id, company_id, outcome, reported_by, occurred_at, created_at)
           VALUES (?, ?, ?, ?, ?, 'crm', ?, ?)`,
        )
        .bind(
          newClientOwnedId("dl", requireSlotOfId(clientId)),
          clientId,
          serviceId,
          world.bank.id,
          accepted ? "accepted" : "declined",
          at + 100,
          at + 100,
        ),
    );
  }
  for (const [d1, list] of statements) {
    for (let i = 0; i < list.length; i += 90) await d1.batch(list.slice(i, i + 90));
  }
}

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(50, 8));
  expect((await retrain()).status).toBe("trained");
});

it("joins each deal with the part scores of its last scoring at or before it", async () => {
  await seedScoredDeals(260);
  const samples = await readDealSamples(shardDbs(), MAX_DEAL_SAMPLES);
  expect(samples).toHaveLength(260);
  for (const sample of samples) {
    expect(sample.parts.group).toBe(0.2);
    expect(sample.parts.link).toBeLessThan(0.999);
  }
  expect(samples.some((sample) => sample.accepted)).toBe(true);
  expect(samples.some((sample) => !sample.accepted)).toBe(true);
});

it("a retrain with enough deals fits the blend on them and reports the calibration", async () => {
  const result = await retrain();
  expect(result.status).toBe("trained");
  const status = await api("GET", "/v1/admin/model");
  const calibration = status.body.current.calibration;
  expect(calibration.source).toBe("deals");
  expect(calibration.samples).toBe(260);
  expect(calibration.report.samples).toBe(260);
  expect(calibration.report.buckets).toHaveLength(10);
  expect(calibration.report.auc).toBeGreaterThan(0.6);
  // Acceptance follows the link part here, so the fit gives it weight.
  expect(calibration.blend.link).toBeGreaterThan(0);
  // Nothing changed since: the same deals do not retrain again.
  expect((await retrain()).status).toBe("unchanged");
});
