import { describe, expect, it } from "vitest";
import {
  applyAcceptanceMap,
  blendLogit,
  type DealSample,
  fitBlend,
  fitDealAcceptanceMap,
  partFeatures,
  Rng,
} from "../../../src/domain/recommender";

/**
 * Deals whose acceptance is a step in the item part (10 % below 2, 85 % above): a logistic line in
 * the blend logit cannot follow a step, an isotonic map can.
 */
function stepDeals(count: number, seed: number): DealSample[] {
  const rng = new Rng(seed);
  const deals: DealSample[] = [];
  for (let i = 0; i < count; i++) {
    const item = rng.next() * 4;
    const parts = { item, group: 0.2, link: 0, segment: 0.2, popularity: 0.2, activity: 2 };
    deals.push({ parts, accepted: rng.next() < (item < 2 ? 0.1 : 0.85) });
  }
  return deals;
}

describe("acceptance map fitted on recorded deals", () => {
  it("maps the blend logit to acceptance when that rates the deals better out of fold", () => {
    const deals = stepDeals(2000, 3);
    const fit = fitBlend(deals);
    expect(fit.source).toBe("deals");
    const acceptance = fitDealAcceptanceMap(fit, deals);
    expect(acceptance.map).not.toBeNull();
    const map = acceptance.map!;
    expect(map.z.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < map.z.length; i++) expect(map.logit[i]).toBeGreaterThanOrEqual(map.logit[i - 1]);
    expect(acceptance.report?.crossValidated).toBe(true);
    expect(acceptance.report!.logLoss).toBeLessThan(fit.report!.logLoss);
    expect(acceptance.report!.ece).toBeLessThan(fit.report!.ece);
    expect(acceptance.note).toMatch(/acceptance map with \d+ knots/);
    // The mapped rating of a clearly low and a clearly high offer matches the planted step.
    const rate = (item: number) => {
      const z = blendLogit(fit.blend, partFeatures({ ...deals[0].parts, item }));
      return 1 / (1 + Math.exp(-applyAcceptanceMap(map, z)));
    };
    expect(rate(0.5)).toBeGreaterThan(0.05);
    expect(rate(0.5)).toBeLessThan(0.16);
    expect(rate(3.5)).toBeGreaterThan(0.78);
    expect(rate(3.5)).toBeLessThan(0.92);
  });

  it("keeps the blend's own ratings with the default blend or too few deals", () => {
    const few = stepDeals(150, 4);
    const defaults = fitBlend(few);
    expect(defaults.source).toBe("default");
    expect(fitDealAcceptanceMap(defaults, few)).toMatchObject({ map: null, report: null });
    const some = stepDeals(260, 4);
    const fit = fitBlend(some);
    expect(fit.source).toBe("deals");
    const acceptance = fitDealAcceptanceMap(fit, some, 200);
    expect(acceptance.map).toBeNull();
    expect(acceptance.note).toMatch(/260 deals, it needs 400/);
  });

  it("is deterministic: the same deals give the same map", () => {
    const deals = stepDeals(1200, 9);
    const a = fitDealAcceptanceMap(fitBlend(deals), deals);
    const b = fitDealAcceptanceMap(fitBlend(deals), deals);
    expect(a.map).toEqual(b.map);
  });
});
