/**
 * Recording a deal a CRM reported, once validated: resolve the client, service and lead the report
 * names, refuse what the caller may not report, and commit the shared deal write
 * (src/storage/deals.ts) together with the idempotency answer in one atomic batch.
 *
 * Concurrency: the write is planned from a read (the matrix cell and the lead, to answer whether
 * this outcome now stands) and guarded like client intake (src/storage/clients.ts): the client's
 * `updated_at` must still hold the value read, and moves forward, or the whole batch is rolled back
 * and planned again. Whatever the answer says, the "latest outcome wins" guards of the deal write
 * itself are enforced in SQL.
 */
import { DomainError } from "../../domain/errors";
import { iso } from "../../domain/time";
import {
  type ClientRow,
  clientUnchangedGuard,
  isClientWriteConflict,
  type WriteStatement,
} from "../../storage/clients";
import type { Db } from "../../storage/db";
import {
  buildDealWrite,
  commitDealWrite,
  type DealOutcome,
  type DealRow,
  readCrmDealHistory,
  readCrmDealReferences,
} from "../../storage/deals";
import type { LeadRow } from "../../storage/leads";

/** Attempts before a report that keeps losing races to concurrent writes of its client is 409. */
const MAX_ATTEMPTS = 5;

/**
 * Where a report is read and written: the catalogue in the control database, the client in its shard,
 * the lead it names in the shard its id names (null when it names none, or an id that cannot be ours).
 */
export interface DealDatabases {
  control: Db;
  clientShard: Db;
  leadShard: Db | null;
}

/** A deal as a CRM reports it, after validation. */
export interface CrmDealReport {
  /** The caller's company: the client's source and the seller of the service. */
  companyId: string;
  /** Pseudonym of the CRM's client id (`pseudonymize`). */
  externalHash: string;
  serviceCode: string;
  outcome: DealOutcome;
  amount: number | null;
  leadId: string | null;
  /** When the deal happened (epoch ms), or null when the report gives no time (then: now). */
  occurredAt: number | null;
}

/** The answer to a report, as stored for idempotent replays. */
export interface DealAnswerBody {
  deal: {
    id: string;
    service: string;
    company_id: string;
    lead_id: string | null;
    outcome: DealOutcome;
    amount: number | null;
    commission: number | null;
    reported_by: DealRow["reportedBy"];
    occurred_at: string;
    recorded_at: string;
  };
  recorded: boolean;
  current: boolean;
  lead: { id: string; status: string } | null;
}

export interface DealAnswer {
  status: 200 | 201;
  body: DealAnswerBody;
}

interface DealState {
  client: ClientRow;
  service: { id: string; code: string; companyId: string; modelIndex: number };
  commissionRate: number;
  lead: LeadRow | null;
  cell: { value: number; at: number } | null;
  /** An identical earlier report (same lead, outcome, amount and time), if the report gave a time. */
  identical: DealRow | null;
}

/**
 * Records a CRM's deal. `complete(status, body)` is the idempotency slot's statement: it commits
 * in the same batch as the deal, so a replay can never answer for a deal that was not written.
 * @throws DomainError `not_found` (unknown client or lead), `validation_failed` (unknown service),
 * `unprocessable` (service of another company, or a lead for another client or service), `conflict`
 * (lost races to concurrent writes).
 */
export async function commitCrmDeal(
  databases: DealDatabases,
  report: CrmDealReport,
  options: { now: number; complete: (status: number, body: unknown) => WriteStatement },
): Promise<DealAnswer> {
  // The deal, its matrix cell and the answer belong to the client: they commit in its shard.
  const db = databases.clientShard;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const state = await readDealState(databases, report);
    const occurredAt = report.occurredAt ?? options.now;
    const value = report.outcome === "accepted" ? 1 : -1;

    if (state.identical) {
      const existing = state.identical;
      const body = answerBody(existing, state.service.code, {
        recorded: false,
        current: state.cell !== null && state.cell.value === value && state.cell.at <= existing.occurredAt,
        lead: state.lead ? { id: state.lead.id, status: state.lead.status } : null,
      });
      await commitDealWrite(db, [options.complete(200, body)]);
      return { status: 200, body };
    }

    const { deal, statements } = buildDealWrite(db, {
      clientId: state.client.id,
      serviceId: state.service.id,
      modelIndex: state.service.modelIndex,
      companyId: report.companyId,
      leadId: state.lead?.id ?? null,
      outcome: report.outcome,
      amount: report.amount,
      // Commission is the platform's share of sales it brought: deals on leads only.
      commissionRate: state.lead ? state.commissionRate : 0,
      reportedBy: "crm",
      interactionSource: "deal",
      occurredAt,
      now: options.now,
    });
    // The latest outcome wins (mirrors the SQL guards of the deal write).
    const current = state.cell === null || state.cell.at <= occurredAt;
    const lead = state.lead
      ? {
          id: state.lead.id,
          status:
            state.lead.outcomeAt === null || state.lead.outcomeAt <= occurredAt ? report.outcome : state.lead.status,
        }
      : null;
    const body = answerBody(deal, state.service.code, { recorded: true, current, lead });
    // A concurrent write of the client moved its `updated_at`: the whole batch rolls back and the
    // report is planned again.
    const guard = clientUnchangedGuard(db, state.client.id, state.client.updatedAt, options.now);
    try {
      await commitDealWrite(db, [guard, ...statements, options.complete(201, body)]);
      return { status: 201, body };
    } catch (error) {
      if (!isClientWriteConflict(error)) throw error;
    }
  }
  throw new DomainError(
    "conflict",
    "The client was being changed by concurrent requests; nothing of this report was recorded, retry it",
  );
}

function answerBody(
  deal: DealRow,
  serviceCode: string,
  extra: Pick<DealAnswerBody, "recorded" | "current" | "lead">,
): DealAnswerBody {
  return {
    deal: {
      id: deal.id,
      service: serviceCode,
      company_id: deal.companyId,
      lead_id: deal.leadId,
      outcome: deal.outcome,
      amount: deal.amount,
      commission: deal.commission,
      reported_by: deal.reportedBy,
      occurred_at: iso(deal.occurredAt),
      recorded_at: iso(deal.createdAt),
    },
    ...extra,
  };
}

/** Reads and checks everything the report refers to (two D1 round trips). */
async function readDealState(databases: DealDatabases, report: CrmDealReport): Promise<DealState> {
  const { client, service, commissionRate, lead } = await readCrmDealReferences(databases, report);
  if (!client) {
    throw new DomainError(
      "not_found",
      "No client with this external_id at your company: send the client first (PUT /v1/clients/{external_id})",
      ["body", "external_id"],
    );
  }
  if (!service) throw new DomainError("validation_failed", "Unknown service code", ["body", "service"]);
  if (report.leadId !== null) {
    // Leads of other companies' clients are not visible to this caller: same answer as unknown ones.
    if (!lead || lead.sourceCompanyId !== report.companyId) {
      throw new DomainError("not_found", `Lead ${report.leadId} not found`, ["body", "lead_id"]);
    }
    if (lead.clientId !== client.id || lead.serviceId !== service.id) {
      throw new DomainError("unprocessable", "The lead is for another client or another service than this deal", [
        "body",
        "lead_id",
      ]);
    }
  }
  if (service.companyId !== report.companyId) {
    throw new DomainError(
      "unprocessable",
      "A CRM reports deals on its own company's services; the company that received a lead for another " +
        "company's service reports its outcome through its inbox",
      ["body", "service"],
    );
  }
  const { cell, identical } = await readCrmDealHistory(databases.clientShard, {
    clientId: client.id,
    serviceId: service.id,
    leadId: report.leadId,
    outcome: report.outcome,
    amount: report.amount,
    occurredAt: report.occurredAt,
  });
  return { client, service, commissionRate, lead, cell, identical };
}
