/**
 * The admin's API key use cases: issue a key for a company, list a company's keys, revoke a key.
 * Only a key's SHA-256 is stored; the clear key is returned once, by the call that issued it.
 */
import { DomainError } from "../../domain/errors";
import { checkAllowedOrigin, MAX_ALLOWED_ORIGINS } from "../../domain/site-events";
import type { Env } from "../../env";
import * as apiKeyTable from "../../storage/api-keys";
import { auditEntry, auditEntryIfChanged, runBatch } from "../../storage/audit";
import { getCompany } from "../../storage/companies";
import { controlDb } from "../../storage/shards";
import { type ApiKeyRecord, apiKeySnapshot } from "./snapshots";

export type { ApiKeyRecord } from "./snapshots";

/**
 * Scopes an admin may issue for a company (admin keys come from the bootstrap token). A viewer key
 * belongs to the company of the person who holds it and reads the admin routes without changing anything.
 */
export type CompanyKeyScope = "crm" | "partner" | "viewer" | "site";

function companyNotFound(id: string): DomainError {
  return new DomainError("not_found", `Company ${id} not found`);
}

function apiKeyNotFound(id: string): DomainError {
  return new DomainError("not_found", `API key ${id} not found`);
}

/** A new key of the company; `key` is the clear secret, never shown again. */
export async function issueCompanyApiKey(
  env: Env,
  actor: string,
  companyId: string,
  input: { scope: CompanyKeyScope; name: string | null; allowedOrigins?: readonly string[] },
  now = Date.now(),
): Promise<{ apiKey: ApiKeyRecord; key: string }> {
  const allowedOrigins = checkedAllowedOrigins(input.scope, input.allowedOrigins);
  const db = controlDb(env);
  const company = await getCompany(db, companyId);
  if (!company) throw companyNotFound(companyId);

  const { row, issued } = await apiKeyTable.newApiKey(
    { scope: input.scope, companyId: company.id, name: input.name, allowedOrigins },
    now,
  );
  const { hash: _hash, ...info } = row;
  const apiKey: ApiKeyRecord = { ...info, lastUsedAt: null, revokedAt: null };
  await runBatch(db, [
    apiKeyTable.insertApiKeyQuery(db, row),
    auditEntry(db, {
      actor,
      action: "api_key.created",
      entityType: "api_key",
      entityId: row.id,
      before: null,
      after: apiKeySnapshot(apiKey),
      at: now,
    }),
  ]);
  return { apiKey, key: issued.key };
}

/**
 * The normalized, de-duplicated origins of a site key (required, 1..MAX_ALLOWED_ORIGINS); null for
 * the other scopes, which may not name any.
 */
function checkedAllowedOrigins(scope: CompanyKeyScope, origins: readonly string[] | undefined): string[] | null {
  if (scope !== "site") {
    if (origins !== undefined) {
      throw new DomainError("validation_failed", "`allowed_origins` applies to site keys only", ["allowed_origins"]);
    }
    return null;
  }
  if (!origins || origins.length === 0) {
    throw new DomainError("validation_failed", "A site key needs at least one allowed origin", ["allowed_origins"]);
  }
  if (origins.length > MAX_ALLOWED_ORIGINS) {
    throw new DomainError("validation_failed", `At most ${MAX_ALLOWED_ORIGINS} allowed origins`, ["allowed_origins"]);
  }
  const problems: Array<{ message: string; path: string[] }> = [];
  const normalized = new Set<string>();
  origins.forEach((raw, i) => {
    const checked = checkAllowedOrigin(raw);
    if (checked.ok) normalized.add(checked.value);
    else problems.push({ message: checked.message, path: ["allowed_origins", String(i)] });
  });
  if (problems.length > 0) throw DomainError.many("validation_failed", problems);
  return [...normalized];
}

/** The company's keys, revoked ones included, oldest first; `not_found` for an unknown company. */
export async function listCompanyApiKeys(env: Env, companyId: string): Promise<ApiKeyRecord[]> {
  const db = controlDb(env);
  const company = await getCompany(db, companyId);
  if (!company) throw companyNotFound(companyId);
  return apiKeyTable.listCompanyApiKeys(db, company.id);
}

/**
 * Revokes the key. Idempotent: a revoked key (also one revoked by a concurrent call) comes back
 * with its original revocation time and no second audit entry.
 */
export async function revokeApiKey(env: Env, actor: string, id: string, now = Date.now()): Promise<ApiKeyRecord> {
  const db = controlDb(env);
  const current = await apiKeyTable.getApiKeyInfo(db, id);
  if (!current) throw apiKeyNotFound(id);
  if (current.revokedAt !== null) return current;

  const [rows] = (await runBatch(db, [
    apiKeyTable.revokeApiKeyQuery(db, current.id, now),
    auditEntryIfChanged(db, {
      actor,
      action: "api_key.revoked",
      entityType: "api_key",
      entityId: current.id,
      before: apiKeySnapshot(current),
      after: apiKeySnapshot({ ...current, revokedAt: now }),
      at: now,
    }),
  ])) as [ApiKeyRecord[], unknown];
  if (rows.length > 0) return rows[0];
  // A concurrent call revoked it first: answer with that revocation.
  const latest = await apiKeyTable.getApiKeyInfo(db, current.id);
  if (!latest) throw apiKeyNotFound(id);
  return latest;
}
