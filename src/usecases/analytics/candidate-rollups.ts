/**
 * The daily candidate rollups of every client shard, merged, and the three views the reports take
 * of them: the threshold preview's (slot, outcome) counts, the calibration report's per-slot sums
 * over leads, and the funnel's counts per (company, service, decision). docs/analytics.md, "Rollups".
 */
import type { CalibrationSlot } from "../../domain/calibration-report";
import type { RecordedDecision } from "../../domain/lead-selection";
import type { RatingCount } from "../../domain/thresholds";
import type { Env } from "../../env";
import type { CandidateCountRow } from "../../storage/analytics";
import { loadRollupRows, type RollupFilter, type RollupRow } from "../../storage/candidate-rollups";
import { clientShards } from "../../storage/shards";

/** Decisions the threshold preview leaves out: they are not new opportunities. */
const NOT_OPPORTUNITIES: readonly RecordedDecision[] = ["duplicate", "dry_run"];

/** The rollup rows of the window from every shard (read in parallel), summed per key. */
export async function rollupsAcrossShards(env: Env, filter: RollupFilter): Promise<RollupRow[]> {
  const perShard = await Promise.all(clientShards(env).map((shard) => loadRollupRows(shard.db, filter)));
  const merged = new Map<string, RollupRow>();
  for (const row of perShard.flat()) {
    const key = `${row.companyId}|${row.serviceId}|${row.ratingSlot}|${row.decision}|${row.outcome}`;
    const into = merged.get(key);
    if (!into) {
      merged.set(key, { ...row });
      continue;
    }
    into.count += row.count;
    into.ratingSum += row.ratingSum;
    into.ratingSquareSum += row.ratingSquareSum;
  }
  return [...merged.values()];
}

/** The threshold preview's histogram input: candidates by (slot, outcome), duplicates and dry runs left out. */
export function thresholdCounts(rows: readonly RollupRow[]): RatingCount[] {
  return rows
    .filter((row) => !NOT_OPPORTUNITIES.includes(row.decision))
    .map((row) => ({ slot: row.ratingSlot, outcome: row.outcome, count: row.count }));
}

/**
 * The calibration report's per-slot sums over leads (decision `lead`) with their standing outcomes:
 * Σ (1 − r/100)² = n − 2 Σr/100 + Σr²/10⁴ over accepted leads, Σ (r/100)² = Σr²/10⁴ over declined ones.
 * Leads rated outside 0–100 (slot −1) are counted in `ignored`.
 */
export function calibrationSlots(rows: readonly RollupRow[]): { slots: CalibrationSlot[]; ignored: number } {
  const bySlot = new Map<number, CalibrationSlot>();
  let ignored = 0;
  for (const row of rows) {
    if (row.decision !== "lead") continue;
    if (row.ratingSlot < 0) {
      ignored += row.count;
      continue;
    }
    let slot = bySlot.get(row.ratingSlot);
    if (!slot) {
      slot = { slot: row.ratingSlot, accepted: 0, declined: 0, unknown: 0, ratingSum: 0, squaredErrorSum: 0 };
      bySlot.set(row.ratingSlot, slot);
    }
    if (row.outcome === 1) {
      slot.accepted += row.count;
      slot.ratingSum += row.ratingSum;
      slot.squaredErrorSum += row.count - (2 * row.ratingSum) / 100 + row.ratingSquareSum / 10_000;
    } else if (row.outcome === -1) {
      slot.declined += row.count;
      slot.ratingSum += row.ratingSum;
      slot.squaredErrorSum += row.ratingSquareSum / 10_000;
    } else {
      slot.unknown += row.count;
    }
  }
  return { slots: [...bySlot.values()].sort((a, b) => a.slot - b.slot), ignored };
}

/** The funnel's candidate counts per (receiving company, service, decision); dry runs left out. */
export function candidateCounts(rows: readonly RollupRow[]): CandidateCountRow[] {
  const byKey = new Map<string, CandidateCountRow>();
  for (const row of rows) {
    if (row.decision === "dry_run") continue;
    const key = `${row.companyId}|${row.serviceId}|${row.decision}`;
    const into = byKey.get(key);
    if (into) into.count += row.count;
    else
      byKey.set(key, { companyId: row.companyId, serviceId: row.serviceId, decision: row.decision, count: row.count });
  }
  return [...byKey.values()];
}
