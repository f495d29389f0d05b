import { beforeAll, expect, it } from "vitest";
import { readDealSamples } from "../../../src/storage/training-inputs";
import { MAX_DEAL_SAMPLES } from "../../../src/usecases/model/publish";
import { allShardsD1 } from "../../all-shards";
import { api, shardDbs } from "../../harness";
import {
  putClients,
  random,
  retrain,
  seedWorld,
  syntheticClients,
  type World,
} from "../../http/routes/recommendations/fixtures";
import { insertScoredDeals } from "./statistics-helpers";

let world: World;

/** Inserts `count` deals with a scoring shortly before each (and a misleading one after it). */
async function seedScoredDeals(count: number) {
  const clients = await allShardsD1.prepare("SELECT id FROM clients ORDER BY id").all<{ id: string }>();
  const services = Object.values(world.serviceIds);
  const next = random(5);
  const base = Date.now() - 10 * 86_400_000;
  await insertScoredDeals(
    Array.from({ length: count }, (_, i) => {
      const link = next();
      const accepted = next() < 0.1 + 0.8 * link;
      return {
        clientId: clients.results[i % clients.results.length].id,
        serviceId: services[Math.floor(i / clients.results.length) % services.length],
        companyId: world.bank.id,
        at: base + i * 1000,
        accepted,
        parts: { item: 2 * next(), group: 0.2, link, segment: 0.2, popularity: 0.2, activity: 2 },
        laterParts: { item: 0.999, group: 0.999, link: 0.999, segment: 0.999, popularity: 0.999, activity: 0.999 },
      };
    }),
  );
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
