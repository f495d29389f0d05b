/**
 * Train / test splits of a dataset for offline evaluation. Splits are per client (RecBole's
 * "group by user"), so every evaluated client keeps history to be scored from. Only positive
 * cells (1) move to the test side; declines (-1) always stay in training — they are known
 * history, never a target.
 *
 *   random         a share (default 20%) of each client's positives, rounded down, drawn at random
 *   temporal       the newest share of each client's positives (needs times)
 *   leave-one-out  the newest positive (random when there are no times) of clients with >= 2 positives
 */
import type { Dataset } from "../dataset";
import { Rng } from "../random";

export type SplitMethod = "random" | "temporal" | "leave-one-out";

/** Held-out positives per client row in CSR form (same rows as the training dataset). */
export interface HeldOut {
  ptr: Int32Array;
  items: Int32Array;
}

export interface Split {
  train: Dataset;
  test: HeldOut;
}

export interface SplitOptions {
  /** Share of each client's positives in the test side for random / temporal (default 0.2). */
  testShare?: number;
  seed?: number;
}

/**
 * Splits the interactions of a dataset (the client columns are shared, not copied). Deterministic
 * for a seed.
 * @throws RangeError for a temporal split without times, or a share outside (0, 1).
 */
export function splitDataset(dataset: Dataset, method: SplitMethod, options: SplitOptions = {}): Split {
  const share = options.testShare ?? 0.2;
  if (!(share > 0 && share < 1)) throw new RangeError("testShare must be within (0, 1)");
  const r = dataset.interactions;
  const time = r.time;
  if (method === "temporal" && !time) throw new RangeError("a temporal split needs interaction times");
  const rows = dataset.clients.count;
  const seed = options.seed ?? 1;
  const testMark = new Uint8Array(r.col.length);
  const positives: number[] = [];
  for (let row = 0; row < rows; row++) {
    positives.length = 0;
    for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) if (r.value[i] > 0) positives.push(i);
    const count = positives.length;
    let take = 0;
    if (method === "leave-one-out") take = count >= 2 ? 1 : 0;
    else take = Math.floor(share * count);
    if (take === 0) continue;
    if (method === "random" || (method === "leave-one-out" && !time)) {
      const rng = new Rng(seed, row);
      rng.shuffle(positives);
    } else {
      // Newest last; equal times keep storage order so the split is deterministic.
      const t = time as Float64Array;
      positives.sort((a, b) => t[a] - t[b] || a - b);
      positives.reverse();
    }
    for (let i = 0; i < take; i++) testMark[positives[i]] = 1;
  }
  const keep = r.col.length - testMark.reduce((sum, v) => sum + v, 0);
  const rowPtr = new Int32Array(rows + 1);
  const col = new Int32Array(keep);
  const value = new Int8Array(keep);
  const trainTime = time ? new Float64Array(keep) : undefined;
  const testPtr = new Int32Array(rows + 1);
  const testItems = new Int32Array(r.col.length - keep);
  let kept = 0;
  let held = 0;
  for (let row = 0; row < rows; row++) {
    rowPtr[row] = kept;
    testPtr[row] = held;
    for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) {
      if (testMark[i]) testItems[held++] = r.col[i];
      else {
        col[kept] = r.col[i];
        value[kept] = r.value[i];
        if (trainTime && time) trainTime[kept] = time[i];
        kept++;
      }
    }
  }
  rowPtr[rows] = kept;
  testPtr[rows] = held;
  return {
    train: { ...dataset, interactions: { rowPtr, col, value, time: trainTime } },
    test: { ptr: testPtr, items: testItems },
  };
}

/** Held-out offers per client row in CSR form: the service offered and whether it was accepted. */
export interface HeldOutOffers {
  ptr: Int32Array;
  items: Int32Array;
  /** 1 = accepted (the cell was a use), 0 = declined. */
  accepted: Uint8Array;
}

/**
 * Temporal split of the OFFERS of a history: every cell of R is an offer that was accepted (1) or
 * declined (-1), so the newest share of each client's cells, both outcomes, is held out as later
 * offers and everything older stays in training. This is the calibration protocol: the rating
 * of a held-out offer is compared with what the client did.
 * @throws RangeError without times or with a share outside (0, 1).
 */
export function splitOffers(
  dataset: Dataset,
  options: { testShare?: number } = {},
): { train: Dataset; offers: HeldOutOffers } {
  const share = options.testShare ?? 0.2;
  if (!(share > 0 && share < 1)) throw new RangeError("testShare must be within (0, 1)");
  const r = dataset.interactions;
  const time = r.time;
  if (!time) throw new RangeError("an offer split needs interaction times");
  const rows = dataset.clients.count;
  const testMark = new Uint8Array(r.col.length);
  const cells: number[] = [];
  let held = 0;
  for (let row = 0; row < rows; row++) {
    cells.length = 0;
    for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) cells.push(i);
    const take = Math.floor(share * cells.length);
    if (take === 0) continue;
    // Newest first; equal times keep storage order so the split is deterministic.
    cells.sort((a, b) => time[b] - time[a] || b - a);
    for (let i = 0; i < take; i++) testMark[cells[i]] = 1;
    held += take;
  }
  const keep = r.col.length - held;
  const rowPtr = new Int32Array(rows + 1);
  const col = new Int32Array(keep);
  const value = new Int8Array(keep);
  const trainTime = new Float64Array(keep);
  const ptr = new Int32Array(rows + 1);
  const items = new Int32Array(held);
  const accepted = new Uint8Array(held);
  let kept = 0;
  let out = 0;
  for (let row = 0; row < rows; row++) {
    rowPtr[row] = kept;
    ptr[row] = out;
    for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) {
      if (testMark[i]) {
        items[out] = r.col[i];
        accepted[out++] = r.value[i] > 0 ? 1 : 0;
      } else {
        col[kept] = r.col[i];
        value[kept] = r.value[i];
        trainTime[kept++] = time[i];
      }
    }
  }
  rowPtr[rows] = kept;
  ptr[rows] = out;
  return {
    train: { ...dataset, interactions: { rowPtr, col, value, time: trainTime } },
    offers: { ptr, items, accepted },
  };
}
