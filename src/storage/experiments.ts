/**
 * Control-group experiments: the `experiments` rows and the per-arm aggregates of the uplift
 * report. Assignment itself is never stored (it is a hash, src/domain/experiments.ts); the arms
 * are read back from the scored candidates the lead call tagged with the experiment id.
 */
import { and, asc, desc, eq, gt, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { ArmStats } from "../domain/experiment-report";
import type { ExperimentDefinition, ExperimentStatus } from "../domain/experiments";
import { standingDealCondition } from "./analytics";
import type { Db } from "./db";
import { experiments } from "./schema";

export type ExperimentRow = typeof experiments.$inferSelect;

/** The insert of a new experiment, for a `db.batch` with its audit entry. */
export function insertExperimentQuery(db: Db, row: ExperimentRow) {
  return db.insert(experiments).values(row);
}

/** One experiment, or null. */
export async function getExperiment(db: Db, id: string): Promise<ExperimentRow | null> {
  const rows = await db.select().from(experiments).where(eq(experiments.id, id)).limit(1);
  return rows[0] ?? null;
}

/** Position in the newest-first listing: the last row of the previous page. */
export interface ExperimentCursor {
  createdAt: number;
  id: string;
}

/**
 * A page of experiments, newest first (by creation, then id), and whether more exist; `status`
 * keeps only those scheduled, running or ended at `now`.
 */
export async function listExperiments(
  db: Db,
  options: { limit: number; after?: ExperimentCursor; status?: ExperimentStatus; now?: number },
): Promise<{ rows: ExperimentRow[]; hasMore: boolean }> {
  const conditions: SQL[] = [];
  const after = options.after;
  if (after) {
    conditions.push(
      or(
        lt(experiments.createdAt, after.createdAt),
        and(eq(experiments.createdAt, after.createdAt), lt(experiments.id, after.id)),
      )!,
    );
  }
  const now = options.now ?? Date.now();
  if (options.status === "scheduled") conditions.push(gt(experiments.startsAt, now));
  if (options.status === "running") conditions.push(lte(experiments.startsAt, now), gt(experiments.endsAt, now));
  if (options.status === "ended") conditions.push(lte(experiments.endsAt, now));
  const rows = await db
    .select()
    .from(experiments)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(experiments.createdAt), desc(experiments.id))
    .limit(options.limit + 1);
  return { rows: rows.slice(0, options.limit), hasMore: rows.length > options.limit };
}

/** Experiments running at some instant of [from, to) (epoch ms), earliest start first, then id. */
export async function loadExperimentsOverlapping(db: Db, from: number, to: number): Promise<ExperimentRow[]> {
  return db
    .select()
    .from(experiments)
    .where(and(lt(experiments.startsAt, to), gt(experiments.endsAt, from)))
    .orderBy(asc(experiments.startsAt), asc(experiments.id));
}

/**
 * The experiments running at `at` (startsAt ≤ at < endsAt), in the stable order the lead call
 * passes to `experimentAssignment` / `holdingExperiment` (earliest start first, then id).
 */
export async function loadRunningExperiments(db: Db, at: number): Promise<ExperimentRow[]> {
  return loadExperimentsOverlapping(db, at, at + 1);
}

/** Per-arm sufficient statistics of an experiment, as of `asOf`. */
export interface ExperimentArms {
  control: Required<ArmStats>;
  treatment: Required<ArmStats>;
  /** End of the measured window: min(asOf, endsAt). */
  measuredUntil: number;
}

function scopeCondition(
  experiment: Pick<ExperimentDefinition, "scopeType" | "scopeId">,
  categoryServiceIds: readonly string[],
): SQL {
  switch (experiment.scopeType) {
    case "all":
      return sql`1 = 1`;
    case "company":
      return sql`d.company_id = ${experiment.scopeId}`;
    case "service":
      return sql`d.service_id = ${experiment.scopeId}`;
    case "category":
      // The catalogue is in the control database: the caller passes the category's service ids.
      return categoryServiceIds.length === 0
        ? sql`0 = 1`
        : sql`d.service_id IN (${sql.join(
            categoryServiceIds.map((id) => sql`${id}`),
            sql`, `,
          )})`;
  }
}

/**
 * The arms of an experiment, aggregated in SQL:
 * - clients: distinct clients with a candidate tagged with the experiment in the window: decision
 *   `control` is the control arm, any other decision (`lead`, or `not_routed` / `capped` when
 *   routing gave the treated client no lead) the treatment arm — intention to treat, so both arms
 *   pass the same filters (threshold, duplicates, scope) before the holdout splits them;
 * - responders: those with at least one accepted deal in scope, from any channel, that occurred
 *   from the client's first candidate in the experiment until the end of the window; for a deal on
 *   a lead only the lead's standing report counts;
 * - spend: per client the sum of those deals' amounts (no amount counts 0), summed and summed in
 *   squares over the arm, clients without a deal included as 0.
 */
export async function loadExperimentArms(
  db: Db,
  experiment: ExperimentDefinition,
  categoryServiceIds: readonly string[],
  asOf = Date.now(),
): Promise<ExperimentArms> {
  const until = Math.min(asOf, experiment.endsAt);
  const rows = await db.all<{
    arm: "control" | "treatment";
    clients: number;
    responders: number;
    spend_sum: number;
    spend_sum_of_squares: number;
  }>(sql`
    WITH arm_clients AS (
      SELECT client_id,
             CASE WHEN decision = 'control' THEN 'control' ELSE 'treatment' END AS arm,
             MIN(at) AS first_at
      FROM scored_candidates
      WHERE experiment_id = ${experiment.id} AND decision <> 'dry_run'
        AND at >= ${experiment.startsAt} AND at < ${until}
      GROUP BY client_id, arm
    ),
    per_client AS (
      SELECT ac.arm AS arm, ac.client_id AS client_id,
             COUNT(d.id) AS accepted_deals,
             TOTAL(d.amount) AS spend
      FROM arm_clients ac
      LEFT JOIN deals d ON d.client_id = ac.client_id AND d.outcome = 'accepted'
        AND d.occurred_at >= ac.first_at AND d.occurred_at < ${until}
        AND ${scopeCondition(experiment, categoryServiceIds)} AND ${standingDealCondition("d")}
      GROUP BY ac.arm, ac.client_id
    )
    SELECT arm, COUNT(*) AS clients,
           SUM(CASE WHEN accepted_deals > 0 THEN 1 ELSE 0 END) AS responders,
           TOTAL(spend) AS spend_sum,
           TOTAL(spend * spend) AS spend_sum_of_squares
    FROM per_client
    GROUP BY arm`);
  const empty = (): Required<ArmStats> => ({ clients: 0, responders: 0, spendSum: 0, spendSumOfSquares: 0 });
  const arms = { control: empty(), treatment: empty(), measuredUntil: until };
  for (const row of rows) {
    arms[row.arm] = {
      clients: Number(row.clients),
      responders: Number(row.responders),
      spendSum: Number(row.spend_sum),
      spendSumOfSquares: Number(row.spend_sum_of_squares),
    };
  }
  return arms;
}

/** The arms of several shards as one: clients, responders and spend sums add up (a client is in one shard). */
export function sumExperimentArms(parts: readonly ExperimentArms[]): ExperimentArms {
  const sum = (key: "control" | "treatment"): Required<ArmStats> => ({
    clients: parts.reduce((total, part) => total + part[key].clients, 0),
    responders: parts.reduce((total, part) => total + part[key].responders, 0),
    spendSum: parts.reduce((total, part) => total + (part[key].spendSum ?? 0), 0),
    spendSumOfSquares: parts.reduce((total, part) => total + (part[key].spendSumOfSquares ?? 0), 0),
  });
  return { control: sum("control"), treatment: sum("treatment"), measuredUntil: parts[0]?.measuredUntil ?? 0 };
}
