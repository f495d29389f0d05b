/**
 * The public snapshots of the admin entities: what the audit log records before and after a
 * change, and what the admin API shows. They never carry secrets or key hashes. Both uses share
 * these functions so that an audit entry always reads like the API response of its time.
 */
import { iso, isoOrNull } from "../../domain/time";
import { type ApiKeyInfo, allowedOriginsOf } from "../../storage/api-keys";
import type { CompanyRow } from "../../storage/companies";
import type { ServiceRow } from "../../storage/services";

/** A company as stored, secrets included: only snapshots leave the use cases' callers. */
export type CompanyRecord = CompanyRow;
/** An API key as stored, without its hash. */
export type ApiKeyRecord = ApiKeyInfo;
/** A catalog service as stored. */
export type ServiceRecord = ServiceRow;

export interface CompanySnapshot {
  id: string;
  name: string;
  kind: CompanyRecord["kind"];
  status: CompanyRecord["status"];
  daily_lead_cap: number | null;
  commission_rate: number;
  webhook_url: string | null;
  has_webhook_secret: boolean;
  webhook_previous_secret_expires_at: string | null;
  webhook_disabled_at: string | null;
  webhook_disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** A company without its secrets; the previous secret's expiry shows only while it still signs. */
export function companySnapshot(company: CompanyRecord, now = Date.now()): CompanySnapshot {
  const previousValid =
    company.webhookSecretPrevious !== null &&
    company.webhookSecretPreviousExpiresAt !== null &&
    company.webhookSecretPreviousExpiresAt > now;
  return {
    id: company.id,
    name: company.name,
    kind: company.kind,
    status: company.status,
    daily_lead_cap: company.dailyLeadCap,
    commission_rate: company.commissionRate,
    webhook_url: company.webhookUrl,
    has_webhook_secret: company.webhookSecret !== null,
    webhook_previous_secret_expires_at: previousValid ? iso(company.webhookSecretPreviousExpiresAt!) : null,
    webhook_disabled_at: isoOrNull(company.webhookDisabledAt),
    webhook_disabled_reason: company.webhookDisabledReason,
    created_at: iso(company.createdAt),
    updated_at: iso(company.updatedAt),
  };
}

export interface ApiKeySnapshot {
  id: string;
  company_id: string | null;
  scope: ApiKeyRecord["scope"];
  name: string | null;
  /** Site keys only: the origins whose pages may send events; null for other keys. */
  allowed_origins: string[] | null;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function apiKeySnapshot(apiKey: ApiKeyRecord): ApiKeySnapshot {
  return {
    id: apiKey.id,
    company_id: apiKey.companyId,
    scope: apiKey.scope,
    name: apiKey.name,
    allowed_origins: allowedOriginsOf(apiKey.allowedOrigins),
    prefix: apiKey.prefix,
    created_at: iso(apiKey.createdAt),
    last_used_at: isoOrNull(apiKey.lastUsedAt),
    revoked_at: isoOrNull(apiKey.revokedAt),
  };
}

export interface ServiceSnapshot {
  id: string;
  code: string;
  name: string;
  category: string;
  company_id: string;
  description: string | null;
  active: boolean;
  model_index: number;
  created_at: string;
  updated_at: string;
}

export function serviceSnapshot(service: ServiceRecord): ServiceSnapshot {
  return {
    id: service.id,
    code: service.code,
    name: service.name,
    category: service.category,
    company_id: service.companyId,
    description: service.description,
    active: service.active,
    model_index: service.modelIndex,
    created_at: iso(service.createdAt),
    updated_at: iso(service.updatedAt),
  };
}
