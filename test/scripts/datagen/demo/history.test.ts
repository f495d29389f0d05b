/**
 * The demo's recorded history (scripts/datagen/demo/history.ts) and the model a fresh start trains
 * from the demo are functions of the seed: the same fresh start gives the same history and a
 * byte-identical model artefact. (`npm run test:walkthrough` proves the same end to end, through
 * two real `npm run dev` starts.)
 */
import { describe, expect, it } from "vitest";
import { DEMO_DEFAULT_CLIENTS, DEMO_DEFAULT_SEED, generateBankDataset } from "../../../../scripts/datagen/demo";
import { type DemoHistory, generateDemoHistory, LAUNCH_THRESHOLD } from "../../../../scripts/datagen/demo/history";
import {
  type DealSample,
  defaultGroupCount,
  encodeModel,
  featureSpaceFromDataset,
  MIN_DEALS_FOR_FIT,
  rebuildStatistics,
  trainFromStatistics,
} from "../../../../src/domain/recommender";

const NOW = Date.UTC(2026, 10, 20);
const THRESHOLD = 45;
function build(seed: number, clients = DEMO_DEFAULT_CLIENTS): { history: DemoHistory; artefact: Uint8Array } {
  const data = generateBankDataset({ preset: "demo", clients, seed, now: NOW });
  const history = generateDemoHistory({
    data,
    threshold: THRESHOLD,
    now: NOW,
    seed,
    isControl: (client) => client % 10 === 0,
  });
  const candidateOfLead = new Map(history.candidates.filter((c) => c.lead !== null).map((c) => [c.lead, c]));
  const deals: DealSample[] = history.deals
    .filter((deal) => deal.lead !== null)
    .map((deal) => ({ parts: candidateOfLead.get(deal.lead)!.parts, accepted: deal.outcome === "accepted" }));
  const { stats } = rebuildStatistics(data.dataset, featureSpaceFromDataset(data.dataset), {
    groups: defaultGroupCount(clients),
    seed: 1,
  });
  const catalog = data.catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category }));
  const links = data.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight }));
  const model = trainFromStatistics(stats, catalog, links, { version: "v1", trainedAt: NOW }, deals);
  return { history, artefact: encodeModel(model) };
}

describe("demo history", () => {
  // The demo as `npm run dev` seeds it.
  const first = build(DEMO_DEFAULT_SEED);

  it("is the same for the same seed, and the model trained from it is byte-identical", () => {
    const second = build(DEMO_DEFAULT_SEED);
    expect(second.history).toEqual(first.history);
    expect(Buffer.from(second.artefact).equals(Buffer.from(first.artefact))).toBe(true);
    expect(build(7, 600).history.leads).not.toEqual(build(8, 600).history.leads);
  });

  it("has enough deals of both outcomes to fit the blend, all in the past", () => {
    const { history } = first;
    expect(history.fitted).toBe(true);
    const withLead = history.deals.filter((d) => d.lead !== null);
    expect(withLead.length).toBeGreaterThanOrEqual(MIN_DEALS_FOR_FIT);
    expect(withLead.filter((d) => d.outcome === "accepted").length).toBeGreaterThan(20);
    expect(withLead.filter((d) => d.outcome === "declined").length).toBeGreaterThan(20);
    for (const deal of history.deals) expect(deal.occurredAt).toBeLessThan(NOW);
    for (const lead of history.leads) expect(lead.outcomeAt ?? lead.deliveredAt).toBeLessThan(NOW);
  });

  it("leads follow the threshold in force, and held-out clients get no lead", () => {
    for (const candidate of first.history.candidates) {
      if (candidate.decision === "lead" || candidate.decision === "control") {
        expect(candidate.rating).toBeGreaterThanOrEqual(candidate.threshold);
      }
      if (candidate.decision === "control") expect(candidate.lead).toBeNull();
    }
    const thresholds = new Set(first.history.candidates.map((c) => c.threshold));
    expect(thresholds).toEqual(new Set([LAUNCH_THRESHOLD, THRESHOLD]));
    // Volume around the demo threshold: candidates just below and just above it.
    const near = first.history.candidates.filter(
      (c) => c.threshold === THRESHOLD && Math.abs(c.rating - THRESHOLD) < 5,
    );
    expect(near.length).toBeGreaterThan(50);
  });
});
