/**
 * The lead call's needs: the body's plain codes are the CRM's current statement (each keeping the
 * confidence and expiry the intake gave it), the stored survey and inferred needs stand beside them;
 * together they make the client's need boost, and the CRM rows are rewritten (in the call's atomic
 * batch) only when the statement changed.
 */
import { type ClientNeed, restatedCrmNeeds, sameCrmNeeds } from "../../domain/needs/client-needs";
import type { NeedBoost, NeedRuleIndex } from "../../domain/needs/need-boost";
import { replaceSourceNeedsQueries } from "../../storage/client-needs";
import type { Db } from "../../storage/db";
import type { LeadContext } from "../../storage/lead-context";
import { clientNeedBoost } from "../needs/need-rules";

export function leadCallNeeds(
  db: Db,
  input: {
    context: Pick<LeadContext, "clientNeeds">;
    clientId: string;
    codes: readonly string[];
    rules: NeedRuleIndex;
    nServices: number;
    now: number;
  },
): { needBoost: NeedBoost | null; statements: ReturnType<typeof replaceSourceNeedsQueries> } {
  const { context, now } = input;
  const crm = restatedCrmNeeds(input.codes, context.clientNeeds, now);
  const needs: ClientNeed[] = [
    ...crm.map((need) => ({ ...need, source: "crm" as const, observedAt: now })),
    ...context.clientNeeds.filter((need) => need.source !== "crm"),
  ];
  return {
    needBoost: input.nServices > 0 ? clientNeedBoost(input.rules, needs, input.nServices, now) : null,
    statements: sameCrmNeeds(crm, context.clientNeeds, now)
      ? []
      : replaceSourceNeedsQueries(db, [{ clientId: input.clientId, source: "crm", statements: crm }], now),
  };
}
