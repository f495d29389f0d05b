/**
 * The admins' link proposals (docs/recommender.md "Link proposals"): list them, compute them on
 * demand, approve one (a service rule becomes a cell of the cross-service matrix; a need rule
 * counts at the approved weight in the need boost) or reject one (it is never proposed again, and a
 * rejected need rule stops boosting). Every decision commits with its audit entries in one batch.
 */

import { DomainError } from "../../domain/errors";
import { ruleStatistics } from "../../domain/needs/association-rules";
import type { Env } from "../../env";
import { type AuditInput, auditEntries, auditEntryIfChanged, runBatch } from "../../storage/audit";
import { linksFrom, upsertLinkQueries } from "../../storage/cross-services";
import {
  decideProposalQuery,
  getLinkProposal,
  type LinkProposalRow,
  type LinkProposalStatus,
  listLinkProposals,
} from "../../storage/link-proposals";
import { listServiceRefs } from "../../storage/services";
import { controlDb } from "../../storage/shards";
import { controlDataChanged } from "../lead-call/control-cache";
import { type NeedKnowledgeResult, refreshNeedKnowledge } from "../needs/knowledge";
import { forgetNeedRules } from "../needs/need-rules";

/** A proposal with the statistics an admin judges it by. */
export interface LinkProposal {
  id: string;
  antecedentKind: "service" | "need";
  antecedent: string;
  consequent: string;
  support: number;
  antecedentClients: number;
  consequentClients: number;
  totalClients: number;
  /** P(consequent | antecedent). */
  confidence: number;
  /** P(antecedent), P(consequent). */
  antecedentRate: number;
  consequentRate: number;
  lift: number;
  liftLower: number;
  status: LinkProposalStatus;
  weight: number | null;
  computedAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
}

function proposalOf(row: LinkProposalRow): LinkProposal {
  const stats = ruleStatistics(row.support, row.antecedentClients, row.consequentClients, row.totalClients);
  return {
    id: row.id,
    antecedentKind: row.antecedentKind,
    antecedent: row.antecedent,
    consequent: row.consequent,
    support: row.support,
    antecedentClients: row.antecedentClients,
    consequentClients: row.consequentClients,
    totalClients: row.totalClients,
    confidence: stats?.confidence ?? 0,
    antecedentRate: stats?.antecedentRate ?? 0,
    consequentRate: stats?.baseRate ?? 0,
    lift: row.lift,
    liftLower: row.liftLower,
    status: row.status,
    weight: row.weight,
    computedAt: row.computedAt,
    decidedAt: row.decidedAt,
    decidedBy: row.decidedBy,
  };
}

/** The proposals with `status` (all when omitted), strongest evidence first. */
export async function listProposals(env: Env, status?: LinkProposalStatus): Promise<LinkProposal[]> {
  return (await listLinkProposals(controlDb(env), status)).map(proposalOf);
}

/** Recomputes the proposals (and the inferred needs) now. */
export async function computeProposals(env: Env, now = Date.now()): Promise<NeedKnowledgeResult> {
  const result = await refreshNeedKnowledge(env, now);
  controlDataChanged();
  return result;
}

async function proposalToDecide(env: Env, id: string): Promise<LinkProposalRow> {
  const row = await getLinkProposal(controlDb(env), id);
  if (!row) throw new DomainError("not_found", "No link proposal with this id", ["params", "id"]);
  if (row.status !== "proposed") {
    throw new DomainError("conflict", `This proposal was already ${row.status}`, ["params", "id"]);
  }
  return row;
}

/**
 * Approves a proposal. A service rule becomes the cross-service cell antecedent → consequent with
 * `weight` (default: the rule's confidence, rounded to 2 decimals, at least 0.01); a need rule keeps
 * boosting at `weight` × the rule cap (default weight 1).
 * @throws DomainError `not_found`, `conflict` (already decided, or a service gone from the catalogue).
 */
export async function approveProposal(
  env: Env,
  input: { id: string; actor: string; weight?: number },
  now = Date.now(),
): Promise<LinkProposal> {
  const db = controlDb(env);
  const row = await proposalToDecide(env, input.id);
  const stats = proposalOf(row);
  const weight =
    input.weight ?? (row.antecedentKind === "service" ? Math.max(0.01, Math.round(stats.confidence * 100) / 100) : 1);
  const decided = { ...row, status: "approved" as const, weight, decidedAt: now, decidedBy: input.actor };
  const linkAudits: AuditInput[] = [];
  const linkRows: Array<{
    fromServiceId: string;
    toServiceId: string;
    weight: number;
    note: string;
    updatedAt: number;
  }> = [];
  if (row.antecedentKind === "service") {
    const idByCode = new Map((await listServiceRefs(db)).map((ref) => [ref.code, ref.id]));
    const fromServiceId = idByCode.get(row.antecedent);
    const toServiceId = idByCode.get(row.consequent);
    if (!fromServiceId || !toServiceId) {
      throw new DomainError("conflict", "A service of this proposal is no longer in the catalogue", ["params", "id"]);
    }
    const existing = (await linksFrom(db, [fromServiceId])).find((link) => link.toServiceId === toServiceId);
    const note = `Approved link proposal ${row.id} (lift ${row.lift.toFixed(2)}, support ${row.support})`;
    linkRows.push({ fromServiceId, toServiceId, weight, note, updatedAt: now });
    linkAudits.push({
      actor: input.actor,
      action: "cross_service_link.set",
      entityType: "cross_service_link",
      entityId: `${row.antecedent}->${row.consequent}`,
      before: existing
        ? { from: row.antecedent, to: row.consequent, weight: existing.weight, note: existing.note }
        : null,
      after: { from: row.antecedent, to: row.consequent, weight, note },
      at: now,
    });
  }
  await runBatch(db, [
    decideProposalQuery(db, row.id, { status: "approved", weight, by: input.actor, at: now }),
    auditEntryIfChanged(db, {
      actor: input.actor,
      action: "link_proposal.approved",
      entityType: "link_proposal",
      entityId: row.id,
      before: { status: row.status },
      after: { status: "approved", weight, rule: `${row.antecedentKind}:${row.antecedent}->${row.consequent}` },
      at: now,
    }),
    ...upsertLinkQueries(db, linkRows),
    ...auditEntries(db, linkAudits),
  ]);
  forgetNeedRules();
  controlDataChanged();
  return proposalOf(decided);
}

/**
 * Rejects a proposal: it stays rejected (never proposed again) and a need rule stops boosting.
 * @throws DomainError `not_found`, `conflict` (already decided).
 */
export async function rejectProposal(
  env: Env,
  input: { id: string; actor: string },
  now = Date.now(),
): Promise<LinkProposal> {
  const db = controlDb(env);
  const row = await proposalToDecide(env, input.id);
  await runBatch(db, [
    decideProposalQuery(db, row.id, { status: "rejected", weight: null, by: input.actor, at: now }),
    auditEntryIfChanged(db, {
      actor: input.actor,
      action: "link_proposal.rejected",
      entityType: "link_proposal",
      entityId: row.id,
      before: { status: row.status },
      after: { status: "rejected", rule: `${row.antecedentKind}:${row.antecedent}->${row.consequent}` },
      at: now,
    }),
  ]);
  forgetNeedRules();
  controlDataChanged();
  return proposalOf({ ...row, status: "rejected", decidedAt: now, decidedBy: input.actor });
}
