/**
 * Response schemas of the admin API and the mappers from stored rows to them. Views never carry
 * secrets or key hashes; they are also the snapshots written to the audit log.
 */
import { z } from "zod";
import { iso, isoOrNull } from "../../../domain/time";
import type { ApiKeyInfo } from "../../../storage/api-keys";
import type { CompanyRow } from "../../../storage/companies";
import type { ServiceRow } from "../../../storage/services";

const timestamp = z.iso.datetime();

/** Lowercase slug: letters, digits, `-` or `_` between them (service codes and categories). */
export const slugSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, {
    error: "Must be a lowercase slug: a-z, 0-9, single '-' or '_' between them, at most 64 characters",
  });

export const companyIdSchema = z.string().min(1).max(64).describe("Company id (`co_…`)");

export const CompanySchema = z
  .object({
    id: z.string().describe("`co_…`"),
    name: z.string(),
    kind: z.enum(["bank", "partner"]),
    status: z.enum(["active", "paused"]).describe("paused companies receive no leads"),
    daily_lead_cap: z.int().nullable().describe("Most leads routed to the company per UTC day; null = unlimited"),
    commission_rate: z.number().describe("Share (0..1) of an accepted deal's amount the platform earns"),
    webhook_url: z.string().nullable(),
    has_webhook_secret: z.boolean().describe("A signing secret exists (it is only ever shown once)"),
    webhook_previous_secret_expires_at: timestamp
      .nullable()
      .describe("Until then, deliveries are also signed with the secret replaced by the last rotation"),
    webhook_disabled_at: timestamp
      .nullable()
      .describe("Set when deliveries were stopped (e.g. the endpoint answered 410)"),
    webhook_disabled_reason: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Company" });

export type CompanyView = z.infer<typeof CompanySchema>;

export const CompanyWithSecretSchema = CompanySchema.extend({
  webhook_secret: z
    .string()
    .optional()
    .describe("Standard Webhooks signing secret (`whsec_…`), present only in the response that created it"),
}).meta({ id: "CompanyWithWebhookSecret" });

/** The public view of a company: no secrets. */
export function companyView(row: CompanyRow, now = Date.now()): CompanyView {
  const previousValid =
    row.webhookSecretPrevious !== null &&
    row.webhookSecretPreviousExpiresAt !== null &&
    row.webhookSecretPreviousExpiresAt > now;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    status: row.status,
    daily_lead_cap: row.dailyLeadCap,
    commission_rate: row.commissionRate,
    webhook_url: row.webhookUrl,
    has_webhook_secret: row.webhookSecret !== null,
    webhook_previous_secret_expires_at: previousValid ? iso(row.webhookSecretPreviousExpiresAt!) : null,
    webhook_disabled_at: isoOrNull(row.webhookDisabledAt),
    webhook_disabled_reason: row.webhookDisabledReason,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export const ApiKeySchema = z
  .object({
    id: z.string().describe("`key_…`"),
    company_id: z.string().nullable(),
    scope: z.enum(["admin", "crm", "partner"]),
    name: z.string().nullable(),
    prefix: z.string().describe("First characters of the key, safe to display"),
    created_at: timestamp,
    last_used_at: timestamp.nullable().describe("Refreshed at most once a minute"),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });

export type ApiKeyView = z.infer<typeof ApiKeySchema>;

export function apiKeyView(row: ApiKeyInfo): ApiKeyView {
  return {
    id: row.id,
    company_id: row.companyId,
    scope: row.scope,
    name: row.name,
    prefix: row.prefix,
    created_at: iso(row.createdAt),
    last_used_at: isoOrNull(row.lastUsedAt),
    revoked_at: isoOrNull(row.revokedAt),
  };
}

export const ServiceSchema = z
  .object({
    id: z.string().describe("`svc_…`"),
    code: z.string().describe("Unique lowercase slug; immutable"),
    name: z.string(),
    category: z.string(),
    company_id: z.string().describe("The company that sells the service; immutable"),
    description: z.string().nullable(),
    active: z.boolean().describe("Inactive services are never recommended"),
    model_index: z.int().describe("Column of the service in the interaction matrix; never reused"),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Service" });

export type ServiceView = z.infer<typeof ServiceSchema>;

export function serviceView(row: ServiceRow): ServiceView {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    category: row.category,
    company_id: row.companyId,
    description: row.description,
    active: row.active,
    model_index: row.modelIndex,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}
