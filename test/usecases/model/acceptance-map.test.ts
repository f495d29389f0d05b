/**
 * The Worker's retrain fits the acceptance map on recorded deals (accepted / declined with the part
 * scores the offer was made with), so the ratings it serves read as acceptance %: the published model
 * carries the map, the admin view reports it, and the lead call's ratings are the mapped blend logits.
 */
import { env } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";
import {
  applyAcceptanceMap,
  blendLogit,
  PART_NAMES,
  type PartScores,
  partFeatures,
  ratingFromLogit,
} from "../../../src/domain/recommender";
import { getServingModel } from "../../../src/storage/model-store";
import { allShardsD1 } from "../../all-shards";
import { api } from "../../harness";
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

/**
 * Deals whose acceptance is a step in the link part (10 % below 0.5, 85 % above), each with a
 * scoring shortly before it: the logistic blend alone cannot follow a step, the map can.
 */
async function seedStepDeals(count: number) {
  const clients = await allShardsD1.prepare("SELECT id FROM clients ORDER BY id").all<{ id: string }>();
  const services = Object.values(world.serviceIds);
  const next = random(11);
  const base = Date.now() - 20 * 86_400_000;
  await insertScoredDeals(
    Array.from({ length: count }, (_, i) => {
      const link = next();
      return {
        clientId: clients.results[i % clients.results.length].id,
        serviceId: services[Math.floor(i / clients.results.length) % services.length],
        companyId: world.bank.id,
        at: base + i * 1000,
        accepted: next() < (link < 0.5 ? 0.1 : 0.85),
        parts: { item: 0.5 * next(), group: 0.2, link, segment: 0.2, popularity: 0.2, activity: 2 },
      };
    }),
  );
}

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(60, 21));
  expect((await retrain()).status).toBe("trained");
});

it("without recorded deals the model has no acceptance map", async () => {
  const serving = (await getServingModel(env)).serving;
  expect(serving?.model.calibration.source).toBe("default");
  expect(serving?.model.calibration.acceptanceMap ?? null).toBeNull();
});

it("a retrain on recorded deals fits the acceptance map and serves mapped ratings", async () => {
  await seedStepDeals(1200);
  expect((await retrain()).status).toBe("trained");

  const serving = (await getServingModel(env)).serving;
  const model = serving?.model;
  expect(model?.calibration.source).toBe("deals");
  const map = model?.calibration.acceptanceMap;
  expect(map, model?.calibration.note).toBeTruthy();
  if (!model || !map) return;
  expect(map.z.length).toBeGreaterThanOrEqual(2);

  const status = await api("GET", "/v1/admin/model");
  const calibration = status.body.current.calibration;
  expect(calibration.note).toMatch(/acceptance map with \d+ knots/);
  expect(calibration.report.samples).toBe(1200);
  // The report describes the mapped ratings, out of fold: a step is followed within a few points.
  expect(calibration.report.ece).toBeLessThan(8);

  // The lead call's ratings are the mapped blend logits of the parts it records.
  const lead = await api("POST", "/v1/leads", {
    key: world.bankCrm,
    body: { external_id: "crm-map-1", age: 34, monthly_income: 130_000, region: "msk", services: { mortgage: 1 } },
  });
  expect([200, 201], JSON.stringify(lead.body)).toContain(lead.status);
  const scored = await allShardsD1
    .prepare(
      `SELECT rating, ${PART_NAMES.map((name) => `part_${name} AS "${name}"`).join(", ")}
         FROM scored_candidates WHERE rating <> 50 ORDER BY rating DESC`,
    )
    .all<PartScores & { rating: number }>();
  expect(scored.results.length).toBeGreaterThan(0);
  for (const row of scored.results) {
    const z = blendLogit(model.blend, partFeatures(row));
    expect(row.rating).toBeCloseTo(ratingFromLogit(applyAcceptanceMap(map, z)), 1);
  }
});
