/**
 * Response schemas of the admin API and the views that fill them. A view is the entity's public
 * snapshot (src/usecases/admin/snapshots.ts), the same one the audit log records: never secrets
 * or key hashes.
 */
import { z } from "zod";
import {
  type ApiKeyRecord,
  apiKeySnapshot,
  type CompanyRecord,
  companySnapshot,
  type ServiceRecord,
  serviceSnapshot,
} from "../../../usecases/admin/snapshots";
import type { WebhookTestResult } from "../../../usecases/lead-delivery/test-event";

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
export function companyView(company: CompanyRecord, now = Date.now()): CompanyView {
  return companySnapshot(company, now);
}

export const ApiKeySchema = z
  .object({
    id: z.string().describe("`key_…`"),
    company_id: z.string().nullable(),
    scope: z.enum(["admin", "viewer", "crm", "partner", "site"]),
    name: z.string().nullable(),
    allowed_origins: z
      .array(z.string())
      .nullable()
      .describe("`site` keys: the origins whose pages may send events (checked against `Origin`); null otherwise"),
    prefix: z.string().describe("First characters of the key, safe to display"),
    created_at: timestamp,
    last_used_at: timestamp.nullable().describe("Refreshed at most once a minute"),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });

export type ApiKeyView = z.infer<typeof ApiKeySchema>;

export function apiKeyView(apiKey: ApiKeyRecord): ApiKeyView {
  return apiKeySnapshot(apiKey);
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

export function serviceView(service: ServiceRecord): ServiceView {
  return serviceSnapshot(service);
}

/** What one "send test event" POST gave (admin companies page and partner portal). */
export const WebhookTestResultSchema = z
  .object({
    event_id: z.string().describe("`webhook-id` of the test request (`test_…`)"),
    url: z.string(),
    delivered: z.boolean().describe("The endpoint answered 2xx"),
    http_status: z.int().nullable().describe("null when no answer arrived (network error, timeout)"),
    latency_ms: z.int(),
    error: z.string().nullable().describe("Why it failed, as the delivery log would say"),
  })
  .meta({ id: "WebhookTestResult" });

export function webhookTestResultView(result: WebhookTestResult): z.infer<typeof WebhookTestResultSchema> {
  return {
    event_id: result.eventId,
    url: result.url,
    delivered: result.delivered,
    http_status: result.status,
    latency_ms: Math.round(result.latencyMs),
    error: result.error,
  };
}
