import { describe, expect, it } from "vitest";
import {
  COUNT_ROUNDING,
  isTooClose,
  mayBeTooClose,
  NOISE_AMPLITUDE,
  noiseFromSeed,
  symmetricDifference,
  visibleCount,
} from "../../../src/domain/audiences/disclosure";
import {
  audienceFilterKey,
  canonicalAudienceFilter,
  parseAudienceFilterKey,
} from "../../../src/domain/audiences/filter";

describe("audience disclosure rules", () => {
  it("suppresses below k and rounds what it shows", () => {
    expect(visibleCount(99, 100, 0)).toBeNull();
    expect(visibleCount(100, 100, 0)).toBe(100);
    expect(visibleCount(304, 100, 0)).toBe(300);
    expect(visibleCount(305, 100, 0)).toBe(310);
    // Noise never pushes a shown count under k's multiple of 10.
    expect(visibleCount(100, 100, -NOISE_AMPLITUDE)).toBe(100);
  });

  it("draws every noise value in [-A, A] and nothing outside", () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 10_000; seed++) seen.add(noiseFromSeed(seed * 2_654_435_761));
    expect(Math.min(...seen)).toBe(-NOISE_AMPLITUDE);
    expect(Math.max(...seen)).toBe(NOISE_AMPLITUDE);
    expect(seen.size).toBe(2 * NOISE_AMPLITUDE + 1);
    for (let t = 100; t < 400; t++)
      expect(visibleCount(t, 100, noiseFromSeed(t)) ?? 0).toSatisfy((v: number) => v % COUNT_ROUNDING === 0);
  });

  it("computes |A Δ B| and only compares queries within k in size", () => {
    expect(symmetricDifference(300, 265, 265)).toBe(35);
    expect(symmetricDifference(300, 100, 0)).toBe(400);
    expect(mayBeTooClose(300, 265, 100)).toBe(true);
    expect(mayBeTooClose(300, 200, 100)).toBe(false);
    expect(isTooClose(35, 100)).toBe(true);
    expect(isTooClose(100, 100)).toBe(false);
  });

  it("gives one canonical key to filters that differ in order, duplicates and empty dimensions", () => {
    const a = canonicalAudienceFilter({
      regions: ["RU-SPE", "RU-MOW", "RU-MOW"],
      genders: ["male", "female"],
      needs: [],
    });
    const b = canonicalAudienceFilter({ genders: ["female", "male"], regions: ["RU-MOW", "RU-SPE"] });
    expect(audienceFilterKey(a)).toBe(audienceFilterKey(b));
    expect(audienceFilterKey(a)).toBe('{"genders":["female","male"],"regions":["RU-MOW","RU-SPE"]}');
    expect(parseAudienceFilterKey(audienceFilterKey(a))).toEqual(a);
  });
});
