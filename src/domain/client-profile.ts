/**
 * The anonymized client profile a CRM sends: the zod schemas shared by client intake
 * (`PUT /v1/clients/{external_id}`, `POST /v1/clients:batch`), the lead call and the
 * recommendation preview. Pure: no Workers APIs, no I/O.
 *
 * A profile carries no personal data by construction: numbers in range, a region and needs tags
 * from closed vocabularies (src/domain/vocabularies/), gender from an enum and service codes from the
 * catalog; the personal-data guard (`./personal-data.ts`) runs on the raw body before these
 * schemas so that a stray name or phone is refused as personal data, not merely as an unknown field.
 */
import { z } from "zod";
import { MAX_MONTHLY_INCOME } from "./number-ranges";

export const CLIENT_AGE_MIN = 14;
export const CLIENT_AGE_MAX = 120;
/** Upper bound of `monthly_income` (RUB): anything above is a unit or data-entry error (src/domain/number-ranges.ts). */
export { MAX_MONTHLY_INCOME };
export const MAX_NEEDS = 20;
export const MAX_CLIENT_SERVICES = 200;
export const EXTERNAL_ID_MAX_LENGTH = 128;

/** An error message that says "is required" when the field is missing and `message` otherwise. */
function requiredOr(field: string, message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `${field} is required` : message);
}

/** The CRM's own id of a client: only its keyed hash is ever stored. */
export const externalIdSchema = z
  .string({ error: requiredOr("external_id", "external_id must be a string") })
  .min(1, { error: "external_id must not be empty" })
  .max(EXTERNAL_ID_MAX_LENGTH, { error: `external_id must be at most ${EXTERNAL_ID_MAX_LENGTH} characters` })
  .regex(/^[A-Za-z0-9._:-]+$/, { error: "external_id may contain only A-Z, a-z, 0-9 and . _ : -" })
  .meta({
    description:
      "The CRM's own id of the client (1–128 characters of A-Z a-z 0-9 . _ : -). It must not be personal " +
      "data (no e-mail or phone): CactuBase stores only a keyed per-company hash of it.",
    example: "crm-000123",
  });

export const regionSchema = z
  .string({ error: requiredOr("region", "region must be a string") })
  .min(1, { error: "region must not be empty" })
  .max(64, { error: "region must be at most 64 characters" })
  .meta({
    description:
      "ISO 3166-2:RU federal subject code (e.g. `RU-MOW`, `RU-KYA`) or, for clients abroad, an ISO 3166-1 country " +
      "code (e.g. `DE`); any letter case, stored upper case. The short forms `msk`, `spb`, `ekaterinburg`, " +
      "`novosibirsk`, `krasnoyarsk`, `kazan`, `tyumen` and `krasnodar` are accepted as aliases. Anything else is " +
      "422 `unprocessable` (GET /v1/vocabularies lists the codes).",
    example: "RU-MOW",
  });

export const needTagSchema = z
  .string({ error: "each need must be a string" })
  .min(1, { error: "each need must not be empty" })
  .max(64, { error: "each need must be at most 64 characters" });

/** Needs tags: at most 20 codes of the needs taxonomy; duplicates are dropped once the tags are checked. */
export const needsSchema = z
  .array(needTagSchema, { error: "needs must be an array of tags" })
  .max(MAX_NEEDS, { error: `needs may hold at most ${MAX_NEEDS} tags` })
  .meta({
    description:
      "Needs tags: codes of the needs taxonomy (GET /v1/vocabularies), at most 20; duplicates are dropped. An " +
      "unknown or retired tag is 422 `unprocessable`, one error per tag.",
    example: ["housing", "family"],
  });

/** 1 = the client uses the service, -1 = it was offered and declined. */
export const interactionValueSchema = z.union([z.literal(1), z.literal(-1)], {
  error: "an interaction must be 1 (uses the service) or -1 (offered and declined)",
});

/**
 * Interactions as a map of service code → 1 | -1. Codes are checked against the catalog by the
 * route (unknown codes are refused, deactivated services are accepted as history).
 */
export const clientServicesSchema = z
  .record(
    z
      .string()
      .min(1, { error: "a service code must not be empty" })
      .max(64, { error: "a service code must be at most 64 characters" }),
    interactionValueSchema,
    { error: "services must be an object mapping service codes to 1 or -1" },
  )
  .refine((services) => Object.keys(services).length <= MAX_CLIENT_SERVICES, {
    error: `services may name at most ${MAX_CLIENT_SERVICES} services`,
  })
  .meta({
    description:
      "Interactions of the client: service code → 1 (uses the service) or -1 (was offered it and declined), " +
      `at most ${MAX_CLIENT_SERVICES} services. Services not named keep their current value.`,
    example: { "expo-mortgage": 1, "expo-credit-card": -1 },
  });

export const genderSchema = z.enum(["female", "male"], { error: 'gender must be "female", "male" or null' });

/** The profile's fields, for routes that embed a profile in a larger body (`z.strictObject({ ...clientProfileShape, … })`). */
export const clientProfileShape = {
  age: z
    .int({ error: requiredOr("age", "age must be a whole number of years") })
    .min(CLIENT_AGE_MIN, { error: `age must be between ${CLIENT_AGE_MIN} and ${CLIENT_AGE_MAX}` })
    .max(CLIENT_AGE_MAX, { error: `age must be between ${CLIENT_AGE_MIN} and ${CLIENT_AGE_MAX}` })
    .meta({ description: "Age in whole years (14–120)", example: 34 }),
  monthly_income: z
    .number({ error: requiredOr("monthly_income", "monthly_income must be a number (RUB)") })
    .min(0, { error: "monthly_income must be 0 or more" })
    .max(MAX_MONTHLY_INCOME, { error: `monthly_income must be at most ${MAX_MONTHLY_INCOME}` })
    .meta({ description: "Monthly income in RUB (stored in whole rubles, rounded)", example: 150000 }),
  region: regionSchema,
  gender: genderSchema.nullable().optional().meta({ description: "`female`, `male` or null (unknown)" }),
  needs: needsSchema.optional(),
  services: clientServicesSchema.optional(),
};

/** The anonymized client profile. Unknown fields are refused. */
export const clientProfileSchema = z.strictObject(clientProfileShape).meta({
  id: "ClientProfileInput",
  description:
    "Anonymized client profile. No names, phones, e-mails, document or card numbers, addresses or birth dates: " +
    "a body carrying any is refused with 422 `personal_data`.",
});

export type ClientProfileInput = z.input<typeof clientProfileSchema>;
/** A validated profile (needs deduplicated). */
export type ClientProfile = z.output<typeof clientProfileSchema>;
export type ClientServices = z.output<typeof clientServicesSchema>;
export type InteractionValue = z.output<typeof interactionValueSchema>;

/**
 * The profile as stored: income in whole rubles (null when unknown: a bot client, whose survey asks
 * nothing financial — never 0, which would read as the lowest income), gender null when unknown,
 * needs always present.
 */
export interface StoredClientProfile {
  age: number;
  monthlyIncome: number | null;
  region: string;
  gender: "female" | "male" | null;
  needs: string[];
}

/** Normalises a validated profile to its stored form. */
export function toStoredProfile(profile: ClientProfile): StoredClientProfile {
  return {
    age: profile.age,
    monthlyIncome: Math.round(profile.monthly_income),
    region: profile.region,
    gender: profile.gender ?? null,
    needs: profile.needs ?? [],
  };
}
