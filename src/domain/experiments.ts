/**
 * Control-group experiments: deterministic assignment of clients to the control (held-out) or
 * treatment arm, the scope test, and the uplift report with its statistics.
 *
 * Assignment is a pure function of (experiment id, client id), so every Worker, every retry and an
 * offline analyst reproduce it without storing it. Report objects use snake_case field names because
 * the analytics routes return them as they are (the API's JSON convention). Formulas and their
 * rationale: docs/experiments.md.
 */
import {
  chiSquareGoodnessOfFit,
  type Interval,
  normalTwoSidedPValue,
  type SampleSummary,
  summaryFromSums,
  twoSidedCriticalValue,
  welchTest,
} from "./probability";

// ---------------------------------------------------------------------------------------------
// MurmurHash3 (x86, 32-bit) over UTF-8
// ---------------------------------------------------------------------------------------------

const MURMUR_C1 = 0xcc9e2d51;
const MURMUR_C2 = 0x1b873593;

/**
 * Incremental MurmurHash3_x86_32 (Austin Appleby, public domain) that takes bytes or strings (as
 * their UTF-8 encoding, exactly what `TextEncoder` produces, lone surrogates becoming U+FFFD)
 * without allocating. Results equal the reference implementation on the concatenated bytes.
 */
class Murmur3Hasher {
  private hash = 0;
  /** Up to three pending bytes of the current 4-byte block, little-endian. */
  private pending = 0;
  private pendingLength = 0;
  private length = 0;

  reset(seed: number): this {
    this.hash = seed | 0;
    this.pending = 0;
    this.pendingLength = 0;
    this.length = 0;
    return this;
  }

  updateByte(byte: number): void {
    this.pending |= (byte & 0xff) << (8 * this.pendingLength);
    this.length++;
    if (++this.pendingLength === 4) {
      let h = this.hash ^ scrambleBlock(this.pending);
      h = (h << 13) | (h >>> 19);
      this.hash = (Math.imul(h, 5) + 0xe6546b64) | 0;
      this.pending = 0;
      this.pendingLength = 0;
    }
  }

  updateBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.updateByte(bytes[i]);
  }

  /** Feeds the UTF-8 encoding of `text`. */
  updateUtf8(text: string): void {
    const length = text.length;
    for (let i = 0; i < length; i++) {
      let codePoint = text.charCodeAt(i);
      if (codePoint < 0x80) {
        this.updateByte(codePoint);
        continue;
      }
      if (codePoint < 0x800) {
        this.updateByte(0xc0 | (codePoint >> 6));
        this.updateByte(0x80 | (codePoint & 0x3f));
        continue;
      }
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
        const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
        if (codePoint <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (next - 0xdc00);
          i++;
          this.updateByte(0xf0 | (codePoint >> 18));
          this.updateByte(0x80 | ((codePoint >> 12) & 0x3f));
          this.updateByte(0x80 | ((codePoint >> 6) & 0x3f));
          this.updateByte(0x80 | (codePoint & 0x3f));
          continue;
        }
        codePoint = 0xfffd;
      }
      this.updateByte(0xe0 | (codePoint >> 12));
      this.updateByte(0x80 | ((codePoint >> 6) & 0x3f));
      this.updateByte(0x80 | (codePoint & 0x3f));
    }
  }

  /** The unsigned 32-bit hash of everything fed since the last reset. */
  digest(): number {
    let h = this.hash;
    if (this.pendingLength > 0) h ^= scrambleBlock(this.pending);
    h ^= this.length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

function scrambleBlock(block: number): number {
  let k = Math.imul(block, MURMUR_C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, MURMUR_C2);
}

// Hashing is synchronous, so one shared hasher can never be used by two callers at once.
const sharedHasher = new Murmur3Hasher();

/** MurmurHash3_x86_32 of `bytes` with `seed`, as an unsigned 32-bit integer. */
export function murmurHash3(bytes: Uint8Array, seed = 0): number {
  sharedHasher.reset(seed).updateBytes(bytes);
  return sharedHasher.digest();
}

/** MurmurHash3_x86_32 of the UTF-8 encoding of `text`, without allocating the encoded bytes. */
export function murmurHash3Utf8(text: string, seed = 0): number {
  sharedHasher.reset(seed).updateUtf8(text);
  return sharedHasher.digest();
}

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
  sharedHasher.reset(0);
  sharedHasher.updateUtf8(experimentId);
  sharedHasher.updateByte(0);
  sharedHasher.updateUtf8(clientId);
  // h < 2³², so h · 10,000 < 2⁴⁶ is exact in a double and the division by 2³² is exact too.
  return Math.floor((sharedHasher.digest() * ASSIGNMENT_BUCKETS) / TWO_POW_32);
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

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/** Sufficient statistics of one arm, as the analytics query aggregates them. */
export interface ArmStats {
  /** Clients assigned to the arm (n). */
  clients: number;
  /** Clients with at least one accepted deal in scope, from any channel (x ≤ n). */
  responders: number;
  /**
   * Σ over the arm's clients of each client's spend (sum of accepted deal amounts in scope, RUB);
   * clients without a deal count as 0. Omit both spend fields when spend is not measured.
   */
  spendSum?: number;
  /** Σ over the arm's clients of the squared per-client spend. */
  spendSumOfSquares?: number;
}

/** Input of {@link experimentReport}. */
export interface ExperimentReportInput {
  /** The planned control share (for the sample-ratio check). */
  holdoutShare: number;
  control: ArmStats;
  treatment: ArmStats;
}

/** Options of {@link experimentReport}. */
export interface ExperimentReportOptions {
  /** Confidence level of every interval; α = 1 − level is the significance level. Default 0.95. */
  confidenceLevel?: number;
  /** p-value below which the sample ratio counts as mismatched. Default 0.001. */
  sampleRatioMismatchThreshold?: number;
}

/** Per-arm figures of the report. */
export interface ArmReport {
  clients: number;
  responders: number;
  /** x / n; null when the arm has no clients. */
  response_rate: number | null;
  /** Σ spend (RUB); null when spend is not measured. */
  spend_total: number | null;
  /** Mean spend per client (zeros included); null when not measured or the arm is empty. */
  spend_per_client: number | null;
  /** Sample standard deviation of spend per client; null when not measured or n < 2. */
  spend_per_client_sd: number | null;
}

/** A point estimate with its two-sided confidence interval; each part null when undefined. */
export interface EstimateWithInterval {
  estimate: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

/** An absolute difference (treatment − control) with its standard error. */
export interface AbsoluteUplift extends EstimateWithInterval {
  standard_error: number | null;
}

/** Response-rate comparison: Wald interval, Katz log interval, pooled two-proportion z-test. */
export interface ResponseRateComparison {
  /** p_t − p_c with the unpooled Wald interval. */
  absolute_uplift: AbsoluteUplift;
  /** p_t / p_c − 1 with the Katz log-ratio interval. */
  relative_uplift: EstimateWithInterval;
  /** Pooled two-proportion z statistic. */
  z_statistic: number | null;
  /** Two-sided p-value of the pooled z-test. */
  p_value: number | null;
  /** p_value < α; null when the test is undefined. */
  significant: boolean | null;
}

/** Spend-per-client comparison: Welch's t interval and test, delta-method relative interval. */
export interface SpendComparison {
  /** m_t − m_c with Welch's interval. */
  absolute_uplift: AbsoluteUplift & { degrees_of_freedom: number | null };
  /** m_t / m_c − 1 with the delta-method log-ratio interval. */
  relative_uplift: EstimateWithInterval;
  t_statistic: number | null;
  p_value: number | null;
  significant: boolean | null;
}

/** Sample-ratio-mismatch check: chi-square goodness of fit of the arm sizes, 1 df. */
export interface SampleRatioCheck {
  expected_control_share: number;
  observed_control_share: number | null;
  chi_square: number | null;
  p_value: number | null;
  /** p_value < threshold: the assignment or the logging is broken and the results are not trustworthy. */
  mismatch: boolean | null;
  threshold: number;
}

/**
 * Overall reading of the response-rate comparison. A sample ratio mismatch overrides the others:
 * when arm sizes contradict the planned split, the comparison itself cannot be trusted.
 */
export type ExperimentVerdict =
  | "treatment_better"
  | "treatment_worse"
  | "no_significant_difference"
  | "insufficient_data"
  | "sample_ratio_mismatch";

/** The full uplift report of one experiment. */
export interface ExperimentReport {
  confidence_level: number;
  /** Significance level α = 1 − confidence_level. */
  alpha: number;
  control: ArmReport;
  treatment: ArmReport;
  response_rate: ResponseRateComparison;
  /** Null when spend is not measured. */
  spend_per_client: SpendComparison | null;
  sample_ratio: SampleRatioCheck;
  verdict: ExperimentVerdict;
  /** Why figures are null or should be read with care, in plain words. */
  notes: string[];
}

const EMPTY_ESTIMATE: EstimateWithInterval = { estimate: null, ci_low: null, ci_high: null };

function checkArm(name: string, arm: ArmStats): void {
  if (!Number.isInteger(arm.clients) || arm.clients < 0) {
    throw new RangeError(`${name}.clients must be a non-negative integer, got ${arm.clients}`);
  }
  if (!Number.isInteger(arm.responders) || arm.responders < 0 || arm.responders > arm.clients) {
    throw new RangeError(`${name}.responders must be an integer within [0, clients], got ${arm.responders}`);
  }
  const hasSum = arm.spendSum !== undefined;
  const hasSquares = arm.spendSumOfSquares !== undefined;
  if (hasSum !== hasSquares) throw new RangeError(`${name}: give both spendSum and spendSumOfSquares, or neither`);
  if (hasSum && !(Number.isFinite(arm.spendSum) && arm.spendSum! >= 0)) {
    throw new RangeError(`${name}.spendSum must be a finite amount >= 0, got ${arm.spendSum}`);
  }
  if (hasSquares && !(Number.isFinite(arm.spendSumOfSquares) && arm.spendSumOfSquares! >= 0)) {
    throw new RangeError(`${name}.spendSumOfSquares must be finite and >= 0, got ${arm.spendSumOfSquares}`);
  }
}

function spendSummary(arm: ArmStats): SampleSummary | null {
  if (arm.spendSum === undefined || arm.spendSumOfSquares === undefined) return null;
  return summaryFromSums(arm.clients, arm.spendSum, arm.spendSumOfSquares);
}

function armReport(arm: ArmStats, spend: SampleSummary | null): ArmReport {
  return {
    clients: arm.clients,
    responders: arm.responders,
    response_rate: arm.clients > 0 ? arm.responders / arm.clients : null,
    spend_total: spend ? arm.spendSum! : null,
    spend_per_client: spend && spend.n > 0 ? spend.mean : null,
    spend_per_client_sd: spend && spend.n > 1 ? Math.sqrt(spend.variance) : null,
  };
}

function interval(estimate: number, bounds: Interval): EstimateWithInterval {
  return { estimate, ci_low: bounds.low, ci_high: bounds.high };
}

/**
 * Log-ratio interval of r = a / b − 1 given the standard error of ln(a / b):
 * exp(ln(a/b) ± z·se) − 1. Both a and b must be positive.
 */
function relativeInterval(ratio: number, logStandardError: number, z: number): EstimateWithInterval {
  const logRatio = Math.log(ratio);
  return interval(ratio - 1, {
    low: Math.exp(logRatio - z * logStandardError) - 1,
    high: Math.exp(logRatio + z * logStandardError) - 1,
  });
}

function compareResponseRates(
  control: ArmStats,
  treatment: ArmStats,
  z: number,
  alpha: number,
  notes: string[],
): ResponseRateComparison {
  const empty: ResponseRateComparison = {
    absolute_uplift: { ...EMPTY_ESTIMATE, standard_error: null },
    relative_uplift: { ...EMPTY_ESTIMATE },
    z_statistic: null,
    p_value: null,
    significant: null,
  };
  if (control.clients === 0 || treatment.clients === 0) return empty;

  const nc = control.clients;
  const nt = treatment.clients;
  const xc = control.responders;
  const xt = treatment.responders;
  const pc = xc / nc;
  const pt = xt / nt;
  const difference = pt - pc;

  // Unpooled (Wald) standard error for the interval: each arm keeps its own variance.
  const unpooledSe = Math.sqrt((pt * (1 - pt)) / nt + (pc * (1 - pc)) / nc);
  const absolute: AbsoluteUplift =
    unpooledSe > 0
      ? {
          estimate: difference,
          ci_low: difference - z * unpooledSe,
          ci_high: difference + z * unpooledSe,
          standard_error: unpooledSe,
        }
      : { estimate: difference, ci_low: null, ci_high: null, standard_error: null };
  if (unpooledSe === 0) {
    notes.push("Response-rate interval undefined: every arm's response rate is 0 or 1 (the Wald standard error is 0).");
  }

  // Katz log interval for the risk ratio: Var(ln RR) = 1/x_t − 1/n_t + 1/x_c − 1/n_c.
  let relative: EstimateWithInterval = { ...EMPTY_ESTIMATE };
  if (xc === 0) {
    notes.push("Relative response uplift undefined: the control arm has no responders.");
  } else if (xt === 0) {
    relative = { estimate: -1, ci_low: null, ci_high: null };
    notes.push("Relative response-uplift interval undefined: the treatment arm has no responders.");
  } else {
    relative = relativeInterval(pt / pc, Math.sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc), z);
  }

  // Pooled standard error for the test: under H0 both arms share one rate.
  const pooled = (xt + xc) / (nt + nc);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc));
  if (!(pooledSe > 0)) {
    notes.push(
      pooled === 0
        ? "Response-rate test undefined: no responders in either arm."
        : "Response-rate test undefined: every client in both arms responded.",
    );
    return { ...empty, absolute_uplift: absolute, relative_uplift: relative };
  }
  const zStatistic = difference / pooledSe;
  const pValue = normalTwoSidedPValue(zStatistic);
  return {
    absolute_uplift: absolute,
    relative_uplift: relative,
    z_statistic: zStatistic,
    p_value: pValue,
    significant: pValue < alpha,
  };
}

function compareSpend(
  control: SampleSummary,
  treatment: SampleSummary,
  confidenceLevel: number,
  z: number,
  alpha: number,
  notes: string[],
): SpendComparison {
  const result: SpendComparison = {
    absolute_uplift: { ...EMPTY_ESTIMATE, standard_error: null, degrees_of_freedom: null },
    relative_uplift: { ...EMPTY_ESTIMATE },
    t_statistic: null,
    p_value: null,
    significant: null,
  };
  if (control.n === 0 || treatment.n === 0) return result;
  const difference = treatment.mean - control.mean;
  result.absolute_uplift.estimate = difference;

  const welch = welchTest(treatment, control, confidenceLevel);
  if (welch === null) {
    notes.push(
      control.n < 2 || treatment.n < 2
        ? "Spend interval undefined: Welch's test needs at least two clients per arm."
        : "Spend interval undefined: spend per client does not vary in either arm (both variances are 0).",
    );
  } else {
    result.absolute_uplift = {
      estimate: welch.difference,
      ci_low: welch.interval.low,
      ci_high: welch.interval.high,
      standard_error: welch.standardError,
      degrees_of_freedom: welch.degreesOfFreedom,
    };
    result.t_statistic = welch.tStatistic;
    result.p_value = welch.pValue;
    result.significant = welch.pValue < alpha;
  }

  // Delta method on ln(m_t / m_c): Var ≈ s_t²/(n_t·m_t²) + s_c²/(n_c·m_c²).
  if (control.mean <= 0) {
    notes.push("Relative spend uplift undefined: the control arm has no spend.");
  } else if (treatment.mean <= 0) {
    result.relative_uplift = { estimate: -1, ci_low: null, ci_high: null };
    notes.push("Relative spend-uplift interval undefined: the treatment arm has no spend.");
  } else {
    const logVariance =
      treatment.variance / (treatment.n * treatment.mean * treatment.mean) +
      control.variance / (control.n * control.mean * control.mean);
    result.relative_uplift =
      logVariance > 0
        ? relativeInterval(treatment.mean / control.mean, Math.sqrt(logVariance), z)
        : { estimate: treatment.mean / control.mean - 1, ci_low: null, ci_high: null };
  }
  return result;
}

function checkSampleRatio(
  control: ArmStats,
  treatment: ArmStats,
  holdoutShare: number,
  threshold: number,
  notes: string[],
): SampleRatioCheck {
  const total = control.clients + treatment.clients;
  const check: SampleRatioCheck = {
    expected_control_share: holdoutShare,
    observed_control_share: total > 0 ? control.clients / total : null,
    chi_square: null,
    p_value: null,
    mismatch: null,
    threshold,
  };
  if (holdoutShare === 0 || holdoutShare === 1) {
    notes.push("Sample-ratio check skipped: the planned split has a single arm.");
    return check;
  }
  const fit = chiSquareGoodnessOfFit([control.clients, treatment.clients], [holdoutShare, 1 - holdoutShare]);
  if (fit === null) return check;
  check.chi_square = fit.statistic;
  check.p_value = fit.pValue;
  check.mismatch = fit.pValue < threshold;
  if (check.mismatch) {
    notes.push(
      `Sample ratio mismatch (p = ${fit.pValue.toExponential(2)}): arm sizes contradict the planned ${holdoutShare} holdout; assignment or logging is broken, so the comparison is not trustworthy.`,
    );
  }
  return check;
}

/**
 * Builds the uplift report of a control-group experiment from per-arm sufficient statistics.
 *
 * - Response rate: absolute uplift p_t − p_c with the unpooled Wald interval
 *   ± z·√(p_t(1−p_t)/n_t + p_c(1−p_c)/n_c); p-value from the pooled two-proportion z-test
 *   z = (p_t − p_c)/√(p̄(1−p̄)(1/n_t + 1/n_c)); relative uplift p_t/p_c − 1 with Katz's log interval.
 * - Spend per client (when measured): mean difference with Welch's t interval and test; relative
 *   uplift with the delta-method log-ratio interval.
 * - Sample-ratio mismatch: chi-square goodness of fit (1 df) of the arm sizes against the planned
 *   split, flagged below `sampleRatioMismatchThreshold` (default 0.001).
 * - Verdict from the response-rate test at α = 1 − confidence level (default 0.05).
 *
 * Undefined figures are null (never NaN) with an explanation in `notes`.
 * @throws RangeError on inconsistent inputs (negative or non-integer counts, responders > clients,
 * negative or non-finite spend sums, holdout share outside [0, 1], level outside (0, 1)).
 */
export function experimentReport(
  input: ExperimentReportInput,
  options: ExperimentReportOptions = {},
): ExperimentReport {
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  const srmThreshold = options.sampleRatioMismatchThreshold ?? 0.001;
  const z = twoSidedCriticalValue(confidenceLevel);
  if (!(srmThreshold > 0 && srmThreshold < 1)) {
    throw new RangeError(`sampleRatioMismatchThreshold must be in (0, 1), got ${srmThreshold}`);
  }
  controlBucketCount(input.holdoutShare); // validates the share
  const { control, treatment } = input;
  checkArm("control", control);
  checkArm("treatment", treatment);
  // Rounded so that a 0.95 confidence level reports alpha 0.05, not the float 0.050000000000000044.
  const alpha = Number((1 - confidenceLevel).toPrecision(12));
  const notes: string[] = [];

  if (control.clients === 0) notes.push("The control arm has no clients yet.");
  if (treatment.clients === 0) notes.push("The treatment arm has no clients yet.");

  const controlSpend = spendSummary(control);
  const treatmentSpend = spendSummary(treatment);
  if ((controlSpend === null) !== (treatmentSpend === null)) {
    throw new RangeError("spend must be given for both arms or for neither");
  }

  const responseRate = compareResponseRates(control, treatment, z, alpha, notes);
  const spend =
    controlSpend && treatmentSpend
      ? compareSpend(controlSpend, treatmentSpend, confidenceLevel, z, alpha, notes)
      : null;
  const sampleRatio = checkSampleRatio(control, treatment, input.holdoutShare, srmThreshold, notes);

  let verdict: ExperimentVerdict;
  if (sampleRatio.mismatch) verdict = "sample_ratio_mismatch";
  else if (responseRate.significant === null) verdict = "insufficient_data";
  else if (!responseRate.significant) verdict = "no_significant_difference";
  else verdict = responseRate.absolute_uplift.estimate! > 0 ? "treatment_better" : "treatment_worse";

  return {
    confidence_level: confidenceLevel,
    alpha,
    control: armReport(control, controlSpend),
    treatment: armReport(treatment, treatmentSpend),
    response_rate: responseRate,
    spend_per_client: spend,
    sample_ratio: sampleRatio,
    verdict,
    notes,
  };
}

/**
 * Sufficient statistics of one arm from per-client columns (for simulations and tests):
 * `responded[i]` non-zero when client i accepted a deal in scope, `spend[i]` its spend in RUB.
 * @throws RangeError when the columns differ in length or a spend is negative or not finite.
 */
export function armStatsFromClients(responded: ArrayLike<number>, spend: ArrayLike<number>): ArmStats {
  if (responded.length !== spend.length) {
    throw new RangeError(`responded (${responded.length}) and spend (${spend.length}) differ in length`);
  }
  let responders = 0;
  let spendSum = 0;
  let spendSumOfSquares = 0;
  for (let i = 0; i < spend.length; i++) {
    const value = spend[i];
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`spend ${i} must be a finite amount >= 0, got ${value}`);
    if (responded[i] !== 0) responders++;
    spendSum += value;
    spendSumOfSquares += value * value;
  }
  return { clients: spend.length, responders, spendSum, spendSumOfSquares };
}
