/**
 * A client's needs with their source, confidence and expiry (docs/recommender.md "Needs"). Pure:
 * the intake schemas, the defaults, and the rules every reader applies (expired needs never count;
 * a need stated by several sources counts once, at its highest confidence).
 *
 * The CRM may send `needs` as the plain array of codes it always sent, or as objects
 * `{ code, confidence?, expires_at? }`, or a mix. Defaults: a CRM need has confidence 1 and no expiry;
 * a survey need confidence 0.8 and a year of life; an inferred need the rule's confidence and 90 days
 * (each retrain renews the inferred needs that still hold).
 */
import { z } from "zod";
import { clientProfileShape, externalIdSchema, MAX_NEEDS, needTagSchema } from "../client-profile";
import type { ErrorItem } from "../errors";
import { DAY_MS } from "../time";

export const NEED_SOURCES = ["crm", "survey", "inferred"] as const;
export type NeedSource = (typeof NEED_SOURCES)[number];

export const DEFAULT_CRM_NEED_CONFIDENCE = 1;
export const DEFAULT_SURVEY_NEED_CONFIDENCE = 0.8;
export const SURVEY_NEED_TTL_MS = 365 * DAY_MS;
export const INFERRED_NEED_TTL_MS = 90 * DAY_MS;

/** One need as a source states it, before it is stored. */
export interface NeedStatement {
  code: string;
  /** 0 < confidence <= 1. */
  confidence: number;
  /** Epoch ms; null = no expiry. */
  expiresAt: number | null;
}

/** One stored need of a client. */
export interface ClientNeed extends NeedStatement {
  source: NeedSource;
  /** Epoch ms the source stated it. */
  observedAt: number;
}

export const needConfidenceSchema = z
  .number({ error: "confidence must be a number between 0 and 1" })
  .gt(0, { error: "confidence must be greater than 0 and at most 1" })
  .max(1, { error: "confidence must be greater than 0 and at most 1" });

const needObjectSchema = z
  .strictObject({
    code: needTagSchema,
    confidence: needConfidenceSchema
      .optional()
      .meta({ description: "How sure the CRM is, greater than 0 and at most 1 (default 1)", example: 0.8 }),
    expires_at: z.iso
      .datetime({ error: "expires_at must be an ISO 8601 date-time such as 2027-06-30T00:00:00Z", offset: true })
      .optional()
      .meta({ description: "When the need stops counting (default: never); must be in the future" }),
  })
  .meta({ id: "ClientNeedInput" });

/** The intake's `needs`: codes, objects, or a mix (the plain codes of older CRMs keep working). */
export const intakeNeedsSchema = z
  .array(
    z.union([needTagSchema, needObjectSchema], {
      error: "each need must be a code or { code, confidence?, expires_at? }",
    }),
    {
      error: "needs must be an array of need codes or need objects",
    },
  )
  .max(MAX_NEEDS, { error: `needs may hold at most ${MAX_NEEDS} needs` })
  .meta({
    description:
      "The client's needs: codes of the needs taxonomy (GET /v1/vocabularies), each either a plain code (confidence 1, " +
      "no expiry) or `{ code, confidence?, expires_at? }`; at most 20. Replaces the needs the CRM sent before " +
      "(survey and inferred needs are kept). An unknown or retired code is 422 `unprocessable`, one error per need; " +
      "a code listed twice keeps its last statement.",
    example: ["family", { code: "housing", confidence: 0.8, expires_at: "2027-06-30T00:00:00Z" }],
  });

/** `PUT /v1/clients/{external_id}`'s body: the profile with the richer `needs`. */
export const clientIntakeProfileSchema = z
  .strictObject({ ...clientProfileShape, needs: intakeNeedsSchema.optional() })
  .meta({
    id: "ClientIntakeProfile",
    description:
      "Anonymized client profile. No names, phones, e-mails, document or card numbers, addresses or birth dates: " +
      "a body carrying any is refused with 422 `personal_data`.",
  });

/** One client of `POST /v1/clients:batch`. */
export const clientIntakeBatchItemSchema = z
  .strictObject({ external_id: externalIdSchema, ...clientProfileShape, needs: intakeNeedsSchema.optional() })
  .meta({ id: "ClientBatchItem" });

export type IntakeNeeds = z.output<typeof intakeNeedsSchema>;

/**
 * The plain codes (same order and indices as sent, for the vocabulary check's paths) and the CRM's
 * statements (one per code, the last one listed wins), or the errors of expiries not in the future.
 */
export function crmNeedStatements(
  needs: IntakeNeeds | undefined,
  now: number,
  basePath: readonly string[],
): { codes: string[]; statements: NeedStatement[]; errors: ErrorItem[] } {
  const codes: string[] = [];
  const byCode = new Map<string, NeedStatement>();
  const errors: ErrorItem[] = [];
  (needs ?? []).forEach((need, index) => {
    if (typeof need === "string") {
      codes.push(need);
      byCode.delete(need);
      byCode.set(need, { code: need, confidence: DEFAULT_CRM_NEED_CONFIDENCE, expiresAt: null });
      return;
    }
    codes.push(need.code);
    const expiresAt = need.expires_at === undefined ? null : Date.parse(need.expires_at);
    if (expiresAt !== null && !(expiresAt > now)) {
      errors.push({
        code: "validation_failed",
        message: "expires_at must be in the future",
        path: [...basePath, "needs", String(index), "expires_at"],
      });
    }
    byCode.delete(need.code);
    byCode.set(need.code, { code: need.code, confidence: need.confidence ?? DEFAULT_CRM_NEED_CONFIDENCE, expiresAt });
  });
  return { codes, statements: [...byCode.values()], errors };
}

/**
 * The CRM needs a lead call states: its plain codes, each keeping the confidence and expiry the CRM
 * last gave it through the intake (a code new to the client gets the CRM defaults).
 */
export function restatedCrmNeeds(
  codes: readonly string[],
  stored: readonly ClientNeed[],
  now: number,
): NeedStatement[] {
  const previous = new Map(
    stored.filter((need) => need.source === "crm" && isNeedActive(need, now)).map((need) => [need.code, need]),
  );
  return [...new Set(codes)].map((code) => {
    const before = previous.get(code);
    return before
      ? { code, confidence: before.confidence, expiresAt: before.expiresAt }
      : { code, confidence: DEFAULT_CRM_NEED_CONFIDENCE, expiresAt: null };
  });
}

/** True when `statements` say exactly what the stored CRM rows say (then nothing needs writing). */
export function sameCrmNeeds(
  statements: readonly NeedStatement[],
  stored: readonly ClientNeed[],
  now: number,
): boolean {
  const crm = stored.filter((need) => need.source === "crm" && isNeedActive(need, now));
  if (crm.length !== statements.length) return false;
  const byCode = new Map(crm.map((need) => [need.code, need]));
  return statements.every((statement) => {
    const need = byCode.get(statement.code);
    return need !== undefined && need.confidence === statement.confidence && need.expiresAt === statement.expiresAt;
  });
}

/** True while the need counts at `now`. */
export function isNeedActive(need: Pick<ClientNeed, "expiresAt">, now: number): boolean {
  return need.expiresAt === null || need.expiresAt > now;
}

/** The active needs, strongest first (then by code and source), for display. */
export function activeClientNeeds(needs: readonly ClientNeed[], now: number): ClientNeed[] {
  return needs
    .filter((need) => isNeedActive(need, now))
    .sort(
      (a, b) =>
        b.confidence - a.confidence ||
        a.code.localeCompare(b.code) ||
        NEED_SOURCES.indexOf(a.source) - NEED_SOURCES.indexOf(b.source),
    );
}

/** One need per code: the active statement with the highest confidence (ties: crm, survey, inferred). */
export function effectiveNeeds(needs: readonly ClientNeed[], now: number): ClientNeed[] {
  const best = new Map<string, ClientNeed>();
  for (const need of activeClientNeeds(needs, now)) if (!best.has(need.code)) best.set(need.code, need);
  return [...best.values()];
}
