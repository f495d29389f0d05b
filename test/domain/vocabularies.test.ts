import { describe, expect, it } from "vitest";
import { DEMO_NEEDS, DEMO_REGIONS } from "../../scripts/datagen/demo";
import { SEED_NEED_TAGS } from "../../src/domain/vocabularies/needs";
import { canonicalRegion, REGION_ALIASES, REGIONS } from "../../src/domain/vocabularies/regions";
import { RUSSIAN_FEDERAL_SUBJECTS } from "../../src/domain/vocabularies/regions-ru";

describe("region vocabulary", () => {
  it("holds the 83 ISO 3166-2:RU subjects and the country codes abroad, each once", () => {
    expect(RUSSIAN_FEDERAL_SUBJECTS).toHaveLength(83);
    expect(new Set(REGIONS.map((r) => r.code)).size).toBe(REGIONS.length);
    expect(REGIONS.every((r) => /^(RU-[A-Z]{2,3}|[A-Z]{2})$/.test(r.code) && r.code !== "RU")).toBe(true);
    expect(REGIONS.length).toBeGreaterThan(83 + 240);
  });

  it("accepts any letter case and the aliases, stores canonical, refuses everything else", () => {
    expect(canonicalRegion("ru-kya")).toBe("RU-KYA");
    expect(canonicalRegion("RU-KYA")).toBe("RU-KYA");
    expect(canonicalRegion("msk")).toBe("RU-MOW");
    expect(canonicalRegion("MSK")).toBe("RU-MOW");
    expect(canonicalRegion("de")).toBe("DE");
    for (const bad of [
      "RU",
      "Moscow",
      "__proto__",
      "constructor",
      "toString",
      "8_912_345_67_89",
      "ru_kya",
      " ru-kya",
      "",
      "x".repeat(100),
    ]) {
      expect(canonicalRegion(bad), bad).toBeNull();
    }
  });

  it("maps every demo region and seeds every demo need (the demo seed keeps working)", () => {
    for (const region of DEMO_REGIONS) expect(canonicalRegion(region), region).not.toBeNull();
    expect(Object.keys(REGION_ALIASES).sort()).toEqual([...DEMO_REGIONS].sort());
    expect(SEED_NEED_TAGS.map((t) => t.code).sort()).toEqual([...DEMO_NEEDS].sort());
  });
});
