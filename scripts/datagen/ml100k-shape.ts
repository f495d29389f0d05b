/**
 * Synthetic data with the shape of MovieLens-100K (943 users × 1,682 items, 100,000 ratings, every
 * user with at least 20), for building and testing the offline evaluation protocol without the real
 * dataset (which may not be redistributed). Deterministic for a seed.
 *
 * Generative model:
 * - items get 1–3 of 19 genres (MovieLens genre frequencies), a latent taste vector built from their
 *   genres plus noise, and a log-normal popularity (long tail: a few blockbusters, many items with a
 *   handful of ratings);
 * - users get an age, gender, occupation and zip region with MovieLens-like frequencies, and a taste
 *   vector = demographic component (age group, gender, occupation) + an individual component;
 * - user activity is 20 + a log-normal amount, scaled so the total is exactly the rating count and
 *   capped at 737 (the real maximum);
 * - each user rates the top-n items by log-popularity × POPULARITY_WEIGHT + taste · item × TASTE_WEIGHT
 *   + Gumbel noise (sampling without replacement in proportion to the implied weights);
 * - timestamps fall in the real collection period (Sept 1997 – Apr 1998): each user rates in bursts
 *   after a random first visit.
 * Every rating becomes a positive cell (value 1). The weights were set so that popularity and kNN
 * baselines land near their published ML-100K figures under the classic protocol.
 */
import { type Dataset, GENDER_FEMALE, GENDER_MALE } from "../../src/domain/dataset";
import { Rng } from "../../src/domain/random";

const GENRE_WEIGHTS = [2, 42, 135, 42, 122, 505, 109, 50, 725, 22, 24, 92, 56, 61, 247, 101, 251, 71, 27];
const OCCUPATIONS: ReadonlyArray<[string, number]> = [
  ["student", 196],
  ["other", 105],
  ["educator", 95],
  ["administrator", 79],
  ["engineer", 67],
  ["programmer", 66],
  ["librarian", 51],
  ["writer", 45],
  ["executive", 32],
  ["scientist", 31],
  ["artist", 28],
  ["technician", 27],
  ["marketing", 26],
  ["entertainment", 18],
  ["healthcare", 16],
  ["retired", 14],
  ["lawyer", 12],
  ["salesman", 12],
  ["none", 9],
  ["homemaker", 7],
  ["doctor", 7],
];
const ZIP_REGIONS = ["zip-0", "zip-1", "zip-2", "zip-3", "zip-4", "zip-5", "zip-6", "zip-7", "zip-8", "zip-9"];
const ZIP_WEIGHTS = [8, 9, 10, 9, 9, 13, 10, 7, 10, 15];
const LATENT_DIMS = 16;
/** Weight of log-popularity in an item's selection key. */
const POPULARITY_WEIGHT = 1.1;
/** Weight of the user-item taste match in the selection key. */
const TASTE_WEIGHT = 8;
/** Spread of the log-normal item popularity. */
const POPULARITY_SIGMA = 1.5;
/** Share of a user's taste vector that comes from demographics. */
const DEMOGRAPHIC_SHARE = 0.2;
/** Share of a user's taste vector that comes from its taste archetype (action fan, family viewer, ...). */
const ARCHETYPE_SHARE = 0.5;
/** Number of taste archetypes. */
const ARCHETYPES = 12;
const MIN_RATINGS = 20;
const MAX_RATINGS = 737;
const PERIOD_START = Date.UTC(1997, 8, 20);
const PERIOD_END = Date.UTC(1998, 3, 22);
const DAY = 24 * 60 * 60 * 1000;

export interface Ml100kShapeOptions {
  seed?: number;
  users?: number;
  items?: number;
  ratings?: number;
  /** Calibration knobs (defaults: the constants above). */
  popularityWeight?: number;
  tasteWeight?: number;
  popularitySigma?: number;
  demographicShare?: number;
  archetypeShare?: number;
}

function pick(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let target = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}

function randomVector(rng: Rng, scale = 1): Float64Array {
  const v = new Float64Array(LATENT_DIMS);
  for (let d = 0; d < LATENT_DIMS; d++) v[d] = rng.normal() * scale;
  return v;
}

function normalise(v: Float64Array): Float64Array {
  let s = 0;
  for (let d = 0; d < v.length; d++) s += v[d] * v[d];
  const inverse = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let d = 0; d < v.length; d++) v[d] *= inverse;
  return v;
}

/**
 * Generates the dataset (default 943 users, 1,682 items, 100,000 ratings).
 * @throws RangeError when the rating count does not fit the users and items.
 */
export function generateMl100kShape(options: Ml100kShapeOptions = {}): Dataset {
  const users = options.users ?? 943;
  const items = options.items ?? 1682;
  const ratings = options.ratings ?? 100_000;
  const maxPerUser = Math.min(MAX_RATINGS, items);
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(items) || items < MIN_RATINGS) {
    throw new RangeError("users must be >= 1 and items >= 20");
  }
  if (!Number.isInteger(ratings) || ratings < users * MIN_RATINGS || ratings > users * maxPerUser) {
    throw new RangeError(`ratings must be within ${users * MIN_RATINGS}..${users * maxPerUser}`);
  }
  const rng = new Rng(options.seed ?? 42, 0x4d4c);
  const popularityWeight = options.popularityWeight ?? POPULARITY_WEIGHT;
  const tasteWeight = options.tasteWeight ?? TASTE_WEIGHT;
  const popularitySigma = options.popularitySigma ?? POPULARITY_SIGMA;
  const demographicShare = options.demographicShare ?? DEMOGRAPHIC_SHARE;
  const archetypeShare = options.archetypeShare ?? ARCHETYPE_SHARE;
  if (!(demographicShare >= 0 && archetypeShare >= 0 && demographicShare + archetypeShare <= 1)) {
    throw new RangeError("demographicShare and archetypeShare must be >= 0 and sum to at most 1");
  }

  const genreVectors = GENRE_WEIGHTS.map(() => randomVector(rng));
  const itemVectors = new Float64Array(items * LATENT_DIMS);
  const logPopularity = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    const v = randomVector(rng, 0.6);
    const genres = 1 + (rng.next() < 0.45 ? 1 : 0) + (rng.next() < 0.15 ? 1 : 0);
    for (let g = 0; g < genres; g++) {
      const genre = genreVectors[pick(rng, GENRE_WEIGHTS)];
      for (let d = 0; d < LATENT_DIMS; d++) v[d] += genre[d];
    }
    normalise(v);
    itemVectors.set(v, i * LATENT_DIMS);
    logPopularity[i] = popularitySigma * rng.normal();
  }

  const ageGroupVectors = Array.from({ length: 6 }, () => randomVector(rng));
  const genderVectors = [randomVector(rng), randomVector(rng)];
  const occupationVectors = OCCUPATIONS.map(() => randomVector(rng));
  const occupationWeights = OCCUPATIONS.map(([, w]) => w);
  const archetypeVectors = Array.from({ length: ARCHETYPES }, () => normalise(randomVector(rng)));
  const age = new Float32Array(users);
  const gender = new Int8Array(users);
  const region = new Uint16Array(users);
  const needsPtr = new Int32Array(users + 1);
  const needsIdx = new Uint16Array(users);
  const taste = new Float64Array(users * LATENT_DIMS);
  const activity = new Float64Array(users);
  for (let u = 0; u < users; u++) {
    age[u] = Math.round(Math.min(73, Math.max(7, 33 + 11 * rng.normal())));
    const male = rng.next() < 0.71;
    gender[u] = male ? GENDER_MALE : GENDER_FEMALE;
    region[u] = pick(rng, ZIP_WEIGHTS);
    const occupation = pick(rng, occupationWeights);
    needsIdx[u] = occupation;
    needsPtr[u + 1] = u + 1;
    const ageGroup = Math.min(5, Math.floor(Math.max(0, age[u] - 15) / 10));
    const demographic = new Float64Array(LATENT_DIMS);
    for (let d = 0; d < LATENT_DIMS; d++) {
      demographic[d] = ageGroupVectors[ageGroup][d] + genderVectors[male ? 1 : 0][d] + occupationVectors[occupation][d];
    }
    normalise(demographic);
    // Demographics make some archetypes likelier (softmax of their match), so profiles carry signal.
    const archetypeWeights = archetypeVectors.map((a) => {
      let dot = 0;
      for (let d = 0; d < LATENT_DIMS; d++) dot += a[d] * demographic[d];
      return Math.exp(2 * dot);
    });
    const archetype = archetypeVectors[pick(rng, archetypeWeights)];
    const individual = normalise(randomVector(rng));
    const individualShare = 1 - demographicShare - archetypeShare;
    const v = new Float64Array(LATENT_DIMS);
    for (let d = 0; d < LATENT_DIMS; d++) {
      v[d] =
        Math.sqrt(demographicShare) * demographic[d] +
        Math.sqrt(archetypeShare) * archetype[d] +
        Math.sqrt(individualShare) * individual[d];
    }
    taste.set(normalise(v), u * LATENT_DIMS);
    activity[u] = Math.exp(3.6 + 1.05 * rng.normal());
  }

  // Scale activity so that the counts sum to exactly `ratings` (bisection on the scale factor).
  const counts = new Int32Array(users);
  const countsFor = (factor: number) => {
    let total = 0;
    for (let u = 0; u < users; u++) {
      counts[u] = Math.min(maxPerUser, MIN_RATINGS + Math.floor(activity[u] * factor));
      total += counts[u];
    }
    return total;
  };
  let low = 0;
  let high = 1;
  while (countsFor(high) < ratings) high *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (countsFor(mid) <= ratings) low = mid;
    else high = mid;
  }
  let total = countsFor(low);
  for (let u = 0; total < ratings; u = (u + 1) % users) {
    if (counts[u] < maxPerUser) {
      counts[u]++;
      total++;
    }
  }

  const rowPtr = new Int32Array(users + 1);
  for (let u = 0; u < users; u++) rowPtr[u + 1] = rowPtr[u] + counts[u];
  const col = new Int32Array(ratings);
  const value = new Int8Array(ratings).fill(1);
  const time = new Float64Array(ratings);
  const keys = new Float64Array(items);
  const order = new Int32Array(items);
  const chosen = new Int32Array(maxPerUser);
  const span = PERIOD_END - PERIOD_START;
  for (let u = 0; u < users; u++) {
    const userRng = new Rng(options.seed ?? 42, u + 1);
    for (let i = 0; i < items; i++) {
      let dot = 0;
      for (let d = 0; d < LATENT_DIMS; d++) dot += taste[u * LATENT_DIMS + d] * itemVectors[i * LATENT_DIMS + d];
      keys[i] = popularityWeight * logPopularity[i] + tasteWeight * dot + userRng.gumbel();
      order[i] = i;
    }
    order.sort((a, b) => keys[b] - keys[a] || a - b);
    const n = counts[u];
    chosen.set(order.subarray(0, n));
    const picked = chosen.subarray(0, n).sort();
    const firstVisit = PERIOD_START + userRng.next() * span * 0.9;
    for (let i = 0; i < n; i++) {
      col[rowPtr[u] + i] = picked[i];
      const burst = userRng.next() < 0.7 ? userRng.next() * 2 * DAY : -Math.log(1 - userRng.next()) * 30 * DAY;
      time[rowPtr[u] + i] = Math.floor(Math.min(PERIOD_END, firstVisit + burst) / 1000) * 1000;
    }
  }

  return {
    nServices: items,
    regions: [...ZIP_REGIONS],
    needsVocabulary: OCCUPATIONS.map(([name]) => name),
    clients: {
      count: users,
      age,
      monthlyIncome: new Float32Array(users),
      region,
      gender,
      needsPtr,
      needsIdx,
    },
    interactions: { rowPtr, col, value, time },
  };
}
