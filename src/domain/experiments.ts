/**
 * Control-group experiments: deterministic assignment of clients to the control (held-out) or
 * treatment arm, and the scope test. The uplift report is in experiment-report.ts.
 *
 * Assignment is a pure function of (experiment id, client id), so every Worker, every retry and an
 * offline analyst reproduce it without storing it. Formulas and their rationale: docs/experiments.md.
 */
import { murmurHash3Pair } from "./hashing";

// ---------------------------------------------------------------------------------------------
// Assignment
// ---------------------------------------------------------------------------------------------

/** The arm of an experiment a client belongs to. */
export type Arm = "control" | "treatment";

/** Clients are spread over this many buckets; the holdout share is resolved to 1/10,000. */
export const ASSIGNMENT_BUCKETS = 10_000;

const TWO_POW_32 = 4294967296;

/**
 * The client's bucket (0 … 9,999) in an experiment: h = MurmurHash3_x86_32(seed 0) of the UTF-8
 * bytes of `experimentId + "\u0000" + clientId`, bucket = ⌊h · 10,000 / 2³²⌋.
 *
 * Scaling by multiplication uses the well-mixed high bits (unlike `h mod 10,000`); bucket sizes
 * differ by at most one hash value in 429,497. Ids never contain NUL, so the separator makes the
 * key unambiguous. Reproducible elsewhere, e.g. Python:
 * `mmh3.hash(f"{experiment_id}\0{client_id}".encode(), 0, signed=False) * 10000 >> 32`.
 */
export function assignmentBucket(experimentId: string, clientId: string): number {
  // h < 2³², so h · 10,000 < 2⁴⁶ is exact in a double and the division by 2³² is exact too.
  return Math.floor((murmurHash3Pair(experimentId, clientId) * ASSIGNMENT_BUCKETS) / TWO_POW_32);
}

/**
 * Number of control buckets for a holdout share: round(share · 10,000).
 * @throws RangeError when the share is outside [0, 1].
 */
export function controlBucketCount(holdoutShare: number): number {
  if (!(holdoutShare >= 0 && holdoutShare <= 1)) {
    throw new RangeError(`holdout share must be within [0, 1], got ${holdoutShare}`);
  }
  return Math.round(holdoutShare * ASSIGNMENT_BUCKETS);
}

/**
 * Deterministic arm of a client: control when its bucket is below round(holdoutShare · 10,000).
 * The same inputs always give the same arm, in Node and in workerd; different experiments split
 * clients independently of each other.
 * @throws RangeError when the share is outside [0, 1].
 */
export function assignArm(experimentId: string, clientId: string, holdoutShare: number): Arm {
  const threshold = controlBucketCount(holdoutShare);
  return assignmentBucket(experimentId, clientId) < threshold ? "control" : "treatment";
}

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

/** What an experiment covers: every offer, or those of one company, category or service. */
export type ExperimentScopeType = "all" | "company" | "category" | "service";

/** The parts of an `experiments` row the pure logic needs (the drizzle row satisfies it). */
export interface ExperimentDefinition {
  id: string;
  scopeType: ExperimentScopeType;
  /** Company id, category name or service id; "" for scope "all". */
  scopeId: string;
  holdoutShare: number;
  /** Epoch ms, inclusive. */
  startsAt: number;
  /** Epoch ms, exclusive. */
  endsAt: number;
}

/** The offer being considered: the service, its category, and the company that sells it. */
export interface CandidateScope {
  serviceId: string;
  category: string;
  /** The company that sells the service, i.e. the one that would receive the lead. */
  companyId: string;
}

/** Whether an offer falls inside an experiment's scope. */
export function inScope(
  experiment: Pick<ExperimentDefinition, "scopeType" | "scopeId">,
  candidate: CandidateScope,
): boolean {
  switch (experiment.scopeType) {
    case "all":
      return true;
    case "company":
      return candidate.companyId === experiment.scopeId;
    case "category":
      return candidate.category === experiment.scopeId;
    case "service":
      return candidate.serviceId === experiment.scopeId;
  }
}

/** Whether the experiment is running at `at` (epoch ms): startsAt ≤ at < endsAt. */
export function isRunning(experiment: Pick<ExperimentDefinition, "startsAt" | "endsAt">, at: number): boolean {
  return at >= experiment.startsAt && at < experiment.endsAt;
}

/**
 * The first running, in-scope experiment (in the given order) that holds this client out of this
 * offer, or null when the client is treated by all of them. The lead flow records a candidate
 * held out this way with decision `control` and this experiment's id. Overlapping experiments
 * contaminate each other's treatment arms (a client treated by one may be held out by another),
 * so admins should keep scopes of simultaneous experiments disjoint.
 */
export function holdingExperiment<E extends ExperimentDefinition>(
  experiments: readonly E[],
  candidate: CandidateScope,
  clientId: string,
  at: number,
): E | null {
  for (const experiment of experiments) {
    if (!isRunning(experiment, at) || !inScope(experiment, candidate)) continue;
    if (assignArm(experiment.id, clientId, experiment.holdoutShare) === "control") return experiment;
  }
  return null;
}

/** The experiment that governs an offer for one client, and the client's arm in it. */
export interface ExperimentAssignment<E extends ExperimentDefinition = ExperimentDefinition> {
  experiment: E;
  arm: Arm;
}

/**
 * The experiment that governs this offer for this client: the one that holds the client out
 * (arm `control`, as {@link holdingExperiment}), otherwise the first running in-scope experiment
 * (arm `treatment`), otherwise null. The lead flow records `experiment_id` on the candidate in both
 * arms — decision `control` for the held-out arm, whatever decision routing reaches for the treated
 * one — because the uplift report builds both arms from those rows (intention to treat).
 */
export function experimentAssignment<E extends ExperimentDefinition>(
  experiments: readonly E[],
  candidate: CandidateScope,
  clientId: string,
  at: number,
): ExperimentAssignment<E> | null {
  let treating: E | null = null;
  for (const experiment of experiments) {
    if (!isRunning(experiment, at) || !inScope(experiment, candidate)) continue;
    if (assignArm(experiment.id, clientId, experiment.holdoutShare) === "control") {
      return { experiment, arm: "control" };
    }
    treating ??= experiment;
  }
  return treating ? { experiment: treating, arm: "treatment" } : null;
}

/** Lifecycle state of an experiment at a given time. */
export type ExperimentStatus = "scheduled" | "running" | "ended";

/** `scheduled` before `startsAt`, `running` while startsAt ≤ at < endsAt, `ended` from `endsAt`. */
export function experimentStatus(
  experiment: Pick<ExperimentDefinition, "startsAt" | "endsAt">,
  at: number,
): ExperimentStatus {
  if (at < experiment.startsAt) return "scheduled";
  return at < experiment.endsAt ? "running" : "ended";
}

/** A service as the scope-overlap test sees it. */
export interface ScopeCatalogEntry {
  id: string;
  category: string;
  /** The company that sells it. */
  companyId: string;
}

/**
 * Whether two experiment scopes can cover the same offer: `all` overlaps everything, equal scopes
 * overlap, and otherwise they overlap when some service of the catalog falls in both (a company
 * and a category overlap when the company sells in the category, a service and its company or
 * category overlap). Services added to the catalog later can create overlaps this cannot foresee.
 */
export function scopesOverlap(
  a: Pick<ExperimentDefinition, "scopeType" | "scopeId">,
  b: Pick<ExperimentDefinition, "scopeType" | "scopeId">,
  catalog: readonly ScopeCatalogEntry[],
): boolean {
  if (a.scopeType === "all" || b.scopeType === "all") return true;
  if (a.scopeType === b.scopeType && a.scopeId === b.scopeId) return true;
  for (const service of catalog) {
    const candidate: CandidateScope = {
      serviceId: service.id,
      category: service.category,
      companyId: service.companyId,
    };
    if (inScope(a, candidate) && inScope(b, candidate)) return true;
  }
  return false;
}

/** Whether two experiments run at the same time at some instant ([startsAt, endsAt) intervals). */
export function periodsOverlap(
  a: Pick<ExperimentDefinition, "startsAt" | "endsAt">,
  b: Pick<ExperimentDefinition, "startsAt" | "endsAt">,
): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt;
}
