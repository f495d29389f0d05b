import { describe, expect, it } from "vitest";
import { GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN } from "../../../src/domain/dataset";
import {
  ageBandLabel,
  createFeatureSpace,
  encodeClientVector,
  featureLayout,
  featureSpaceFromDataset,
  incomeBandLabel,
  profileFromFields,
  segmentLabel,
  segmentOf,
} from "../../../src/domain/recommender";
import { clientOf, datasetOf, NEEDS, REGIONS } from "./fixtures";

const space = createFeatureSpace({ nServices: 4, regions: REGIONS, needsVocabulary: NEEDS, profileShare: 0.3 });
const layout = featureLayout(space);

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe("client vectors", () => {
  it("are unit vectors with the documented profile / interactions split", () => {
    const client = clientOf({ age: 30, income: 100_000, region: 1, gender: GENDER_FEMALE, needs: [0, 2] }, [
      [0, 1],
      [3, -1],
    ]);
    const v = encodeClientVector(space, client);
    expect(v.length).toBe(layout.profileDims + 4);
    expect(norm(v)).toBeCloseTo(1, 6);
    const profilePart = v.subarray(0, layout.profileDims);
    expect(norm(profilePart) ** 2).toBeCloseTo(0.3, 6);
    const rowPart = v.subarray(layout.profileDims);
    expect(Array.from(rowPart).map((x) => Number(x.toFixed(6)))).toEqual(
      [1, 0, 0, -1].map((x) => Number((x * Math.sqrt(0.7 / 2)).toFixed(6))),
    );
  });

  it("give a client without interactions its whole norm in the profile (cold start)", () => {
    const v = encodeClientVector(space, clientOf({ age: 70, income: 20_000, region: -1 }, []));
    expect(norm(v)).toBeCloseTo(1, 6);
    expect(v[layout.regionOffset + layout.regionSlots - 1]).toBeGreaterThan(0); // "other region"
    expect(v[layout.ageOffset + 5]).toBeGreaterThan(v[layout.ageOffset + 4]); // soft one-hot: own band first
    expect(v[layout.ageOffset + 4]).toBeGreaterThan(0);
    expect(v[layout.ageOffset + 3]).toBe(0);
  });

  it("make neighbouring age bands more alike than distant ones", () => {
    const at = (age: number) => encodeClientVector(space, clientOf({ age, income: 60_000, region: 0 }, []));
    expect(dot(at(30), at(40))).toBeGreaterThan(dot(at(30), at(60)));
    expect(dot(at(30), at(31))).toBeCloseTo(1, 6);
  });

  it("refuse malformed clients", () => {
    expect(() => encodeClientVector(space, clientOf({ age: 30, income: 1, region: 0 }, [[4, 1]]))).toThrow(/below 4/);
    expect(() => encodeClientVector(space, clientOf({ age: 30, income: 1, region: 0 }, [[1, 0]]))).toThrow(/1 or -1/);
  });
});

describe("feature space", () => {
  it("maps stored profile fields onto indices", () => {
    const profile = profileFromFields(space, {
      age: 41,
      monthlyIncome: 85_000,
      region: "kazan",
      gender: "male",
      needs: ["travel", "unknown-tag", "travel", "housing"],
    });
    expect(profile).toEqual({ age: 41, monthlyIncome: 85_000, region: 2, gender: GENDER_MALE, needs: [2, 0] });
    expect(profileFromFields(space, { age: 20, monthlyIncome: 0, region: "omsk" }).region).toBe(-1);
    expect(profileFromFields(space, { age: 20, monthlyIncome: 0, region: "msk", gender: null }).gender).toBe(
      GENDER_UNKNOWN,
    );
  });

  it("labels bands and segments in plain words", () => {
    expect(ageBandLabel(space, 0)).toBe("under 25");
    expect(ageBandLabel(space, 1)).toBe("25–34");
    expect(ageBandLabel(space, 5)).toBe("65+");
    expect(incomeBandLabel(space, 0)).toBe("under 30k");
    expect(incomeBandLabel(space, 3)).toBe("80–150k");
    expect(incomeBandLabel(space, 5)).toBe("300k+");
    expect(segmentOf(space, 30, 100_000)).toBe(1 * 6 + 3);
    expect(segmentLabel(space, segmentOf(space, 30, 100_000))).toBe("aged 25–34 with income 80–150k");
  });

  it("switches off profile blocks that do not vary in the data", () => {
    const data = datasetOf(2, [
      { age: 25, income: 0, region: 0, cells: [[0, 1]] },
      { age: 52, income: 0, region: 0, cells: [[1, 1]] },
    ]);
    const derived = featureSpaceFromDataset(data);
    expect(derived.blockWeights.age).toBeGreaterThan(0);
    expect(derived.blockWeights.income).toBe(0);
    expect(derived.blockWeights.region).toBe(0);
    expect(derived.blockWeights.gender).toBe(0);
    expect(derived.blockWeights.needs).toBe(0);
    expect(segmentLabel(derived, segmentOf(derived, 52, 0))).toBe("aged 45–54");
  });

  it("rejects inconsistent settings", () => {
    expect(() => createFeatureSpace({ nServices: 2, regions: [], needsVocabulary: [], profileShare: 2 })).toThrow();
    expect(() => createFeatureSpace({ nServices: 2, regions: ["a", "a"], needsVocabulary: [] })).toThrow(/unique/);
    expect(() =>
      createFeatureSpace({ nServices: 2, regions: [], needsVocabulary: [], ageBandEdges: [30, 20] }),
    ).toThrow(/ascending/);
  });
});
