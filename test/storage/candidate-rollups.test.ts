/**
 * Staged rollup increments (src/storage/candidate-rollups.ts): the reads count pending rows as if they
 * were folded, a fold moves them into the rollups exactly once however folds interleave, and a lead
 * call's isolate folds its shard every FOLD_EVERY_STAGED_CALLS calls or FOLD_MAX_AGE_MS.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/domain/time";
import {
  countPendingRollups,
  FOLD_EVERY_STAGED_CALLS,
  FOLD_MAX_AGE_MS,
  foldPendingRollups,
  loadRollupRows,
  noteStagedCall,
  type RollupIncrement,
  type RollupRow,
  stageRollupIncrements,
} from "../../src/storage/candidate-rollups";
import { clientShards } from "../../src/storage/shards";

const db = clientShards(env)[0].db;
const DAY = Date.UTC(2026, 11, 5);
const WINDOW = { from: DAY - 10 * DAY_MS, to: DAY + DAY_MS };

async function stage(increments: RollupIncrement[]) {
  const statements = stageRollupIncrements(db, increments);
  await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
}

const sorted = (rows: RollupRow[]) =>
  rows
    .map((row) => ({
      ...row,
      ratingSum: Math.round(row.ratingSum * 1e6),
      ratingSquareSum: Math.round(row.ratingSquareSum * 1e3),
    }))
    .sort((a, b) =>
      `${a.companyId}|${a.serviceId}|${a.ratingSlot}|${a.decision}|${a.outcome}`.localeCompare(
        `${b.companyId}|${b.serviceId}|${b.ratingSlot}|${b.decision}|${b.outcome}`,
      ),
    );

beforeEach(async () => {
  await db.run(sql`DELETE FROM candidate_rollups`);
  await db.run(sql`DELETE FROM candidate_rollup_pending`);
});

describe("staged rollup increments", () => {
  it("stages one pending row per call that the reads count before any fold", async () => {
    await stage([
      { at: DAY + 1000, companyId: "co_a", serviceId: "sv_1", rating: 42.5, decision: "below_threshold", outcome: 0 },
      { at: DAY + 2000, companyId: "co_a", serviceId: "sv_1", rating: 42.9, decision: "below_threshold", outcome: 0 },
      { at: DAY + 3000, companyId: "co_b", serviceId: "sv_2", rating: 80, decision: "lead", outcome: 0 },
    ]);
    expect(await countPendingRollups(db)).toBe(1);
    const rows = await loadRollupRows(db, WINDOW);
    expect(sorted(rows)).toEqual(
      sorted([
        {
          companyId: "co_a",
          serviceId: "sv_1",
          ratingSlot: 42,
          decision: "below_threshold",
          outcome: 0,
          count: 2,
          ratingSum: 85.4,
          ratingSquareSum: 42.5 ** 2 + 42.9 ** 2,
        },
        {
          companyId: "co_b",
          serviceId: "sv_2",
          ratingSlot: 80,
          decision: "lead",
          outcome: 0,
          count: 1,
          ratingSum: 80,
          ratingSquareSum: 6400,
        },
      ]),
    );
    // The filters apply to pending rows as to folded ones.
    expect(await loadRollupRows(db, { ...WINDOW, companyId: "co_b" })).toHaveLength(1);
    expect(await loadRollupRows(db, { ...WINDOW, decisions: ["lead"] })).toHaveLength(1);
    expect(await loadRollupRows(db, { from: DAY + DAY_MS, to: DAY + 2 * DAY_MS })).toEqual([]);
    expect(await foldPendingRollups(db)).toBe(1);
    expect(await countPendingRollups(db)).toBe(0);
    expect(sorted(await loadRollupRows(db, WINDOW))).toEqual(sorted(rows));
  });

  it("folds the oldest rows first, at most the limit per fold, and never adds a row twice under concurrent folds", async () => {
    for (let call = 0; call < 7; call++) {
      await stage([{ at: DAY + call, companyId: "co_a", serviceId: "sv_1", rating: 50, decision: "lead", outcome: 0 }]);
    }
    expect(await foldPendingRollups(db, 3)).toBe(3);
    expect(await countPendingRollups(db)).toBe(4);
    const folded = await db.all<{ count: number }>(sql`SELECT count FROM candidate_rollups`);
    expect(folded).toEqual([{ count: 3 }]);
    // Two isolates folding at once: D1 runs the batches one after the other; the second finds fewer rows.
    const [first, second] = await Promise.all([foldPendingRollups(db, 3), foldPendingRollups(db, 3)]);
    expect(first + second).toBe(4);
    expect(await foldPendingRollups(db)).toBe(0);
    expect(await db.all(sql`SELECT count, rating_sum FROM candidate_rollups`)).toEqual([{ count: 7, rating_sum: 350 }]);
  });

  it("gives the same report folded or not, whatever the increments and however they are folded", async () => {
    const increment = fc.record({
      at: fc.integer({ min: DAY - 3 * DAY_MS, max: DAY + DAY_MS - 1 }),
      companyId: fc.constantFrom("co_a", "co_b"),
      serviceId: fc.constantFrom("sv_1", "sv_2", "sv_3"),
      rating: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(101)),
      decision: fc.constantFrom("below_threshold", "lead", "control"),
      outcome: fc.constantFrom(0, 1, -1),
    }) as fc.Arbitrary<RollupIncrement>;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(increment, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        async (calls, perFold) => {
          await db.run(sql`DELETE FROM candidate_rollups`);
          await db.run(sql`DELETE FROM candidate_rollup_pending`);
          for (const call of calls) await stage(call);
          const before = sorted(await loadRollupRows(db, WINDOW));
          while ((await foldPendingRollups(db, perFold)) > 0) {
            expect(sorted(await loadRollupRows(db, WINDOW))).toEqual(before);
          }
          expect(await countPendingRollups(db)).toBe(0);
          expect(before.reduce((sum, row) => sum + row.count, 0)).toBe(calls.flat().length);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe("fold cadence of a lead call's isolate", () => {
  it("asks for a fold every FOLD_EVERY_STAGED_CALLS calls on a shard, and after FOLD_MAX_AGE_MS when calls are few", () => {
    const shard = `TEST_SHARD_${Math.random()}`;
    const answers = Array.from({ length: FOLD_EVERY_STAGED_CALLS * 2 }, () => noteStagedCall(shard, 1_000));
    expect(answers.filter(Boolean)).toHaveLength(2);
    expect(answers[FOLD_EVERY_STAGED_CALLS - 1]).toBe(true);
    expect(answers[FOLD_EVERY_STAGED_CALLS * 2 - 1]).toBe(true);
    expect(noteStagedCall(shard, 5_000)).toBe(false);
    expect(noteStagedCall(shard, 5_000 + FOLD_MAX_AGE_MS - 1)).toBe(false);
    expect(noteStagedCall(shard, 5_000 + FOLD_MAX_AGE_MS)).toBe(true);
    // Each shard counts on its own.
    expect(noteStagedCall(`${shard}-other`, 5_000 + FOLD_MAX_AGE_MS)).toBe(false);
  });
});
