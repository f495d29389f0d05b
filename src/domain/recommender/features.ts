/**
 * The feature space of the user-based part: how a client (anonymized profile + own row of the
 * interaction matrix) becomes one unit vector, so that clients can be compared by cosine and
 * clustered into reference groups. Also the client segment (age band × income band) used by the
 * segment-popularity signal and the labels the reasons print.
 *
 * Vector layout (dimension P + nServices):
 *   [ age band | income band | region (+ "other") | gender (female, male) | needs tags ][ services ]
 * Profile blocks are each unit-normalised, multiplied by their block weight and the profile part is
 * normalised again; ordinal blocks (age, income) use a soft one-hot (own band 1, adjacent bands 0.5)
 * so that neighbouring bands stay similar. The interactions part is the client's signed row
 * (1 used, -1 declined) divided by √(number of non-zero cells). When the client has both parts the
 * profile gets `profileShare` of the squared norm and the interactions the rest, so the cosine of
 * two clients is profileShare · cos(profiles) + (1 − profileShare) · cos(rows).
 */
import { type Dataset, GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN } from "../dataset";

/** Upper-exclusive edges of the age bands: under 25, 25–34, 35–44, 45–54, 55–64, 65+. */
export const DEFAULT_AGE_BAND_EDGES: readonly number[] = [25, 35, 45, 55, 65];
/** Upper-exclusive edges of the monthly income bands in RUB: under 30k, 30–50k, 50–80k, 80–150k, 150–300k, 300k+. */
export const DEFAULT_INCOME_BAND_EDGES: readonly number[] = [30_000, 50_000, 80_000, 150_000, 300_000];

/** Relative weight of each profile block inside the profile part (before the profile is normalised). */
export interface ProfileBlockWeights {
  age: number;
  income: number;
  region: number;
  gender: number;
  needs: number;
}

/** Age and income say most about financial needs; region and gender less; needs tags are explicit intent. */
export const DEFAULT_BLOCK_WEIGHTS: Readonly<ProfileBlockWeights> = Object.freeze({
  age: 1,
  income: 1,
  region: 0.7,
  gender: 0.5,
  needs: 1,
});

/**
 * Default share of the squared norm given to the profile when a client also has interactions.
 * Behaviour predicts behaviour better than demographics, so the row weighs more; the profile still
 * separates clients with identical short histories and carries the whole vector at cold start.
 */
export const DEFAULT_PROFILE_SHARE = 0.3;

/** Everything needed to turn a client into a vector; fixed for one generation of statistics. */
export interface FeatureSpace {
  /** Number of services (columns of the interaction matrix). */
  readonly nServices: number;
  readonly ageBandEdges: readonly number[];
  readonly incomeBandEdges: readonly number[];
  /** Known regions; a client from any other region falls into one shared "other region" slot. */
  readonly regions: readonly string[];
  /** Known needs tags; unknown tags are ignored until the next full rebuild. */
  readonly needsVocabulary: readonly string[];
  readonly blockWeights: Readonly<ProfileBlockWeights>;
  /** 0..1, see DEFAULT_PROFILE_SHARE. */
  readonly profileShare: number;
}

/** Offsets of every block in the client vector and in the per-group profile histogram. */
export interface FeatureLayout {
  readonly ageOffset: number;
  readonly ageBands: number;
  readonly incomeOffset: number;
  readonly incomeBands: number;
  readonly regionOffset: number;
  /** regions.length + 1: the last slot is "other region". */
  readonly regionSlots: number;
  /** Two dimensions: female, male (unknown gender leaves the block empty). */
  readonly genderOffset: number;
  readonly needsOffset: number;
  readonly needsDims: number;
  /** P: dimensions of the profile part. */
  readonly profileDims: number;
  /** P + nServices. */
  readonly vectorDims: number;
  /** ageBands × incomeBands. */
  readonly segments: number;
  /** Exact integer histogram of group members: age bands, income bands, region slots, gender (unknown, female, male), needs. */
  readonly histogramAgeOffset: number;
  readonly histogramIncomeOffset: number;
  readonly histogramRegionOffset: number;
  readonly histogramGenderOffset: number;
  readonly histogramNeedsOffset: number;
  readonly histogramSlots: number;
}

/** A client's anonymized profile in model terms (indices, not strings): see `profileFromFields`. */
export interface RecommenderProfile {
  /** Age in years. */
  age: number;
  /**
   * Monthly income in RUB; NaN = unknown (the missing value: the income block of the vector stays
   * empty, the client belongs to no segment and no income band of its group's histogram).
   */
  monthlyIncome: number;
  /** Index into `FeatureSpace.regions`; -1 (or any unknown index) = other region. */
  region: number;
  /** GENDER_UNKNOWN | GENDER_FEMALE | GENDER_MALE. */
  gender: number;
  /** Indices into `FeatureSpace.needsVocabulary`; unknown indices are ignored. */
  needs: ArrayLike<number>;
}

/** The client's own row of the interaction matrix: one entry per service, no duplicates. */
export interface ClientInteractions {
  /** Service model indices. */
  services: ArrayLike<number>;
  /** 1 = uses the service, -1 = declined an offer of it. */
  values: ArrayLike<number>;
  /** Epoch ms of each cell (needed for the decline cooldown; a decline without a time counts as recent). */
  times?: ArrayLike<number>;
}

/** What the recommender knows about one client. */
export interface RecommenderClient {
  profile: RecommenderProfile;
  interactions: ClientInteractions;
}

const layoutCache = new WeakMap<FeatureSpace, FeatureLayout>();

/** Block offsets of a feature space (cached per space object). */
export function featureLayout(space: FeatureSpace): FeatureLayout {
  const cached = layoutCache.get(space);
  if (cached) return cached;
  const ageBands = space.ageBandEdges.length + 1;
  const incomeBands = space.incomeBandEdges.length + 1;
  const regionSlots = space.regions.length + 1;
  const needsDims = space.needsVocabulary.length;
  const ageOffset = 0;
  const incomeOffset = ageOffset + ageBands;
  const regionOffset = incomeOffset + incomeBands;
  const genderOffset = regionOffset + regionSlots;
  const needsOffset = genderOffset + 2;
  const profileDims = needsOffset + needsDims;
  const histogramAgeOffset = 0;
  const histogramIncomeOffset = ageBands;
  const histogramRegionOffset = histogramIncomeOffset + incomeBands;
  const histogramGenderOffset = histogramRegionOffset + regionSlots;
  const histogramNeedsOffset = histogramGenderOffset + 3;
  const layout: FeatureLayout = Object.freeze({
    ageOffset,
    ageBands,
    incomeOffset,
    incomeBands,
    regionOffset,
    regionSlots,
    genderOffset,
    needsOffset,
    needsDims,
    profileDims,
    vectorDims: profileDims + space.nServices,
    segments: ageBands * incomeBands,
    histogramAgeOffset,
    histogramIncomeOffset,
    histogramRegionOffset,
    histogramGenderOffset,
    histogramNeedsOffset,
    histogramSlots: histogramNeedsOffset + needsDims,
  });
  layoutCache.set(space, layout);
  return layout;
}

function checkEdges(name: string, edges: readonly number[]): void {
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1])) {
      throw new RangeError(`${name} must be finite and strictly ascending`);
    }
  }
}

/** Input of `createFeatureSpace`; everything but the vocabularies has a documented default. */
export interface FeatureSpaceInput {
  nServices: number;
  regions: readonly string[];
  needsVocabulary: readonly string[];
  ageBandEdges?: readonly number[];
  incomeBandEdges?: readonly number[];
  blockWeights?: Partial<ProfileBlockWeights>;
  profileShare?: number;
}

/**
 * Builds and validates a feature space.
 * @throws RangeError on a negative service count, unordered band edges, negative weights or a profile share outside 0..1.
 */
export function createFeatureSpace(input: FeatureSpaceInput): FeatureSpace {
  if (!Number.isInteger(input.nServices) || input.nServices < 0) {
    throw new RangeError(`nServices must be an integer >= 0, got ${input.nServices}`);
  }
  const ageBandEdges = [...(input.ageBandEdges ?? DEFAULT_AGE_BAND_EDGES)];
  const incomeBandEdges = [...(input.incomeBandEdges ?? DEFAULT_INCOME_BAND_EDGES)];
  checkEdges("ageBandEdges", ageBandEdges);
  checkEdges("incomeBandEdges", incomeBandEdges);
  const blockWeights = { ...DEFAULT_BLOCK_WEIGHTS, ...input.blockWeights };
  for (const [name, weight] of Object.entries(blockWeights)) {
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`block weight ${name} must be >= 0`);
  }
  const profileShare = input.profileShare ?? DEFAULT_PROFILE_SHARE;
  if (!(profileShare >= 0 && profileShare <= 1)) throw new RangeError("profileShare must be within 0..1");
  if (new Set(input.regions).size !== input.regions.length) throw new RangeError("regions must be unique");
  if (new Set(input.needsVocabulary).size !== input.needsVocabulary.length) {
    throw new RangeError("needsVocabulary must be unique");
  }
  return Object.freeze({
    nServices: input.nServices,
    ageBandEdges: Object.freeze(ageBandEdges),
    incomeBandEdges: Object.freeze(incomeBandEdges),
    regions: Object.freeze([...input.regions]),
    needsVocabulary: Object.freeze([...input.needsVocabulary]),
    blockWeights: Object.freeze(blockWeights),
    profileShare,
  });
}

/**
 * A feature space for a dataset: its vocabularies, default bands and weights, except that a profile
 * block that does not vary across the dataset (e.g. no incomes in MovieLens data) gets weight 0 —
 * a constant block would only make every client look alike.
 */
export function featureSpaceFromDataset(
  dataset: Dataset,
  options: Omit<Partial<FeatureSpaceInput>, "nServices" | "regions" | "needsVocabulary"> = {},
): FeatureSpace {
  const base = createFeatureSpace({
    ...options,
    nServices: dataset.nServices,
    regions: dataset.regions,
    needsVocabulary: dataset.needsVocabulary,
  });
  const c = dataset.clients;
  const varies = (values: ArrayLike<number>, key: (v: number) => number) => {
    if (c.count === 0) return false;
    const first = key(values[0]);
    for (let i = 1; i < c.count; i++) if (key(values[i]) !== first) return true;
    return false;
  };
  const weights = { ...base.blockWeights };
  if (!varies(c.age, (v) => bandOf(base.ageBandEdges, v))) weights.age = 0;
  if (!varies(c.monthlyIncome, (v) => bandOf(base.incomeBandEdges, v))) weights.income = 0;
  if (!varies(c.region, (v) => v)) weights.region = 0;
  if (!varies(c.gender, (v) => v)) weights.gender = 0;
  if (c.needsPtr[c.count] - c.needsPtr[0] === 0) weights.needs = 0;
  return createFeatureSpace({ ...base, blockWeights: weights });
}

/** Index of the band that `value` falls in (edges are upper-exclusive); NaN falls in band 0. */
export function bandOf(edges: readonly number[], value: number): number {
  let band = 0;
  while (band < edges.length && value >= edges[band]) band++;
  return band;
}

/** Segment of a profile: ageBand × incomeBands + incomeBand; -1 when the income is unknown (not finite). */
export function segmentOf(space: FeatureSpace, age: number, monthlyIncome: number): number {
  if (!Number.isFinite(monthlyIncome)) return -1;
  return (
    bandOf(space.ageBandEdges, age) * (space.incomeBandEdges.length + 1) + bandOf(space.incomeBandEdges, monthlyIncome)
  );
}

function formatMoney(rub: number): string {
  if (rub >= 1_000_000) return `${Number((rub / 1_000_000).toFixed(1))}M`;
  return `${Math.round(rub / 1000)}k`;
}

/** "under 25", "25–34", "65+": the ages of bands first..last. */
export function ageRangeLabel(space: FeatureSpace, first: number, last: number): string {
  const edges = space.ageBandEdges;
  if (edges.length === 0) return "any age";
  if (first <= 0 && last >= edges.length) return "any age";
  if (first <= 0) return `under ${edges[Math.min(last, edges.length - 1)]}`;
  if (last >= edges.length) return `${edges[first - 1]}+`;
  return `${edges[first - 1]}–${edges[last] - 1}`;
}

/** "under 30k", "80–150k", "300k+" (monthly RUB): the incomes of bands first..last. */
export function incomeRangeLabel(space: FeatureSpace, first: number, last: number): string {
  const edges = space.incomeBandEdges;
  if (edges.length === 0) return "any income";
  if (first <= 0 && last >= edges.length) return "any income";
  if (first <= 0) return `under ${formatMoney(edges[Math.min(last, edges.length - 1)])}`;
  if (last >= edges.length) return `${formatMoney(edges[first - 1])}+`;
  const low = formatMoney(edges[first - 1]);
  const high = formatMoney(edges[last]);
  return low.endsWith("k") && high.endsWith("k") ? `${low.slice(0, -1)}–${high}` : `${low}–${high}`;
}

/** Label of one age band. */
export function ageBandLabel(space: FeatureSpace, band: number): string {
  return ageRangeLabel(space, band, band);
}

/** Label of one income band. */
export function incomeBandLabel(space: FeatureSpace, band: number): string {
  return incomeRangeLabel(space, band, band);
}

/** "aged 25–34 with income 80–150k"; blocks switched off in the feature space are left out. */
export function segmentLabel(space: FeatureSpace, segment: number): string {
  const incomeBands = space.incomeBandEdges.length + 1;
  const parts: string[] = [];
  if (space.blockWeights.age > 0) parts.push(`aged ${ageBandLabel(space, Math.floor(segment / incomeBands))}`);
  if (space.blockWeights.income > 0) parts.push(`with income ${incomeBandLabel(space, segment % incomeBands)}`);
  return parts.join(" ");
}

/** Input fields of `profileFromFields`, as the API and D1 hold them. */
export interface ProfileFields {
  age: number;
  /** null = unknown. */
  monthlyIncome: number | null;
  region: string;
  gender?: "female" | "male" | null;
  needs?: readonly string[];
}

/** Maps a stored client profile (strings) onto the feature space (indices). Unknown region → other; unknown needs dropped. */
export function profileFromFields(space: FeatureSpace, fields: ProfileFields): RecommenderProfile {
  const needs: number[] = [];
  for (const tag of fields.needs ?? []) {
    const index = space.needsVocabulary.indexOf(tag);
    if (index >= 0 && !needs.includes(index)) needs.push(index);
  }
  return {
    age: fields.age,
    monthlyIncome: fields.monthlyIncome ?? Number.NaN,
    region: space.regions.indexOf(fields.region),
    gender: fields.gender === "female" ? GENDER_FEMALE : fields.gender === "male" ? GENDER_MALE : GENDER_UNKNOWN,
    needs,
  };
}

/** `encodeProfileInto` for one client's profile (scoring, group assignment, statistics deltas). */
export function encodeClientProfileInto(
  space: FeatureSpace,
  layout: FeatureLayout,
  profile: RecommenderProfile,
  out: Float64Array | Float32Array,
): boolean {
  return encodeProfileInto(
    space,
    layout,
    profile.age,
    profile.monthlyIncome,
    profile.region,
    profile.gender,
    profile.needs,
    0,
    profile.needs.length,
    out,
    0,
  );
}

/**
 * `encodeProfileInto` for row `row` of a columnar dataset (the full rebuild, k-means and exact
 * user-kNN all walk datasets row by row). Returns whether the profile carries anything.
 */
export function encodeDatasetProfileInto(
  space: FeatureSpace,
  layout: FeatureLayout,
  clients: Dataset["clients"],
  row: number,
  out: Float64Array | Float32Array,
  offset = 0,
): boolean {
  return encodeProfileInto(
    space,
    layout,
    clients.age[row],
    clients.monthlyIncome[row],
    clients.region[row],
    clients.gender[row],
    clients.needsIdx,
    clients.needsPtr[row],
    clients.needsPtr[row + 1],
    out,
    offset,
  );
}

/** Squared weight of the ordinal soft one-hot at `band` among `bands` (own 1, neighbours 0.25 each). */
function softOneHotSquaredNorm(band: number, bands: number): number {
  return 1 + (band > 0 ? 0.25 : 0) + (band < bands - 1 ? 0.25 : 0);
}

/**
 * Writes the unit profile part of a client into `out[offset .. offset + P)` (allocation-free).
 * Returns false when the profile carries nothing (all blocks switched off or empty): `out` is then all zeros.
 */
export function encodeProfileInto(
  space: FeatureSpace,
  layout: FeatureLayout,
  age: number,
  monthlyIncome: number,
  region: number,
  gender: number,
  needs: ArrayLike<number>,
  needsStart: number,
  needsEnd: number,
  out: Float64Array | Float32Array,
  offset: number,
): boolean {
  out.fill(0, offset, offset + layout.profileDims);
  const w = space.blockWeights;
  let squaredNorm = 0;
  if (w.age > 0 && Number.isFinite(age)) {
    const band = bandOf(space.ageBandEdges, age);
    const scale = w.age / Math.sqrt(softOneHotSquaredNorm(band, layout.ageBands));
    const base = offset + layout.ageOffset;
    out[base + band] = scale;
    if (band > 0) out[base + band - 1] = 0.5 * scale;
    if (band < layout.ageBands - 1) out[base + band + 1] = 0.5 * scale;
    squaredNorm += w.age * w.age;
  }
  if (w.income > 0 && Number.isFinite(monthlyIncome)) {
    const band = bandOf(space.incomeBandEdges, monthlyIncome);
    const scale = w.income / Math.sqrt(softOneHotSquaredNorm(band, layout.incomeBands));
    const base = offset + layout.incomeOffset;
    out[base + band] = scale;
    if (band > 0) out[base + band - 1] = 0.5 * scale;
    if (band < layout.incomeBands - 1) out[base + band + 1] = 0.5 * scale;
    squaredNorm += w.income * w.income;
  }
  if (w.region > 0) {
    out[offset + layout.regionOffset + regionSlot(layout, region)] = w.region;
    squaredNorm += w.region * w.region;
  }
  if (w.gender > 0 && (gender === GENDER_FEMALE || gender === GENDER_MALE)) {
    out[offset + layout.genderOffset + (gender === GENDER_FEMALE ? 0 : 1)] = w.gender;
    squaredNorm += w.gender * w.gender;
  }
  if (w.needs > 0) {
    const base = offset + layout.needsOffset;
    let distinct = 0;
    for (let i = needsStart; i < needsEnd; i++) {
      const tag = needs[i];
      if (Number.isInteger(tag) && tag >= 0 && tag < layout.needsDims && out[base + tag] === 0) {
        out[base + tag] = 1;
        distinct++;
      }
    }
    if (distinct > 0) {
      const scale = w.needs / Math.sqrt(distinct);
      for (let i = needsStart; i < needsEnd; i++) {
        const tag = needs[i];
        if (Number.isInteger(tag) && tag >= 0 && tag < layout.needsDims) out[base + tag] = scale;
      }
      squaredNorm += w.needs * w.needs;
    }
  }
  if (squaredNorm === 0) return false;
  const inverse = 1 / Math.sqrt(squaredNorm);
  for (let i = offset; i < offset + layout.profileDims; i++) out[i] *= inverse;
  return true;
}

/** Slot of a region index in the region block (unknown → the last, "other", slot). */
export function regionSlot(layout: FeatureLayout, region: number): number {
  return Number.isInteger(region) && region >= 0 && region < layout.regionSlots - 1 ? region : layout.regionSlots - 1;
}

/** Factor applied to the unit profile part, given whether it is non-empty and the row's non-zero count. */
export function profileScaleOf(space: FeatureSpace, hasProfile: boolean, nonZero: number): number {
  if (!hasProfile) return 0;
  return nonZero > 0 ? Math.sqrt(space.profileShare) : 1;
}

/** Factor applied to each ±1 cell of the row, given whether the profile is non-empty and the row's non-zero count. */
export function interactionScaleOf(space: FeatureSpace, hasProfile: boolean, nonZero: number): number {
  if (nonZero === 0) return 0;
  return (hasProfile ? Math.sqrt(1 - space.profileShare) : 1) / Math.sqrt(nonZero);
}

/**
 * Checks a client against the feature space: finite age, finite or unknown (NaN) income, interaction arrays of equal
 * length, service indices in range, values ±1, no service twice.
 * @throws RangeError naming the first problem.
 */
export function validateClient(space: FeatureSpace, client: RecommenderClient): void {
  const { profile, interactions } = client;
  if (!Number.isFinite(profile.age)) throw new RangeError("profile.age must be a finite number");
  // NaN is the missing value (unknown income); an infinite income is a caller's bug.
  if (!Number.isFinite(profile.monthlyIncome) && !Number.isNaN(profile.monthlyIncome)) {
    throw new RangeError("profile.monthlyIncome must be a finite number, or NaN when unknown");
  }
  const { services, values, times } = interactions;
  if (services.length !== values.length || (times && times.length !== services.length)) {
    throw new RangeError("interactions.services, values and times must have the same length");
  }
  const seen = new Set<number>();
  for (let i = 0; i < services.length; i++) {
    const s = services[i];
    if (!Number.isInteger(s) || s < 0 || s >= space.nServices) {
      throw new RangeError(`interactions.services[${i}] = ${s} is not a service index below ${space.nServices}`);
    }
    if (values[i] !== 1 && values[i] !== -1) throw new RangeError(`interactions.values[${i}] must be 1 or -1`);
    if (seen.has(s)) throw new RangeError(`service ${s} appears twice in the interactions`);
    seen.add(s);
  }
}

/**
 * The client's unit vector (dimension P + nServices), as documented at the top of this module.
 * A client with neither profile information nor interactions gets the zero vector.
 */
export function encodeClientVector(space: FeatureSpace, client: RecommenderClient): Float32Array {
  validateClient(space, client);
  const layout = featureLayout(space);
  const out = new Float32Array(layout.vectorDims);
  const { profile, interactions } = client;
  const hasProfile = encodeClientProfileInto(space, layout, profile, out);
  const nonZero = interactions.services.length;
  const profileScale = profileScaleOf(space, hasProfile, nonZero);
  for (let i = 0; i < layout.profileDims; i++) out[i] *= profileScale;
  const interactionScale = interactionScaleOf(space, hasProfile, nonZero);
  for (let i = 0; i < nonZero; i++) {
    out[layout.profileDims + interactions.services[i]] = interactions.values[i] * interactionScale;
  }
  return out;
}

/** A client of a Dataset as a RecommenderClient (views on the columns, no copy). */
export function datasetClient(dataset: Dataset, row: number): RecommenderClient {
  const c = dataset.clients;
  const r = dataset.interactions;
  const start = r.rowPtr[row];
  const end = r.rowPtr[row + 1];
  return {
    profile: {
      age: c.age[row],
      monthlyIncome: c.monthlyIncome[row],
      region: c.region[row],
      gender: c.gender[row],
      needs: c.needsIdx.subarray(c.needsPtr[row], c.needsPtr[row + 1]),
    },
    interactions: {
      services: r.col.subarray(start, end),
      values: r.value.subarray(start, end),
      times: r.time?.subarray(start, end),
    },
  };
}
