/**
 * The binary codec of a statistics snapshot (`StatisticsSnapshot`, src/domain/recommender/
 * statistics-snapshot.ts): statistics + the generation's assignment centroids + caller data as one
 * blob, stored in KV by `model-store.ts` (docs/storage.md).
 */
import { crc32, createFeatureSpace, createStatistics, type FeatureSpace, featureLayout } from "../domain/recommender";
import type { StatisticsSnapshot } from "../domain/recommender/statistics-snapshot";

const SNAPSHOT_MAGIC = "CBSTATS1";
// 2: the pair triangle counts co-occurring uses only (declines left out, issue 12); a format-1 snapshot needs a full rebuild.
/** 3: per-shard log positions (`logPositions`) instead of one `lastDeltaId`. */
const SNAPSHOT_FORMAT = 3;
/** The domain's centroid layout the snapshot was written with; anything else is refused, never misread. */
const CENTROID_LAYOUT = "dimension-major";
/** magic (8) + header bytes (4) + CRC-32 of everything after the first 16 bytes (4). */
const SNAPSHOT_PREFIX_BYTES = 16;

interface SnapshotHeader {
  format: number;
  space: {
    nServices: number;
    ageBandEdges: number[];
    incomeBandEdges: number[];
    regions: string[];
    needsVocabulary: string[];
    blockWeights: FeatureSpace["blockWeights"];
    profileShare: number;
  };
  nGroups: number;
  clientCount: number;
  generation: number;
  logPositions: number[];
  rebuiltClients: number;
  centroidLayout: typeof CENTROID_LAYOUT;
  /** Caller data stored alongside (the rebuild keeps its step state here). */
  extra: unknown;
}

type SnapshotArrays = Array<Int32Array | Float64Array | Float32Array>;

function snapshotArrays(snapshot: StatisticsSnapshot): SnapshotArrays {
  const s = snapshot.stats;
  return [
    s.pairDot,
    s.servicePositive,
    s.serviceNegative,
    s.segmentMembers,
    s.segmentPositive,
    s.segmentNegative,
    s.groupMembers,
    s.groupPositive,
    s.groupNegative,
    s.groupHistogram,
    s.groupVectorSum,
    snapshot.assignmentCentroids,
  ];
}

const align8 = (value: number) => (value + 7) & ~7;

/**
 * Serialises a snapshot (little-endian): magic, header length, CRC-32, a JSON header (feature
 * space, sizes, generation, log position, `extra`), then the typed arrays of the statistics and the
 * assignment centroids, each 8-byte aligned, in a fixed order whose lengths follow from the header.
 */
export function encodeSnapshot(snapshot: StatisticsSnapshot, extra: unknown = null): Uint8Array {
  const space = snapshot.stats.space;
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    space: {
      nServices: space.nServices,
      ageBandEdges: [...space.ageBandEdges],
      incomeBandEdges: [...space.incomeBandEdges],
      regions: [...space.regions],
      needsVocabulary: [...space.needsVocabulary],
      blockWeights: { ...space.blockWeights },
      profileShare: space.profileShare,
    },
    nGroups: snapshot.stats.nGroups,
    clientCount: snapshot.stats.clientCount,
    generation: snapshot.generation,
    logPositions: [...snapshot.logPositions],
    rebuiltClients: snapshot.rebuiltClients,
    centroidLayout: CENTROID_LAYOUT,
    extra,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const arrays = snapshotArrays(snapshot);
  let total = align8(SNAPSHOT_PREFIX_BYTES + headerBytes.byteLength);
  for (const array of arrays) total = align8(total + array.byteLength);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) out[i] = SNAPSHOT_MAGIC.charCodeAt(i);
  view.setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, SNAPSHOT_PREFIX_BYTES);
  let offset = align8(SNAPSHOT_PREFIX_BYTES + headerBytes.byteLength);
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset = align8(offset + array.byteLength);
  }
  view.setUint32(12, crc32(out, SNAPSHOT_PREFIX_BYTES, total), true);
  return out;
}

/** A snapshot that cannot be read back (truncated, corrupted, unknown format). */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(`statistics snapshot: ${message}`);
    this.name = "SnapshotFormatError";
  }
}

/**
 * Reads a snapshot written by {@link encodeSnapshot} into fresh, writable arrays.
 * @throws SnapshotFormatError on bad magic, format, checksum or sizes.
 */
export function decodeSnapshot(bytes: Uint8Array): { snapshot: StatisticsSnapshot; extra: unknown } {
  if (bytes.byteLength < SNAPSHOT_PREFIX_BYTES) throw new SnapshotFormatError("too short");
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) throw new SnapshotFormatError("bad magic");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (crc32(bytes, SNAPSHOT_PREFIX_BYTES, bytes.byteLength) !== view.getUint32(12, true)) {
    throw new SnapshotFormatError("checksum mismatch (corrupted or truncated)");
  }
  let header: SnapshotHeader;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(SNAPSHOT_PREFIX_BYTES, SNAPSHOT_PREFIX_BYTES + headerLength)),
    ) as SnapshotHeader;
  } catch {
    throw new SnapshotFormatError("header is not valid JSON");
  }
  if (header.format !== SNAPSHOT_FORMAT) throw new SnapshotFormatError(`format ${header.format} is not supported`);
  if (header.centroidLayout !== CENTROID_LAYOUT) {
    throw new SnapshotFormatError(`centroid layout ${header.centroidLayout} is not supported`);
  }
  const space = createFeatureSpace(header.space);
  const snapshot: StatisticsSnapshot = {
    stats: createStatistics(space, header.nGroups),
    assignmentCentroids: new Float32Array(header.nGroups * featureLayout(space).vectorDims),
    generation: header.generation,
    logPositions: Array.isArray(header.logPositions) ? header.logPositions.map(Number) : [],
    rebuiltClients: header.rebuiltClients,
  };
  snapshot.stats.clientCount = header.clientCount;
  let offset = align8(SNAPSHOT_PREFIX_BYTES + headerLength);
  for (const array of snapshotArrays(snapshot)) {
    if (offset + array.byteLength > bytes.byteLength) throw new SnapshotFormatError("truncated");
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(
      bytes.subarray(offset, offset + array.byteLength),
    );
    offset = align8(offset + array.byteLength);
  }
  return { snapshot, extra: header.extra };
}
