/**
 * Shared query fields and response schemas of the analytics, experiments and commission routes.
 * The report objects of src/domain and src/usecases/analytics are returned as they are
 * (snake_case); these zod schemas document them in the OpenAPI contract.
 */
import { z } from "zod";
import { iso } from "../../../domain/time";
import { type ExperimentRecord, experimentSnapshot, type ServiceCodes } from "../../../usecases/analytics/experiments";
import { DEFAULT_WINDOW_DAYS, type TimeWindow } from "../../../usecases/analytics/report-filter";

const timestamp = z.iso.datetime();

/** Query fields of a time window (`from` inclusive, `to` exclusive, ISO 8601). */
export const windowQueryFields = {
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(`Start of the window, inclusive (ISO 8601); default: ${DEFAULT_WINDOW_DAYS} days before \`to\``),
  to: z.iso.datetime({ offset: true }).optional().describe("End of the window, exclusive (ISO 8601); default: now"),
};

export const WindowSchema = z
  .object({ from: timestamp.describe("Inclusive"), to: timestamp.describe("Exclusive") })
  .meta({ id: "AnalyticsWindow" });

export function windowView(window: TimeWindow) {
  return { from: iso(window.from), to: iso(window.to) };
}

// ---------------------------------------------------------------------------------------------
// Experiments

export const EXPERIMENT_SCOPE_TYPES = ["all", "company", "category", "service"] as const;

export const ExperimentSchema = z
  .object({
    id: z.string().describe("`exp_…`"),
    name: z.string(),
    scope_type: z.enum(EXPERIMENT_SCOPE_TYPES),
    scope_id: z.string().nullable().describe("Company id, category or service code; null for scope `all`"),
    holdout_share: z.number().describe("Share of clients held out as control (resolved to 1/10,000)"),
    starts_at: timestamp.describe("Inclusive"),
    ends_at: timestamp.describe("Exclusive"),
    status: z.enum(["scheduled", "running", "ended"]),
    created_at: timestamp,
    created_by: z.string().describe("Key id of the admin who created it"),
  })
  .meta({ id: "Experiment" });

export type ExperimentView = z.infer<typeof ExperimentSchema>;

/** The public view of an experiment: its snapshot, as the audit log records it. */
export function experimentView(
  experiment: ExperimentRecord,
  serviceCodes: ServiceCodes,
  now = Date.now(),
): ExperimentView {
  return experimentSnapshot(experiment, serviceCodes, now);
}

const nullableNumber = z.number().nullable();

const EstimateSchema = z
  .object({ estimate: nullableNumber, ci_low: nullableNumber, ci_high: nullableNumber })
  .meta({ id: "EstimateWithInterval" });

const ArmReportSchema = z
  .object({
    clients: z.int().describe("Distinct clients assigned to the arm (n)"),
    responders: z.int().describe("Clients with at least one accepted deal in scope, from any channel (x)"),
    response_rate: nullableNumber.describe("x / n"),
    spend_total: nullableNumber.describe("Σ spend (RUB) of the arm's clients"),
    spend_per_client: nullableNumber.describe("Mean spend per client, zeros included"),
    spend_per_client_sd: nullableNumber.describe("Sample standard deviation of spend per client"),
  })
  .meta({ id: "ExperimentArm" });

export const ExperimentReportSchema = z
  .object({
    confidence_level: z.number(),
    alpha: z.number().describe("1 − confidence_level"),
    control: ArmReportSchema,
    treatment: ArmReportSchema,
    response_rate: z.object({
      absolute_uplift: EstimateSchema.extend({ standard_error: nullableNumber }).describe(
        "p_t − p_c with the unpooled Wald interval",
      ),
      relative_uplift: EstimateSchema.describe("p_t / p_c − 1 with the Katz log interval"),
      z_statistic: nullableNumber.describe("Pooled two-proportion z"),
      p_value: nullableNumber,
      significant: z.boolean().nullable(),
    }),
    spend_per_client: z
      .object({
        absolute_uplift: EstimateSchema.extend({
          standard_error: nullableNumber,
          degrees_of_freedom: nullableNumber.describe("Welch–Satterthwaite"),
        }).describe("m_t − m_c with Welch's t interval"),
        relative_uplift: EstimateSchema.describe("m_t / m_c − 1 with the delta-method log interval"),
        t_statistic: nullableNumber,
        p_value: nullableNumber,
        significant: z.boolean().nullable(),
      })
      .nullable(),
    sample_ratio: z.object({
      expected_control_share: z.number(),
      observed_control_share: nullableNumber,
      chi_square: nullableNumber,
      p_value: nullableNumber,
      mismatch: z.boolean().nullable().describe("p < threshold: assignment or logging is broken"),
      threshold: z.number(),
    }),
    verdict: z.enum([
      "treatment_better",
      "treatment_worse",
      "no_significant_difference",
      "insufficient_data",
      "sample_ratio_mismatch",
    ]),
    notes: z.array(z.string()).describe("Why figures are null or should be read with care"),
  })
  .meta({ id: "ExperimentReport" });

// ---------------------------------------------------------------------------------------------
// Threshold preview and calibration

const rate = nullableNumber.describe("accepted / (accepted + declined); null when nothing was resolved");

export const ThresholdRowSchema = z
  .object({
    threshold: z.int(),
    passing: z.int().describe("Candidates with rating ≥ threshold"),
    accepted: z.int(),
    declined: z.int(),
    unknown: z.int().describe("No lead, or no outcome reported yet"),
    acceptance_rate: rate,
  })
  .meta({ id: "ThresholdRow" });

export const RatingBandSchema = z
  .object({
    from: z.int(),
    to: z.int().describe("Exclusive, except 100 in the last band"),
    candidates: z.int(),
    accepted: z.int(),
    declined: z.int(),
    unknown: z.int(),
    acceptance_rate: rate,
  })
  .meta({ id: "RatingBand" });

export const CalibrationReportSchema = z
  .object({
    band_width: z.int(),
    confidence_level: z.number(),
    resolved: z.int().describe("Leads with an outcome"),
    accepted: z.int(),
    unknown: z.int().describe("Leads without an outcome yet (left out of every figure)"),
    ignored: z.int(),
    mean_predicted_rate: nullableNumber,
    observed_rate: nullableNumber,
    expected_calibration_error: nullableNumber.describe("Σ_b (n_b/N)·|observed_b − predicted_b|"),
    maximum_calibration_error: nullableNumber,
    brier_score: nullableNumber,
    bands: z.array(
      z.object({
        from: z.int(),
        to: z.int(),
        resolved: z.int(),
        accepted: z.int(),
        declined: z.int(),
        predicted_rate: nullableNumber.describe("Mean rating / 100"),
        observed_rate: nullableNumber,
        observed_ci_low: nullableNumber.describe("Wilson interval"),
        observed_ci_high: nullableNumber,
        gap: nullableNumber.describe("observed − predicted"),
        predicted_within_interval: z.boolean().nullable(),
      }),
    ),
  })
  .meta({ id: "CalibrationReport" });

// ---------------------------------------------------------------------------------------------
// Commission

/** `YYYY-MM`: a calendar month in UTC. */
export const periodSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: "period must be a month as YYYY-MM (UTC), e.g. 2026-11" })
  .optional()
  .describe("Calendar month (UTC) as YYYY-MM; default: the current month");

/** The [from, to) epoch-ms bounds and label of a `YYYY-MM` period (default: the current UTC month). */
export function resolvePeriod(
  period: string | undefined,
  now = Date.now(),
): { label: string; from: number; to: number } {
  const today = new Date(now);
  const [year, month] = period ? period.split("-").map(Number) : [today.getUTCFullYear(), today.getUTCMonth() + 1];
  return {
    label: `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`,
    from: Date.UTC(year, month - 1, 1),
    to: Date.UTC(year, month, 1),
  };
}

export const CommissionLineSchema = z
  .object({
    deal_id: z.string(),
    service_id: z.string(),
    service: z.string().describe("Service code"),
    occurred_at: timestamp,
    amount_kopecks: z.int(),
    commission_kopecks: z.int(),
    amount: z.number().describe("RUB"),
    commission: z.number().describe("RUB"),
    commission_source: z
      .enum(["deal", "current_rate"])
      .describe("`deal`: stored with the deal (rate of its time); `current_rate`: none stored, today's rate"),
    campaign_id: z.string().nullable().describe("The partner campaign the deal's lead came from; null for other leads"),
  })
  .meta({ id: "CommissionLine" });

export const CampaignCommissionSchema = z
  .object({
    campaign_id: z.string(),
    title: z.string(),
    accepted_deals: z.int(),
    accruing_deals: z.int(),
    gross_amount_kopecks: z.int(),
    commission_kopecks: z.int(),
  })
  .meta({ id: "CampaignCommission" });

export const CommissionStatementSchema = z
  .object({
    company_id: z.string(),
    company_name: z.string(),
    period_start: timestamp.describe("Inclusive"),
    period_end: timestamp.describe("Exclusive"),
    currency: z.literal("RUB"),
    current_commission_rate: z.number(),
    accepted_deals: z.int().describe("Leads of the company accepted in the period"),
    declined_deals: z.int(),
    accruing_deals: z.int().describe("Accepted with an amount: the lines"),
    accepted_without_amount: z.int().describe("Accepted without an amount: they accrue nothing"),
    computed_at_current_rate: z.int(),
    gross_amount_kopecks: z.int(),
    commission_kopecks: z.int(),
    gross_amount: z.number().describe("RUB"),
    commission: z.number().describe("RUB"),
    effective_rate: nullableNumber,
    campaigns: z
      .array(CampaignCommissionSchema)
      .describe(
        "Deals (and their commission) on leads of the company's partner campaigns, per campaign; part of the totals above",
      ),
    lines: z.array(CommissionLineSchema).optional().describe("The accruing deals in time order (omitted on request)"),
  })
  .meta({ id: "CommissionStatement" });
