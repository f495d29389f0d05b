/**
 * The eval's interest part is wired: on the demo bank with planted browsing, the hybrid ranks
 * differently with interests than without, and better (browsing is planted to precede take-up).
 */
import { describe, expect, it } from "vitest";
import { generateBankDataset } from "../../../scripts/datagen/demo";
import { evaluateInterest } from "../../../scripts/eval/interest";
import { trainHybrid } from "../../../scripts/eval/pipeline";
import { splitDataset } from "../../../src/domain/recommender";

describe("eval --browsing", () => {
  it("ranks better with planted interests than without, ratings still calibrated within a few points", () => {
    const generated = generateBankDataset({ preset: "demo", clients: 800, seed: 7 });
    const catalog = generated.catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category }));
    const links = generated.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight }));
    const { train, test } = splitDataset(generated.dataset, "random", { seed: 7 });
    const options = {
      seed: 7,
      split: "random" as const,
      k: 5,
      itemModel: "ease" as const,
      easeLambda: 1,
      declineWeight: 0.25,
      profileShare: 0.5,
      neighbours: 100,
      shrink: 0,
      nearestGroups: 3,
      smoothing: 10,
      userNeighbours: 50,
      offersPerClient: 50,
      tuneBlend: false,
    };
    const hybrid = trainHybrid(train, catalog, links, options);
    const result = evaluateInterest(train, test, hybrid.model, { k: 5, seed: 7, halfLifeDays: 14 });
    expect(result.browsedHeldOut).toBeGreaterThan(0);
    expect(result.with.ndcg).not.toBe(result.without.ndcg);
    expect(result.with.ndcg).toBeGreaterThan(result.without.ndcg);
    expect(result.with.withBrowsingReason).toBeGreaterThan(0);
    expect(result.without.withBrowsingReason).toBe(0);
    // Bounded lift: the mean rating of the top k moves by a few points at most.
    expect(Math.abs(result.with.meanRating - result.without.meanRating)).toBeLessThan(5);
  });
});
