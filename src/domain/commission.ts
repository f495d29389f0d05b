/**
 * Platform commission on accepted deals and the commission statement of a company for a period.
 *
 * Money is counted in integer kopecks (1 RUB = 100 kopecks) so that sums are exact:
 * - an amount in RUB is converted by shifting its shortest decimal representation two places and
 *   rounding half up (1.005 → 101 kopecks, as the decimal reads, not 100 as 1.005 × 100 computes);
 * - a commission rate (0..1) is resolved to parts per million the same way (0.1 → 100,000 ppm);
 * - commission = round_half_up(amount_kopecks × rate_ppm / 1,000,000), computed exactly in BigInt;
 * - a statement sums per-deal kopecks, so its total is the sum of its lines to the kopeck.
 * RUB figures in reports are kopecks / 100. Report objects use snake_case field names because the
 * statement route returns them as they are; timestamps there are ISO 8601.
 */

/** Shifts the shortest decimal representation of a finite non-negative number by `places`. */
function shiftDecimal(value: number, places: number): number {
  const [mantissa, exponent = "0"] = String(value).split("e");
  return Number(`${mantissa}e${Number(exponent) + places}`);
}

/**
 * Converts an amount in RUB to integer kopecks, rounding half up on its decimal representation.
 * @throws RangeError when the amount is negative, not finite, or too large to count exactly.
 */
export function toKopecks(rub: number): number {
  if (!(Number.isFinite(rub) && rub >= 0)) throw new RangeError(`amount must be a finite number >= 0, got ${rub}`);
  const kopecks = Math.round(shiftDecimal(rub, 2));
  if (!Number.isSafeInteger(kopecks)) throw new RangeError(`amount ${rub} is too large to count in kopecks exactly`);
  return kopecks;
}

/**
 * A commission rate (share 0..1) in integer parts per million, rounded half up (rates are kept to
 * six decimals: 0.1 → 100,000; 0.0333333 → 33,333).
 * @throws RangeError when the rate is outside [0, 1].
 */
export function rateToPartsPerMillion(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`commission rate must be within [0, 1], got ${rate}`);
  return Math.round(shiftDecimal(rate, 6));
}

const PPM = 1_000_000n;

/**
 * Commission in kopecks on an amount in kopecks at `rate`: round_half_up(amount × ppm / 10⁶),
 * exact for every safe-integer amount.
 * @throws RangeError when the amount is not a non-negative safe integer or the rate is outside [0, 1].
 */
export function commissionKopecks(amountKopecks: number, rate: number): number {
  if (!Number.isSafeInteger(amountKopecks) || amountKopecks < 0) {
    throw new RangeError(`amount in kopecks must be a non-negative safe integer, got ${amountKopecks}`);
  }
  const ppm = BigInt(rateToPartsPerMillion(rate));
  return Number((BigInt(amountKopecks) * ppm + PPM / 2n) / PPM);
}

/**
 * The commission (RUB, whole kopecks) an accepted deal of `amount` RUB accrues at the receiving
 * company's `rate`: the value to store in `deals.commission` when the deal is recorded.
 * @throws RangeError as {@link toKopecks} and {@link commissionKopecks}.
 */
export function accrueCommission(amount: number, rate: number): number {
  return commissionKopecks(toKopecks(amount), rate) / 100;
}

/** The parts of a `deals` row a statement needs (the drizzle row satisfies it). */
export interface StatementDeal {
  id: string;
  companyId: string;
  serviceId: string;
  outcome: "accepted" | "declined";
  /** RUB; null when the deal was reported without an amount. */
  amount: number | null;
  /** Commission stored when the deal was recorded (RUB, at the rate of that time); null if none. */
  commission: number | null;
  /** Epoch ms. */
  occurredAt: number;
}

/** A statement period [from, to) in epoch ms. */
export interface StatementPeriod {
  from: number;
  to: number;
}

/** One accruing deal of a statement. */
export interface CommissionStatementLine {
  deal_id: string;
  service_id: string;
  /** ISO 8601. */
  occurred_at: string;
  amount_kopecks: number;
  commission_kopecks: number;
  /** RUB. */
  amount: number;
  /** RUB. */
  commission: number;
  /**
   * "deal": the commission stored with the deal (rate at the time of the deal);
   * "current_rate": none was stored, so it was computed at the company's current rate.
   */
  commission_source: "deal" | "current_rate";
}

/** Commission statement of one company for one period. */
export interface CommissionStatement {
  company_id: string;
  /** ISO 8601, inclusive. */
  period_start: string;
  /** ISO 8601, exclusive. */
  period_end: string;
  currency: "RUB";
  /** The company's current rate (used only for deals stored without a commission). */
  current_commission_rate: number;
  accepted_deals: number;
  declined_deals: number;
  /** Accepted deals with an amount: the statement lines. */
  accruing_deals: number;
  /** Accepted deals reported without an amount: they accrue nothing. */
  accepted_without_amount: number;
  /** Lines whose commission was computed at the current rate because none was stored. */
  computed_at_current_rate: number;
  gross_amount_kopecks: number;
  commission_kopecks: number;
  /** RUB. */
  gross_amount: number;
  /** RUB. */
  commission: number;
  /** commission / gross amount; null when the gross amount is 0. */
  effective_rate: number | null;
  /** Accruing deals in time order (then by id). */
  lines: CommissionStatementLine[];
}

function checkPeriod(period: StatementPeriod): void {
  if (!Number.isSafeInteger(period.from) || !Number.isSafeInteger(period.to) || period.from >= period.to) {
    throw new RangeError(`statement period must be integer epoch ms with from < to, got ${period.from}..${period.to}`);
  }
}

/**
 * Commission statement of `companyId` for `period` ([from, to), epoch ms): counts of accepted and
 * declined deals, and for each accepted deal with an amount a line with the amount and the
 * commission in kopecks. A deal's stored commission (the rate of its time) is used when present,
 * rounded to the kopeck; otherwise `currentRate` applies and the line says so. Deals of other
 * companies or outside the period are skipped, so the input may be a superset.
 * @throws RangeError on an invalid period or rate, or a stored amount or commission that is
 * negative or not finite (corrupt data must not silently change a statement).
 */
export function commissionStatement(
  companyId: string,
  deals: readonly StatementDeal[],
  period: StatementPeriod,
  currentRate: number,
): CommissionStatement {
  checkPeriod(period);
  rateToPartsPerMillion(currentRate);
  let accepted = 0;
  let declined = 0;
  let withoutAmount = 0;
  let atCurrentRate = 0;
  let grossKopecks = 0;
  let commissionTotalKopecks = 0;
  const lines: CommissionStatementLine[] = [];
  for (const deal of deals) {
    if (deal.companyId !== companyId || deal.occurredAt < period.from || deal.occurredAt >= period.to) continue;
    if (deal.outcome === "declined") {
      declined++;
      continue;
    }
    accepted++;
    if (deal.amount === null) {
      withoutAmount++;
      continue;
    }
    const amountKopecks = toKopecks(deal.amount);
    const stored = deal.commission !== null;
    const lineCommission = stored ? toKopecks(deal.commission!) : commissionKopecks(amountKopecks, currentRate);
    if (!stored) atCurrentRate++;
    grossKopecks += amountKopecks;
    commissionTotalKopecks += lineCommission;
    lines.push({
      deal_id: deal.id,
      service_id: deal.serviceId,
      occurred_at: new Date(deal.occurredAt).toISOString(),
      amount_kopecks: amountKopecks,
      commission_kopecks: lineCommission,
      amount: amountKopecks / 100,
      commission: lineCommission / 100,
      commission_source: stored ? "deal" : "current_rate",
    });
  }
  if (!Number.isSafeInteger(grossKopecks)) throw new RangeError("statement total exceeds the exact integer range");
  // ISO strings of the same format compare in time order.
  lines.sort((a, b) =>
    a.occurred_at < b.occurred_at
      ? -1
      : a.occurred_at > b.occurred_at
        ? 1
        : a.deal_id < b.deal_id
          ? -1
          : a.deal_id > b.deal_id
            ? 1
            : 0,
  );
  return {
    company_id: companyId,
    period_start: new Date(period.from).toISOString(),
    period_end: new Date(period.to).toISOString(),
    currency: "RUB",
    current_commission_rate: currentRate,
    accepted_deals: accepted,
    declined_deals: declined,
    accruing_deals: lines.length,
    accepted_without_amount: withoutAmount,
    computed_at_current_rate: atCurrentRate,
    gross_amount_kopecks: grossKopecks,
    commission_kopecks: commissionTotalKopecks,
    gross_amount: grossKopecks / 100,
    commission: commissionTotalKopecks / 100,
    effective_rate: grossKopecks > 0 ? commissionTotalKopecks / grossKopecks : null,
    lines,
  };
}

/**
 * Statements of every company in `currentRates` for one period, ordered by company id; a company
 * without deals gets an empty statement. Deals of a company missing from `currentRates` are an
 * error rather than silently dropped.
 * @throws RangeError as {@link commissionStatement}, or when a deal's company has no rate.
 */
export function commissionStatements(
  deals: readonly StatementDeal[],
  period: StatementPeriod,
  currentRates: ReadonlyMap<string, number>,
): CommissionStatement[] {
  checkPeriod(period);
  const byCompany = new Map<string, StatementDeal[]>();
  for (const companyId of currentRates.keys()) byCompany.set(companyId, []);
  for (const deal of deals) {
    const bucket = byCompany.get(deal.companyId);
    if (!bucket) throw new RangeError(`no commission rate given for company ${deal.companyId}`);
    bucket.push(deal);
  }
  return [...byCompany.keys()]
    .sort()
    .map((companyId) =>
      commissionStatement(companyId, byCompany.get(companyId)!, period, currentRates.get(companyId)!),
    );
}
