/**
 * The binary model artefact (what the Worker stores in KV). Layout, little-endian:
 *
 *   0   8 B   magic "CBRECMDL"
 *   8   u32   format version (MODEL_FORMAT_VERSION)
 *   12  u32   header bytes (32 + 16 × sections)
 *   16  u32   section count
 *   20  u32   total bytes
 *   24  u32   checksum32 of bytes [header bytes, total bytes)
 *   28  u32   reserved (0)
 *   32  section table: per section u32 id, u32 type (1 JSON, 2 int32, 3 float32), u32 offset, u32 byte length
 *   then the sections, each starting on an 8-byte boundary.
 *
 * Section 1 is a small UTF-8 JSON document (identity, feature space with the region list and needs
 * vocabulary, service codes / names / categories, config, blend, calibration, group descriptions);
 * every other section is one typed array of the model. Decoding makes views on the bytes (no
 * per-element copy; one copy of the whole buffer only if it is not 4-byte aligned), so a
 * 2,000-service model loads in about a millisecond.
 */
import { isValidAcceptanceMap } from "./acceptance-map";
import type { FeatureSpace } from "./features";
import { createFeatureSpace, featureLayout } from "./features";
import {
  DEFAULT_TRAINING_CONFIG,
  ITEM_MODELS,
  MODEL_FORMAT_VERSION,
  type RecommenderModel,
  type TrainingConfig,
} from "./model";

const MAGIC = "CBRECMDL";
const HEADER_FIXED_BYTES = 32;
const SECTION_ENTRY_BYTES = 16;

const TYPE_JSON = 1;
const TYPE_INT32 = 2;
const TYPE_FLOAT32 = 3;

type ArrayKey =
  | "neighbourIndex"
  | "neighbourSimilarity"
  | "reverseNeighbourPtr"
  | "reverseNeighbourIndex"
  | "reverseNeighbourSimilarity"
  | "centroids"
  | "groupMembers"
  | "groupLogit"
  | "segmentMembers"
  | "segmentLogit"
  | "popularityLogit"
  | "linkPtr"
  | "linkTarget"
  | "linkWeight";

/** Section id → model array. Ids are part of the format: never renumber, only append. */
const ARRAY_SECTIONS: ReadonlyArray<{ id: number; key: ArrayKey; type: typeof TYPE_INT32 | typeof TYPE_FLOAT32 }> = [
  { id: 2, key: "neighbourIndex", type: TYPE_INT32 },
  { id: 3, key: "neighbourSimilarity", type: TYPE_FLOAT32 },
  { id: 4, key: "reverseNeighbourPtr", type: TYPE_INT32 },
  { id: 5, key: "reverseNeighbourIndex", type: TYPE_INT32 },
  { id: 6, key: "reverseNeighbourSimilarity", type: TYPE_FLOAT32 },
  { id: 7, key: "centroids", type: TYPE_FLOAT32 },
  { id: 8, key: "groupMembers", type: TYPE_INT32 },
  { id: 9, key: "groupLogit", type: TYPE_FLOAT32 },
  { id: 10, key: "segmentMembers", type: TYPE_INT32 },
  { id: 11, key: "segmentLogit", type: TYPE_FLOAT32 },
  { id: 12, key: "popularityLogit", type: TYPE_FLOAT32 },
  { id: 13, key: "linkPtr", type: TYPE_INT32 },
  { id: 14, key: "linkTarget", type: TYPE_INT32 },
  { id: 15, key: "linkWeight", type: TYPE_FLOAT32 },
];
const META_SECTION_ID = 1;

/**
 * Version 1 artefacts (signed-cosine neighbours) still decode, so the model in KV keeps serving until
 * the next retrain: same arrays, config without the version-2 fields, read as a cosine item part
 * whose declines add nothing (scoring never subtracts neighbour similarity any more).
 */
const LEGACY_FORMAT_VERSION = 1;

/** The stored calibration, with its acceptance map checked when there is one. */
function decodedCalibration(stored: RecommenderModel["calibration"]): RecommenderModel["calibration"] {
  if (!stored || typeof stored !== "object") throw new ModelArtefactError("metadata has no calibration");
  const map = stored.acceptanceMap;
  if (map !== undefined && map !== null && !isValidAcceptanceMap(map)) {
    throw new ModelArtefactError("acceptance map must have ascending knots and non-decreasing logits");
  }
  return stored;
}

/** The training config of a decoded artefact, with the version-2 fields checked (or filled for version 1). */
function decodedConfig(formatVersion: number, stored: Partial<TrainingConfig> | undefined): TrainingConfig {
  if (!stored || typeof stored !== "object") throw new ModelArtefactError("metadata has no training config");
  const config: TrainingConfig =
    formatVersion === LEGACY_FORMAT_VERSION
      ? {
          ...DEFAULT_TRAINING_CONFIG,
          ...stored,
          itemModel: "cosine",
          asymmetry: 0.5,
          declineWeight: 0,
        }
      : ({ ...stored } as TrainingConfig);
  if (!ITEM_MODELS.includes(config.itemModel)) throw new ModelArtefactError("unknown item model");
  if (!(Number.isFinite(config.declineWeight) && config.declineWeight >= 0)) {
    throw new ModelArtefactError("declineWeight must be a finite number >= 0");
  }
  if (!(Number.isInteger(config.nearestGroups) && config.nearestGroups >= 1)) {
    throw new ModelArtefactError("nearestGroups must be an integer >= 1");
  }
  return config;
}

/** A malformed, truncated, corrupted or unsupported artefact. */
export class ModelArtefactError extends Error {
  constructor(message: string) {
    super(`model artefact: ${message}`);
    this.name = "ModelArtefactError";
  }
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new ModelArtefactError("big-endian platforms are not supported");
  }
}

let crcTable: Int32Array | null = null;

/** CRC-32 (IEEE 802.3) of a byte range: byte-wise, for small buffers of any alignment. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c;
    }
  }
  const table = crcTable;
  let crc = -1;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * 32-bit checksum of `bytes[start, end)` (both multiples of 4 from a 4-byte aligned buffer start):
 * FNV-1a over little-endian 32-bit words with a final avalanche. Each step is a bijection of the
 * state, so any single corrupted word changes the result; reading words keeps the full check of a
 * 2,000-service artefact (≈ 4.5 MB) around a millisecond.
 */
export function checksum32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if ((bytes.byteOffset + start) % 4 !== 0 || (end - start) % 4 !== 0) {
    throw new RangeError("checksum32 needs a 4-byte aligned, whole-word range");
  }
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + start, (end - start) / 4);
  const length = words.length;
  const unrolled = length - (length % 4);
  let h = 0x811c9dc5 | 0;
  // Four words per iteration: the same chain, fewer loop steps while the code is still cold.
  for (let i = 0; i < unrolled; i += 4) {
    h = Math.imul(h ^ words[i], 0x01000193);
    h = Math.imul(h ^ words[i + 1], 0x01000193);
    h = Math.imul(h ^ words[i + 2], 0x01000193);
    h = Math.imul(h ^ words[i + 3], 0x01000193);
  }
  for (let i = unrolled; i < length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface Meta {
  version: string;
  trainedAt: number;
  space: {
    nServices: number;
    ageBandEdges: number[];
    incomeBandEdges: number[];
    regions: string[];
    needsVocabulary: string[];
    blockWeights: FeatureSpace["blockWeights"];
    profileShare: number;
  };
  /** `{ code, name, category }` by model index: the JSON parser builds the catalogue entries directly. */
  services: Array<{ code: string; name: string; category: string }>;
  nServices: number;
  neighbours: number;
  nGroups: number;
  nSegments: number;
  profileDims: number;
  vectorDims: number;
  clientCount: number;
  config: RecommenderModel["config"];
  blend: RecommenderModel["blend"];
  calibration: RecommenderModel["calibration"];
  groups: RecommenderModel["groups"];
  popularityLogitMean: number;
}

const align8 = (value: number) => (value + 7) & ~7;

/** Serialises a model into the versioned binary artefact. */
export function encodeModel(model: RecommenderModel): Uint8Array {
  assertLittleEndian();
  const meta: Meta = {
    version: model.version,
    trainedAt: model.trainedAt,
    space: {
      nServices: model.space.nServices,
      ageBandEdges: [...model.space.ageBandEdges],
      incomeBandEdges: [...model.space.incomeBandEdges],
      regions: [...model.space.regions],
      needsVocabulary: [...model.space.needsVocabulary],
      blockWeights: { ...model.space.blockWeights },
      profileShare: model.space.profileShare,
    },
    services: model.catalog.map((e) => ({ code: e.code, name: e.name, category: e.category })),
    nServices: model.nServices,
    neighbours: model.neighbours,
    nGroups: model.nGroups,
    nSegments: model.nSegments,
    profileDims: model.profileDims,
    vectorDims: model.vectorDims,
    clientCount: model.clientCount,
    config: model.config,
    blend: model.blend,
    calibration: model.calibration,
    groups: model.groups,
    popularityLogitMean: model.popularityLogitMean,
  };
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  const sectionCount = 1 + ARRAY_SECTIONS.length;
  const headerBytes = HEADER_FIXED_BYTES + SECTION_ENTRY_BYTES * sectionCount;
  const sections: Array<{ id: number; type: number; offset: number; bytes: Uint8Array }> = [];
  let offset = align8(headerBytes);
  sections.push({ id: META_SECTION_ID, type: TYPE_JSON, offset, bytes: metaBytes });
  offset = align8(offset + metaBytes.byteLength);
  for (const section of ARRAY_SECTIONS) {
    const array = model[section.key];
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    sections.push({ id: section.id, type: section.type, offset, bytes });
    offset = align8(offset + bytes.byteLength);
  }
  const total = offset;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, MODEL_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes, true);
  view.setUint32(16, sectionCount, true);
  view.setUint32(20, total, true);
  view.setUint32(28, 0, true);
  sections.forEach((section, i) => {
    const entry = HEADER_FIXED_BYTES + i * SECTION_ENTRY_BYTES;
    view.setUint32(entry, section.id, true);
    view.setUint32(entry + 4, section.type, true);
    view.setUint32(entry + 8, section.offset, true);
    view.setUint32(entry + 12, section.bytes.byteLength, true);
    out.set(section.bytes, section.offset);
  });
  view.setUint32(24, checksum32(out, headerBytes, total), true);
  return out;
}

/** Options of `decodeModel`. */
export interface DecodeOptions {
  /**
   * "structure" (default): header, section bounds, sizes and CSR pointers are checked — enough for
   * safe reads. "full" also checks the checksum and every stored index: run it once when an artefact
   * is written or first loaded from storage.
   */
  verify?: "structure" | "full";
}

/**
 * Loads a model from its artefact. The typed arrays of the result are views on `bytes` (do not
 * modify `bytes` afterwards).
 * @throws ModelArtefactError on a malformed, truncated, corrupted or unsupported artefact.
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): RecommenderModel {
  assertLittleEndian();
  if (bytes.byteLength < HEADER_FIXED_BYTES) throw new ModelArtefactError("too short");
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new ModelArtefactError("not a CactuBase model (bad magic)");
  }
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const formatVersion = view.getUint32(8, true);
  if (formatVersion !== MODEL_FORMAT_VERSION && formatVersion !== LEGACY_FORMAT_VERSION) {
    throw new ModelArtefactError(
      `format version ${formatVersion} is not supported (expected ${LEGACY_FORMAT_VERSION} or ${MODEL_FORMAT_VERSION})`,
    );
  }
  const headerBytes = view.getUint32(12, true);
  const sectionCount = view.getUint32(16, true);
  const total = view.getUint32(20, true);
  if (headerBytes !== HEADER_FIXED_BYTES + SECTION_ENTRY_BYTES * sectionCount || headerBytes > total) {
    throw new ModelArtefactError("inconsistent header");
  }
  if (total > bytes.byteLength) throw new ModelArtefactError(`truncated: ${bytes.byteLength} of ${total} bytes`);
  if (options.verify === "full" && checksum32(bytes, headerBytes, total) !== view.getUint32(24, true)) {
    throw new ModelArtefactError("checksum mismatch (corrupted bytes)");
  }
  const found = new Map<number, { type: number; offset: number; length: number }>();
  for (let i = 0; i < sectionCount; i++) {
    const entry = HEADER_FIXED_BYTES + i * SECTION_ENTRY_BYTES;
    const id = view.getUint32(entry, true);
    const type = view.getUint32(entry + 4, true);
    const offset = view.getUint32(entry + 8, true);
    const length = view.getUint32(entry + 12, true);
    if (offset < headerBytes || offset + length > total || offset % 4 !== 0) {
      throw new ModelArtefactError(`section ${id} lies outside the artefact`);
    }
    if (type !== TYPE_JSON && length % 4 !== 0) throw new ModelArtefactError(`section ${id} has a partial element`);
    found.set(id, { type, offset, length });
  }
  const metaSection = found.get(META_SECTION_ID);
  if (!metaSection || metaSection.type !== TYPE_JSON) throw new ModelArtefactError("metadata section missing");
  let meta: Meta;
  try {
    meta = JSON.parse(
      new TextDecoder().decode(bytes.subarray(metaSection.offset, metaSection.offset + metaSection.length)),
    ) as Meta;
  } catch {
    throw new ModelArtefactError("metadata is not valid JSON");
  }
  let space: FeatureSpace;
  try {
    space = createFeatureSpace(meta.space);
  } catch (error) {
    throw new ModelArtefactError(`bad feature space: ${(error as Error).message}`);
  }
  const layout = featureLayout(space);
  const n = meta.nServices;
  const k = meta.neighbours;
  const G = meta.nGroups;
  if (
    n !== space.nServices ||
    meta.vectorDims !== layout.vectorDims ||
    meta.profileDims !== layout.profileDims ||
    meta.nSegments !== layout.segments ||
    !Array.isArray(meta.services) ||
    meta.services.length !== n ||
    !Number.isInteger(k) ||
    k < 1 ||
    !Number.isInteger(G) ||
    G < 0 ||
    meta.groups?.length !== G
  ) {
    throw new ModelArtefactError("metadata does not match the feature space");
  }
  const arrays = {} as Record<ArrayKey, Int32Array | Float32Array>;
  for (const section of ARRAY_SECTIONS) {
    const entry = found.get(section.id);
    if (!entry || entry.type !== section.type) throw new ModelArtefactError(`section ${section.key} missing`);
    const start = bytes.byteOffset + entry.offset;
    arrays[section.key] =
      section.type === TYPE_INT32
        ? new Int32Array(bytes.buffer, start, entry.length / 4)
        : new Float32Array(bytes.buffer, start, entry.length / 4);
  }
  const expect = (key: ArrayKey, length: number) => {
    if (arrays[key].length !== length) {
      throw new ModelArtefactError(`section ${key} has ${arrays[key].length} values, expected ${length}`);
    }
  };
  expect("neighbourIndex", n * k);
  expect("neighbourSimilarity", n * k);
  expect("reverseNeighbourPtr", n + 1);
  expect("centroids", G * layout.vectorDims);
  expect("groupMembers", G);
  expect("groupLogit", G * n);
  expect("segmentMembers", layout.segments);
  expect("segmentLogit", layout.segments * n);
  expect("popularityLogit", n);
  expect("linkPtr", n + 1);
  const checkPtr = (ptrKey: ArrayKey, valueKeys: ArrayKey[]) => {
    const ptr = arrays[ptrKey];
    if (ptr[0] !== 0) throw new ModelArtefactError(`${ptrKey} must start at 0`);
    for (let i = 0; i < n; i++) if (ptr[i + 1] < ptr[i]) throw new ModelArtefactError(`${ptrKey} is not monotone`);
    for (const key of valueKeys) expect(key, ptr[n]);
  };
  checkPtr("reverseNeighbourPtr", ["reverseNeighbourIndex", "reverseNeighbourSimilarity"]);
  checkPtr("linkPtr", ["linkTarget", "linkWeight"]);
  if (options.verify === "full") {
    const inRange = (key: ArrayKey, low: number) => {
      const values = arrays[key] as Int32Array;
      let min = low;
      let max = low;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v < min) min = v;
        else if (v > max) max = v;
      }
      if (min < low || max >= n) throw new ModelArtefactError(`${key} holds an index out of range`);
    };
    inRange("neighbourIndex", -1);
    inRange("reverseNeighbourIndex", 0);
    inRange("linkTarget", 0);
  }
  return {
    formatVersion,
    version: meta.version,
    trainedAt: meta.trainedAt,
    space,
    catalog: meta.services,
    nServices: n,
    neighbours: k,
    nGroups: G,
    nSegments: layout.segments,
    profileDims: layout.profileDims,
    vectorDims: layout.vectorDims,
    clientCount: meta.clientCount,
    config: decodedConfig(formatVersion, meta.config),
    calibration: decodedCalibration(meta.calibration),
    blend: meta.blend,
    groups: meta.groups,
    popularityLogitMean: meta.popularityLogitMean,
    neighbourIndex: arrays.neighbourIndex as Int32Array,
    neighbourSimilarity: arrays.neighbourSimilarity as Float32Array,
    reverseNeighbourPtr: arrays.reverseNeighbourPtr as Int32Array,
    reverseNeighbourIndex: arrays.reverseNeighbourIndex as Int32Array,
    reverseNeighbourSimilarity: arrays.reverseNeighbourSimilarity as Float32Array,
    centroids: arrays.centroids as Float32Array,
    groupMembers: arrays.groupMembers as Int32Array,
    groupLogit: arrays.groupLogit as Float32Array,
    segmentMembers: arrays.segmentMembers as Int32Array,
    segmentLogit: arrays.segmentLogit as Float32Array,
    popularityLogit: arrays.popularityLogit as Float32Array,
    linkPtr: arrays.linkPtr as Int32Array,
    linkTarget: arrays.linkTarget as Int32Array,
    linkWeight: arrays.linkWeight as Float32Array,
  };
}
