/**
 * The lead document, version 1: what a receiving company gets (webhook body and inbox item).
 * Its JSON Schema is published as `schemas/lead.v1.json` (see src/http/contract.ts).
 *
 * The document carries no personal data. The client appears only as a pseudonym that differs per
 * receiving company (two partners cannot join their lead streams on it), age and income bands
 * instead of exact values, a region, and needs tags. The receiver reaches the client through the
 * source company. The schema is strict (no extra fields anywhere) and free-text fields refuse
 * anything shaped like an e-mail address or a phone, card or document number. Pure TypeScript.
 */
import { z } from "zod";
import { MAX_NEEDS } from "./client-profile";
import { classifyString } from "./personal-data";
import { canonicalRegion, REGIONS } from "./vocabularies/regions";

export const LEAD_SCHEMA_VERSION = "1";

/** Age bands, lower bound inclusive. */
export const AGE_BANDS = ["under-18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/** Monthly income bands in RUB thousands, lower bound inclusive. */
export const INCOME_BANDS = ["0-30k", "30k-50k", "50k-80k", "80k-150k", "150k-300k", "300k+"] as const;
export type IncomeBand = (typeof INCOME_BANDS)[number];

const AGE_BAND_LOWER = [0, 18, 25, 35, 45, 55, 65];
const INCOME_BAND_LOWER = [0, 30_000, 50_000, 80_000, 150_000, 300_000];

/** The band of an age in years (non-finite or negative ages fall in the lowest band). */
export function ageBand(age: number): AgeBand {
  return AGE_BANDS[bandIndex(age, AGE_BAND_LOWER)];
}

/** The income band of a client whose income is unknown (a client who came through the Telegram bot). */
export const UNSPECIFIED_INCOME_BAND = "unspecified";

/** The band of a monthly income in RUB, or "unspecified" when the income is unknown (null). */
export function incomeBand(monthlyIncome: number | null): IncomeBand | typeof UNSPECIFIED_INCOME_BAND {
  if (monthlyIncome === null || !Number.isFinite(monthlyIncome)) return UNSPECIFIED_INCOME_BAND;
  return INCOME_BANDS[bandIndex(monthlyIncome, INCOME_BAND_LOWER)];
}

function bandIndex(value: number, lowerBounds: readonly number[]): number {
  let index = 0;
  if (!Number.isFinite(value)) return index;
  for (let i = 1; i < lowerBounds.length; i++) if (value >= lowerBounds[i]) index = i;
  return index;
}

/**
 * Free text without personal-data shapes: no e-mail address and no run of 7 or more digits (even
 * separated by spaces, dots, dashes or parentheses), which covers phone, card, passport and account
 * numbers; one line only. Written for JSON Schema (ECMA-262) as well as zod.
 */
export const SAFE_TEXT_PATTERN = /^(?![^\n]*[^\s@]+@[^\s@]+\.[^\s@]+)(?![^\n]*\d(?:[\s().-]*\d){6})[^\n\r]*$/;

/** Whether a text may travel in a lead document. */
export function isSafeText(text: string): boolean {
  return SAFE_TEXT_PATTERN.test(text);
}

const NEED_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** The region of a client whose stored region is not in the vocabulary (it is never forwarded). */
export const UNSPECIFIED_REGION = "unspecified";

/** Most reasons and needs tags a document carries. */
export const MAX_REASONS = 10;

const safeText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(SAFE_TEXT_PATTERN, { error: "must not contain an e-mail address, a long digit sequence or a line break" });

const companyRef = z.strictObject({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
});

/** Lead document, schema version "1". */
export const leadDocumentSchema = z
  .strictObject({
    schema_version: z.literal(LEAD_SCHEMA_VERSION),
    lead_id: z.string().regex(/^ld_[0-9a-z]{20}$/),
    created_at: z.iso.datetime(),
    service: z.strictObject({
      code: z.string().min(1).max(64),
      name: z.string().min(1).max(200),
      category: z.string().min(1).max(64),
    }),
    target_company: companyRef,
    /** 0–100: read as the probability, in percent, that the client takes the service. */
    rating: z.number().min(0).max(100),
    reasons: z.array(safeText(300)).max(MAX_REASONS),
    client: z.strictObject({
      /** HMAC of the client id under a key specific to the receiving company (64 hex chars). */
      pseudonym: z.string().regex(/^[0-9a-f]{64}$/),
      age_band: z.enum(AGE_BANDS),
      /** "unspecified" when the income is unknown (a client who came through the Telegram bot). */
      income_band: z.enum([...INCOME_BANDS, UNSPECIFIED_INCOME_BAND]),
      /** A code of the region vocabulary, or "unspecified" when the stored value did not map. */
      region: z.enum([UNSPECIFIED_REGION, ...REGIONS.map((region) => region.code)]),
      needs: z.array(z.string().regex(NEED_PATTERN)).max(MAX_NEEDS),
    }),
    source_company: companyRef,
    contact: z.strictObject({
      channel: z.literal("source_company"),
      company_id: z.string().min(1).max(64),
      company_name: z.string().min(1).max(200),
      instructions: z.string().min(1).max(500),
    }),
    model_version: z.string().min(1).max(64).nullable(),
  })
  .meta({
    id: "LeadV1",
    title: "CactuBase lead, version 1",
    description:
      "A cross-sell opportunity packaged for the company that sells the service. Contains no personal data: " +
      "the client is a pseudonym specific to the receiving company, with age and income bands, region and needs tags.",
  });

export type LeadDocument = z.infer<typeof leadDocumentSchema>;

/** Everything `buildLeadDocument` reads; any other property of these objects is ignored. */
export interface LeadDocumentInput {
  leadId: string;
  /** Epoch ms. */
  createdAt: number;
  service: { code: string; name: string; category: string };
  targetCompany: { id: string; name: string };
  sourceCompany: { id: string; name: string };
  /** 0–100; rounded to one decimal and clamped. */
  rating: number;
  reasons: readonly string[];
  client: {
    /** `receiverPseudonym(PSEUDONYM_KEY, targetCompany.id, clientId)` (src/lib/crypto.ts). */
    pseudonym: string;
    age: number;
    /** null = unknown. */
    monthlyIncome: number | null;
    region: string;
    needs: readonly string[];
  };
  modelVersion?: string | null;
}

/**
 * Builds and validates a lead document. Copies only the fields the document defines; reasons that
 * look like personal data are dropped, needs that are not tags are dropped, and a region that is
 * not in the region vocabulary is replaced by "unspecified", so nothing personal can pass through.
 * Throws a ZodError only on a programming error (e.g. a malformed lead id or pseudonym).
 */
export function buildLeadDocument(input: LeadDocumentInput): LeadDocument {
  const reasons: string[] = [];
  for (const reason of input.reasons) {
    if (reasons.length >= MAX_REASONS) break;
    const text = typeof reason === "string" ? reason.trim().slice(0, 300) : "";
    if (text !== "" && isSafeText(text)) reasons.push(text);
  }
  const needs: string[] = [];
  for (const need of input.client.needs) {
    if (needs.length >= MAX_NEEDS) break;
    // Tags come from the checked taxonomy; a slug that still looks personal (stored before the
    // vocabularies existed) is dropped rather than forwarded.
    if (typeof need !== "string" || !NEED_PATTERN.test(need) || needs.includes(need)) continue;
    if (classifyString(need) === null) needs.push(need);
  }
  // Only a vocabulary value travels: a stored alias becomes its code, anything else "unspecified".
  const region = typeof input.client.region === "string" ? canonicalRegion(input.client.region) : null;
  const rating = Number.isFinite(input.rating) ? Math.min(100, Math.max(0, Math.round(input.rating * 10) / 10)) : 0;
  const source = { id: input.sourceCompany.id, name: input.sourceCompany.name };
  return leadDocumentSchema.parse({
    schema_version: LEAD_SCHEMA_VERSION,
    lead_id: input.leadId,
    created_at: new Date(input.createdAt).toISOString(),
    service: { code: input.service.code, name: input.service.name, category: input.service.category },
    target_company: { id: input.targetCompany.id, name: input.targetCompany.name },
    rating,
    reasons,
    client: {
      pseudonym: input.client.pseudonym,
      age_band: ageBand(input.client.age),
      income_band: incomeBand(input.client.monthlyIncome),
      region: region ?? UNSPECIFIED_REGION,
      needs,
    },
    source_company: source,
    contact: {
      channel: "source_company",
      company_id: source.id,
      company_name: source.name,
      instructions: contactInstructions(input.leadId, source.name),
    },
    model_version: input.modelVersion ?? null,
  });
}

/** How the receiver reaches the client: through the source company, quoting the lead id. */
export function contactInstructions(leadId: string, sourceCompanyName: string): string {
  return (
    `Ask ${sourceCompanyName} to introduce you to the client, quoting lead ${leadId}. ` +
    `${sourceCompanyName} contacts the client, obtains consent and shares contact details directly; ` +
    "CactuBase never transmits them."
  );
}
