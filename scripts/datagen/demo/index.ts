/**
 * Deterministic demo bank data: the Expobank coalition catalog and a client base whose interaction
 * histories follow planted segments. Used by `npm run seed`, offline evaluation, benchmarks and
 * simulations (through the ground truth in `truth`). Pure TypeScript: runs in the Worker, in
 * vitest and in Node.
 *
 * Generative model, per client (each client draws from its own random stream, so client i does not
 * depend on how many clients are generated):
 * 1. a primary segment by share; with the preset's mixing rate a second segment whose interests
 *    the client also carries (acceptance = max(primary, mixingWeight × secondary));
 * 2. a profile from the segment (age, log-normal income, region, gender, needs tags);
 * 3. an activity multiplier (log-normal, mean 1) scaling all acceptance probabilities;
 * 4. for each hand-made service: P(offered or sought) = coldOfferRate + offerGain × acceptance +
 *    pushed offers; if so the cell is 1 with the acceptance probability, else -1 (declined); the
 *    time is uniform over the last 182 days. With a scaled catalog the cell lands on one tariff
 *    variant of the service (Zipf-like shares within the family).
 */
import {
  type ClientFeatureColumns,
  type Dataset,
  GENDER_FEMALE,
  GENDER_MALE,
  GENDER_UNKNOWN,
  type InteractionCsr,
} from "../../../src/domain/dataset";
import { Rng } from "../../../src/domain/random";
import { buildDemoCatalog, DEMO_BASE_SERVICE_COUNT, type DemoCatalog } from "./catalog";
import { DEMO_NEEDS, DEMO_REGIONS, type DemoPreset, presetDefinition } from "./segments";

export {
  buildDemoCatalog,
  DEMO_BANK_CODE,
  DEMO_BASE_SERVICE_COUNT,
  DEMO_MAX_SERVICES,
  type DemoCatalog,
  type DemoCompany,
  type DemoIndustry,
  type DemoLink,
  type DemoService,
} from "./catalog";
export { DEMO_NEEDS, DEMO_REGIONS, type DemoPreset, presetDefinition, type SegmentDefinition } from "./segments";

/** Default number of clients (the seed command's default too). */
export const DEMO_DEFAULT_CLIENTS = 3000;
/** Default random seed. */
export const DEMO_DEFAULT_SEED = 42;
/** Largest client base the generator accepts. */
export const DEMO_MAX_CLIENTS = 5_000_000;
/**
 * Reference "now" when none is given (2026-11-01T00:00:00Z), so that a call without `now` is fully
 * reproducible. The seed command passes the real clock.
 */
export const DEMO_REFERENCE_NOW = Date.UTC(2026, 10, 1);
/** Interaction times are spread over this window before `now`. */
export const DEMO_HISTORY_WINDOW_MS = 182 * 24 * 60 * 60 * 1000;
/** Value of `DemoTruth.secondarySegment` for clients without a second segment. */
export const NO_SECONDARY_SEGMENT = 255;
/** Acceptance probabilities are capped below certainty: nobody takes every offer. */
export const MAX_ACCEPTANCE = 0.97;

/** Share of clients whose source company is the bank; the others come from a partner they use. */
const BANK_SOURCE_SHARE = 0.6;
/** Probability that a client carries one needs tag unrelated to its segment. */
const NEEDS_NOISE_RATE = 0.05;
/** Lowest generated monthly income in RUB (about the minimum wage). */
const MIN_MONTHLY_INCOME = 12_000;

export interface GenerateBankDatasetOptions {
  /** "demo": Expobank's 8 planted segments. "alt": a second bank with 6 broader, more mixed segments. */
  preset: DemoPreset;
  /** Number of clients (default 3,000; up to 5,000,000). */
  clients?: number;
  /** Random seed (default 42); the same seed, options and `now` give identical arrays. */
  seed?: number;
  /** Catalog size: 47 hand-made services by default; more adds tariff variants (benchmarks). */
  services?: number;
  /** Epoch ms the history ends at (default DEMO_REFERENCE_NOW). */
  now?: number;
}

/** A planted segment as the simulation sees it. */
export interface DemoSegment {
  id: number;
  code: string;
  description: string;
  /** Normalised share of the client base (the realised share varies by sampling). */
  share: number;
  /** Model indexes of the services that define the segment. */
  signature: number[];
}

/**
 * The ground truth behind the generated histories, so that a simulation can draw realistic
 * accept / decline outcomes for offers the recommender makes.
 */
export interface DemoTruth {
  preset: DemoPreset;
  segments: DemoSegment[];
  /** Primary segment id of each client. */
  segment: Uint8Array;
  /** Second segment id of each client, or NO_SECONDARY_SEGMENT. */
  secondarySegment: Uint8Array;
  /** Per-client multiplier of acceptance probabilities (log-normal, mean 1). */
  activity: Float32Array;
  /**
   * P(accept | offered) per segment and service, row-major (segments × nServices). Tariff variants
   * carry their base service's value.
   */
  acceptance: Float32Array;
  /** Weight of the secondary segment's acceptance for mixed clients. */
  mixingWeight: number;
  /** The primary segment id of a client. */
  segmentOf(clientIndex: number): number;
  /** P(accept | offered) of a service for an average client of a segment. */
  acceptanceProbability(segmentId: number, serviceIndex: number): number;
  /** P(accept | offered) of a service for one client (segments, mixing and activity applied). */
  clientAcceptanceProbability(clientIndex: number, serviceIndex: number): number;
}

export interface BankDataset {
  dataset: Dataset;
  catalog: DemoCatalog;
  truth: DemoTruth;
  /** Index into `catalog.companies` of the company whose CRM knows each client. */
  clientCompany: Uint8Array;
}

/** The CRM id a demo client has at its source company, e.g. `crm-000123`. */
export function clientExternalId(index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`client index must be an integer >= 0, got ${index}`);
  return `crm-${String(index).padStart(6, "0")}`;
}

/** Cumulative sums of `weights` written into `out` at `offset`. */
function writeCumulative(weights: ArrayLike<number>, out: Float64Array, offset: number): void {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    out[offset + i] = sum;
  }
}

/** Typed-array columns that grow by doubling (the number of cells is only known at the end). */
class CellBuffer {
  col: Int32Array;
  value: Int8Array;
  time: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.col = new Int32Array(capacity);
    this.value = new Int8Array(capacity);
    this.time = new Float64Array(capacity);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.col.length) return;
    const capacity = Math.max(needed, this.col.length * 2);
    const col = new Int32Array(capacity);
    col.set(this.col);
    const value = new Int8Array(capacity);
    value.set(this.value);
    const time = new Float64Array(capacity);
    time.set(this.time);
    this.col = col;
    this.value = value;
    this.time = time;
  }
}

function checkOptions(options: GenerateBankDatasetOptions) {
  const clients = options.clients ?? DEMO_DEFAULT_CLIENTS;
  if (!Number.isInteger(clients) || clients < 0 || clients > DEMO_MAX_CLIENTS) {
    throw new RangeError(`clients must be an integer from 0 to ${DEMO_MAX_CLIENTS}, got ${clients}`);
  }
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const now = options.now ?? DEMO_REFERENCE_NOW;
  if (!Number.isFinite(now) || now < DEMO_HISTORY_WINDOW_MS) throw new RangeError(`now must be epoch ms, got ${now}`);
  return { clients, seed, now: Math.floor(now), services: options.services ?? DEMO_BASE_SERVICE_COUNT };
}

/**
 * Generates the catalog, the client base and its interaction matrix of a demo bank.
 * Deterministic: the same options give identical arrays. A million clients take a few seconds.
 *
 * @throws RangeError on an unknown preset or out-of-range options.
 */
export function generateBankDataset(options: GenerateBankDatasetOptions): BankDataset {
  const definition = presetDefinition(options.preset);
  const { clients: clientCount, seed, now, services: serviceCount } = checkOptions(options);
  const catalog = buildDemoCatalog(serviceCount);
  const nServices = catalog.services.length;
  const nBase = DEMO_BASE_SERVICE_COUNT;
  const segments = definition.segments;
  const nSegments = segments.length;
  const nRegions = DEMO_REGIONS.length;
  const nNeeds = DEMO_NEEDS.length;

  const serviceIndex = new Map(catalog.services.map((s) => [s.code, s.modelIndex]));
  const indexOfService = (code: string, segmentCode: string): number => {
    const index = serviceIndex.get(code);
    if (index === undefined || index >= nBase) {
      throw new Error(`Segment ${segmentCode} names unknown service ${code}`);
    }
    return index;
  };

  // Per-segment lookup tables, flattened row-major so the client loop reads typed arrays only.
  const baseAcceptance = new Float32Array(nSegments * nBase).fill(definition.noiseAcceptance);
  const pushedOffer = new Float32Array(nSegments * nBase);
  const regionCumulative = new Float64Array(nSegments * nRegions);
  const needProbability = new Float32Array(nSegments * nNeeds);
  const segmentCumulative = new Float64Array(nSegments);
  const shareTotal = segments.reduce((sum, s) => sum + s.share, 0);
  writeCumulative(
    segments.map((s) => s.share),
    segmentCumulative,
    0,
  );
  segments.forEach((segment, g) => {
    for (const [code, p] of Object.entries(segment.acceptance)) {
      baseAcceptance[g * nBase + indexOfService(code, segment.code)] = p;
    }
    for (const [code, p] of Object.entries(segment.pushedOffers ?? {})) {
      pushedOffer[g * nBase + indexOfService(code, segment.code)] = p;
    }
    writeCumulative(
      DEMO_REGIONS.map((r) => segment.regions[r] ?? 0),
      regionCumulative,
      g * nRegions,
    );
    DEMO_NEEDS.forEach((need, j) => {
      needProbability[g * nNeeds + j] = segment.needs[need] ?? 0;
    });
  });

  // Tariff families: a cell drawn for hand-made service b lands on one member of its family.
  const familyStart = new Int32Array(nBase + 1);
  const familyMember = new Int32Array(nServices);
  const familyCumulative = new Float64Array(nServices);
  {
    let cursor = 0;
    for (let b = 0; b < nBase; b++) {
      familyStart[b] = cursor;
      let sum = 0;
      for (let member = b, rank = 0; member < nServices; member += nBase, rank++) {
        sum += 1 / (rank + 1);
        familyMember[cursor] = member;
        familyCumulative[cursor] = sum;
        cursor++;
      }
    }
    familyStart[nBase] = cursor;
  }
  const hasVariants = nServices > nBase;

  const companyIndex = new Map(catalog.companies.map((c, i) => [c.code, i]));
  const serviceCompany = new Uint8Array(nServices);
  catalog.services.forEach((s) => {
    serviceCompany[s.modelIndex] = companyIndex.get(s.companyCode)!;
  });
  const bankIndex = companyIndex.get(catalog.bankCode)!;

  // Output columns.
  const age = new Float32Array(clientCount);
  const monthlyIncome = new Float32Array(clientCount);
  const region = new Uint16Array(clientCount);
  const gender = new Int8Array(clientCount);
  const needsPtr = new Int32Array(clientCount + 1);
  let needsIdx = new Uint16Array(Math.max(16, clientCount * 4));
  let needsLength = 0;
  const rowPtr = new Int32Array(clientCount + 1);
  const cells = new CellBuffer(Math.max(1024, clientCount * 10));
  const segmentColumn = new Uint8Array(clientCount);
  const secondaryColumn = new Uint8Array(clientCount);
  const activityColumn = new Float32Array(clientCount);
  const clientCompany = new Uint8Array(clientCount);

  const rng = new Rng(seed);
  const activitySpread = definition.activitySpread;
  const activityShift = (activitySpread * activitySpread) / 2;

  for (let i = 0; i < clientCount; i++) {
    rng.reseed(seed, i);
    const g = rng.pick(segmentCumulative);
    let secondary = NO_SECONDARY_SEGMENT;
    if (nSegments > 1 && rng.next() < definition.mixingRate) {
      do secondary = rng.pick(segmentCumulative);
      while (secondary === g);
    }
    // Rounded to float32 so that the truth column reproduces the generator's probabilities exactly.
    const activity = Math.fround(Math.exp(activitySpread * rng.normal() - activityShift));
    segmentColumn[i] = g;
    secondaryColumn[i] = secondary;
    activityColumn[i] = activity;

    const segment = segments[g];
    age[i] = rng.intBetween(segment.ageMin, segment.ageMax);
    const income = segment.incomeMedian * Math.exp(segment.incomeSpread * rng.normal());
    monthlyIncome[i] = Math.max(MIN_MONTHLY_INCOME, Math.round(income / 1000) * 1000);
    region[i] = rng.pick(regionCumulative, g * nRegions, (g + 1) * nRegions) - g * nRegions;
    if (rng.next() < definition.unknownGenderShare) gender[i] = GENDER_UNKNOWN;
    else gender[i] = rng.next() < segment.femaleShare ? GENDER_FEMALE : GENDER_MALE;

    if (needsLength + nNeeds + 1 > needsIdx.length) {
      const grown = new Uint16Array(needsIdx.length * 2);
      grown.set(needsIdx);
      needsIdx = grown;
    }
    const needsFrom = needsLength;
    for (let j = 0; j < nNeeds; j++) {
      if (rng.next() < needProbability[g * nNeeds + j]) needsIdx[needsLength++] = j;
    }
    if (rng.next() < NEEDS_NOISE_RATE) {
      const extra = rng.int(nNeeds);
      let present = false;
      for (let k = needsFrom; k < needsLength; k++) if (needsIdx[k] === extra) present = true;
      if (!present) {
        // Keep the tags sorted: insert the extra tag at its place.
        let k = needsLength++;
        while (k > needsFrom && needsIdx[k - 1] > extra) {
          needsIdx[k] = needsIdx[k - 1];
          k--;
        }
        needsIdx[k] = extra;
      }
    }
    needsPtr[i + 1] = needsLength;

    cells.ensure(nBase);
    const rowFrom = cells.length;
    let positives = 0;
    const primaryRow = g * nBase;
    const secondaryRow = secondary === NO_SECONDARY_SEGMENT ? -1 : secondary * nBase;
    for (let b = 0; b < nBase; b++) {
      let acceptance = baseAcceptance[primaryRow + b];
      if (secondaryRow >= 0) {
        const mixed = definition.mixingWeight * baseAcceptance[secondaryRow + b];
        if (mixed > acceptance) acceptance = mixed;
      }
      acceptance *= activity;
      if (acceptance > MAX_ACCEPTANCE) acceptance = MAX_ACCEPTANCE;
      const offered = definition.coldOfferRate + definition.offerGain * acceptance + pushedOffer[primaryRow + b];
      if (rng.next() >= offered) continue;
      const value = rng.next() < acceptance ? 1 : -1;
      const col = hasVariants ? familyMember[rng.pick(familyCumulative, familyStart[b], familyStart[b + 1])] : b;
      const at = now - Math.floor(rng.next() * DEMO_HISTORY_WINDOW_MS);
      // Insertion keeps columns ascending within the row (variants break the loop's natural order).
      let k = cells.length++;
      while (k > rowFrom && cells.col[k - 1] > col) {
        cells.col[k] = cells.col[k - 1];
        cells.value[k] = cells.value[k - 1];
        cells.time[k] = cells.time[k - 1];
        k--;
      }
      cells.col[k] = col;
      cells.value[k] = value;
      cells.time[k] = at;
      if (value === 1) positives++;
    }
    rowPtr[i + 1] = cells.length;

    // The source CRM: mostly the bank; otherwise a partner whose service the client uses.
    let source = bankIndex;
    if (positives > 0 && rng.next() >= BANK_SOURCE_SHARE) {
      let nth = rng.int(positives);
      for (let k = rowFrom; k < cells.length; k++) {
        if (cells.value[k] !== 1) continue;
        if (nth-- === 0) {
          source = serviceCompany[cells.col[k]];
          break;
        }
      }
    }
    clientCompany[i] = source;
  }

  const clientColumns: ClientFeatureColumns = {
    count: clientCount,
    age,
    monthlyIncome,
    region,
    gender,
    needsPtr,
    needsIdx: needsIdx.slice(0, needsLength),
  };
  const interactions: InteractionCsr = {
    rowPtr,
    col: cells.col.slice(0, cells.length),
    value: cells.value.slice(0, cells.length),
    time: cells.time.slice(0, cells.length),
  };
  const dataset: Dataset = {
    nServices,
    regions: [...DEMO_REGIONS],
    needsVocabulary: [...DEMO_NEEDS],
    clients: clientColumns,
    interactions,
  };

  const acceptance = new Float32Array(nSegments * nServices);
  for (let g = 0; g < nSegments; g++) {
    for (let s = 0; s < nServices; s++) {
      acceptance[g * nServices + s] = baseAcceptance[g * nBase + catalog.services[s].baseIndex];
    }
  }
  const truth: DemoTruth = {
    preset: definition.preset,
    segments: segments.map((s, id) => ({
      id,
      code: s.code,
      description: s.description,
      share: s.share / shareTotal,
      signature: s.signature.map((code) => indexOfService(code, s.code)),
    })),
    segment: segmentColumn,
    secondarySegment: secondaryColumn,
    activity: activityColumn,
    acceptance,
    mixingWeight: definition.mixingWeight,
    segmentOf: (clientIndex) => segmentColumn[clientIndex],
    acceptanceProbability: (segmentId, service) => acceptance[segmentId * nServices + service],
    clientAcceptanceProbability(clientIndex, service) {
      let p = acceptance[segmentColumn[clientIndex] * nServices + service];
      const secondary = secondaryColumn[clientIndex];
      if (secondary !== NO_SECONDARY_SEGMENT) {
        p = Math.max(p, definition.mixingWeight * acceptance[secondary * nServices + service]);
      }
      return Math.min(MAX_ACCEPTANCE, p * activityColumn[clientIndex]);
    },
  };

  return { dataset, catalog, truth, clientCompany };
}
