import { describe, expect, it } from "vitest";
import {
  decodeModel,
  encodeModel,
  MODEL_FORMAT_VERSION,
  ModelArtefactError,
  type RecommenderModel,
  scoreClient,
} from "../../../src/domain/recommender";
import { clientOf, plantedModel } from "./fixtures";

const { model } = plantedModel();

const ARRAY_KEYS = [
  "neighbourIndex",
  "neighbourSimilarity",
  "reverseNeighbourPtr",
  "reverseNeighbourIndex",
  "reverseNeighbourSimilarity",
  "centroids",
  "groupMembers",
  "groupLogit",
  "segmentMembers",
  "segmentLogit",
  "popularityLogit",
  "linkPtr",
  "linkTarget",
  "linkWeight",
] as const satisfies ReadonlyArray<keyof RecommenderModel>;

describe("model artefact", () => {
  it("round-trips every array and every metadata field", () => {
    const bytes = encodeModel(model);
    expect(String.fromCharCode(...bytes.subarray(0, 8))).toBe("CBRECMDL");
    const decoded = decodeModel(bytes, { verify: "full" });
    for (const key of ARRAY_KEYS) {
      expect(decoded[key].constructor).toBe(model[key].constructor);
      expect(Array.from(decoded[key]), key).toEqual(Array.from(model[key]));
      // Views on the artefact bytes, not copies.
      expect(decoded[key].buffer).toBe(bytes.buffer);
    }
    const { space, ...rest } = decoded;
    for (const key of ARRAY_KEYS) delete (rest as Partial<RecommenderModel>)[key];
    const original: Partial<RecommenderModel> = { ...model };
    for (const key of ARRAY_KEYS) delete original[key];
    delete original.space;
    expect(rest).toEqual(JSON.parse(JSON.stringify(original)));
    expect(space).toEqual(model.space);
    expect(decoded.formatVersion).toBe(MODEL_FORMAT_VERSION);
  });

  it("scores exactly like the model it was encoded from, also from an unaligned buffer", () => {
    const bytes = encodeModel(model);
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    const decoded = decodeModel(shifted.subarray(3));
    const client = clientOf({ age: 31, income: 95_000, region: 0 }, [
      [0, 1, 0],
      [3, -1, 0],
    ]);
    const options = { now: 1e13, limit: 8 };
    expect(scoreClient(decoded, client, options)).toEqual(scoreClient(model, client, options));
  });

  it("still decodes a version-1 artefact as a cosine item part whose declines add nothing", () => {
    const legacy = encodeModel(model);
    new DataView(legacy.buffer).setUint32(8, 1, true);
    const decoded = decodeModel(legacy, { verify: "full" });
    expect(decoded.formatVersion).toBe(1);
    expect(decoded.config.itemModel).toBe("cosine");
    expect(decoded.config.declineWeight).toBe(0);
    expect(Array.from(decoded.neighbourIndex)).toEqual(Array.from(model.neighbourIndex));
    const ranked = scoreClient(
      decoded,
      clientOf({ age: 30, income: 90_000, region: 0 }, [
        [0, 1, 0],
        [3, -1, 0],
      ]),
      {
        now: 1e13,
        limit: 8,
      },
    );
    for (const r of ranked) expect(r.parts.item).toBeGreaterThanOrEqual(0);
  });

  it("refuses foreign, truncated, corrupted and future artefacts", () => {
    const bytes = encodeModel(model);
    expect(() => decodeModel(new Uint8Array(10))).toThrow(ModelArtefactError);
    const foreign = bytes.slice();
    foreign[0] = 0x58;
    expect(() => decodeModel(foreign)).toThrow(/bad magic/);
    expect(() => decodeModel(bytes.subarray(0, bytes.byteLength - 16))).toThrow(/truncated/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, MODEL_FORMAT_VERSION + 1, true);
    expect(() => decodeModel(future)).toThrow(/format version/);
    const unknownItemModel = encodeModel({ ...model, config: { ...model.config, itemModel: "svd" as "ease" } });
    expect(() => decodeModel(unknownItemModel)).toThrow(/item model/);
    const negativeDeclines = encodeModel({ ...model, config: { ...model.config, declineWeight: -1 } });
    expect(() => decodeModel(negativeDeclines)).toThrow(/declineWeight/);
    const corrupted = bytes.slice();
    corrupted[corrupted.byteLength - 5] ^= 0xff;
    expect(() => decodeModel(corrupted, { verify: "full" })).toThrow(/checksum/);
    const badPointer = bytes.slice();
    // Break the CSR pointers of the business links: the structure check must catch it.
    const decoded = decodeModel(badPointer);
    decoded.linkPtr[1] = decoded.linkPtr[2] + 5;
    expect(() => decodeModel(badPointer)).toThrow(ModelArtefactError);
  });
});
