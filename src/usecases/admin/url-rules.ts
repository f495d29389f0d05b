/**
 * The admin's URL rules of a company's website (`/v1/admin/companies/{id}/url-rules`): a page URL
 * prefix → a catalog service. `POST /v1/events` counts a page view as interest in the service of
 * the longest matching prefix. Every write is audited.
 */
import { DomainError } from "../../domain/errors";
import { checkUrlPrefix, MAX_URL_RULES_PER_COMPANY } from "../../domain/site-events";
import { iso } from "../../domain/time";
import type { Env } from "../../env";
import { newId } from "../../lib/ids";
import { auditEntry, runBatch } from "../../storage/audit";
import { getCompany } from "../../storage/companies";
import { getServiceByCode } from "../../storage/services";
import { controlDb } from "../../storage/shards";
import * as rules from "../../storage/url-rules";

export interface UrlRuleSnapshot {
  id: string;
  company_id: string;
  prefix: string;
  service: string;
  created_at: string;
}

function snapshot(
  rule: { id: string; companyId: string; prefix: string; createdAt: number },
  service: string,
): UrlRuleSnapshot {
  return { id: rule.id, company_id: rule.companyId, prefix: rule.prefix, service, created_at: iso(rule.createdAt) };
}

async function requireCompany(env: Env, companyId: string) {
  const company = await getCompany(controlDb(env), companyId);
  if (!company) throw new DomainError("not_found", `Company ${companyId} not found`);
  return company;
}

export async function listUrlRules(env: Env, companyId: string): Promise<UrlRuleSnapshot[]> {
  await requireCompany(env, companyId);
  const rows = await rules.listUrlRules(controlDb(env), companyId);
  return rows.map((row) => snapshot(row, row.serviceCode));
}

/**
 * Adds a rule. The prefix is normalized (origin lowercased, query and fragment refused); a second
 * rule with the same prefix is `conflict`; an unknown service code is `validation_failed`.
 */
export async function createUrlRule(
  env: Env,
  actor: string,
  companyId: string,
  input: { prefix: string; service: string },
  now = Date.now(),
): Promise<UrlRuleSnapshot> {
  const checked = checkUrlPrefix(input.prefix);
  if (!checked.ok) throw new DomainError("validation_failed", checked.message, ["prefix"]);
  const db = controlDb(env);
  await requireCompany(env, companyId);
  const service = await getServiceByCode(db, input.service);
  if (!service) throw new DomainError("validation_failed", `Unknown service code ${input.service}`, ["service"]);
  if (await rules.findUrlRuleByPrefix(db, companyId, checked.value)) {
    throw new DomainError("conflict", `The company already has a rule for ${checked.value}`, ["prefix"]);
  }
  if ((await rules.countUrlRules(db, companyId)) >= MAX_URL_RULES_PER_COMPANY) {
    throw new DomainError("conflict", `A company has at most ${MAX_URL_RULES_PER_COMPANY} URL rules`);
  }
  const row = { id: newId("url"), companyId, prefix: checked.value, serviceId: service.id, createdAt: now };
  const after = snapshot(row, service.code);
  try {
    await runBatch(db, [
      rules.insertUrlRuleQuery(db, row),
      auditEntry(db, {
        actor,
        action: "url_rule.created",
        entityType: "url_rule",
        entityId: row.id,
        before: null,
        after,
        at: now,
      }),
    ]);
  } catch (error) {
    // A concurrent call created the same prefix first (unique index).
    if (String(error).includes("UNIQUE"))
      throw new DomainError("conflict", `The company already has a rule for ${checked.value}`, ["prefix"]);
    throw error;
  }
  return after;
}

/** Deletes a rule of the company; `not_found` for an unknown rule or one of another company. */
export async function deleteUrlRule(
  env: Env,
  actor: string,
  companyId: string,
  ruleId: string,
  now = Date.now(),
): Promise<void> {
  const db = controlDb(env);
  await requireCompany(env, companyId);
  const rule = await rules.getUrlRule(db, ruleId);
  if (!rule || rule.companyId !== companyId) throw new DomainError("not_found", `URL rule ${ruleId} not found`);
  const code = (await rules.listUrlRules(db, companyId)).find((r) => r.id === rule.id)?.serviceCode ?? rule.serviceId;
  await runBatch(db, [
    rules.deleteUrlRuleQuery(db, rule.id),
    auditEntry(db, {
      actor,
      action: "url_rule.deleted",
      entityType: "url_rule",
      entityId: rule.id,
      before: snapshot(rule, code),
      after: null,
      at: now,
    }),
  ]);
}
