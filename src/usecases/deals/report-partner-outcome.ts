/**
 * `POST /v1/partner/leads/{id}/outcome`: the company that received a lead reports its outcome. The
 * deal write is the one CRM deals use (src/storage/deals.ts): every report is kept, the latest
 * `occurred_at` sets the lead status and the matrix, and repeating the latest report changes nothing
 * — also when the repeats arrive at once (one deal per lead and `occurred_at`, at the database).
 */
import { occurredAtOf } from "../../domain/deal-rules";
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import type { Db } from "../../storage/db";
import {
  buildDealWrite,
  commitDealWrite,
  type DealRow,
  dealExists,
  findCommissionRate,
  findLatestLeadDeal,
  findLeadDealAt,
  findServiceModelIndex,
  isSameOutcome,
} from "../../storage/deals";
import { beginIdempotent, type IdempotencySlot } from "../../storage/idempotency";
import { findCompanyLead } from "../../storage/leads";
import { controlDb } from "../../storage/shards";
import { queueBotDealReward } from "../bot/deal-rewards";
import { findInboxLead, type InboxLeadRecord, leadShard } from "../partner-inbox/inbox-lead";
import type { PartnerOutcome } from "./request";

/** The deal that stands for a lead, as its receiver sees it. */
export type PartnerDealRecord = Pick<DealRow, "id" | "outcome" | "amount" | "occurredAt" | "createdAt">;

export interface PartnerOutcomeResult {
  lead: InboxLeadRecord;
  deal: PartnerDealRecord;
  /** false when the report repeated the latest one. */
  changed: boolean;
}

/**
 * Records the outcome unless it repeats what is recorded. The write is idempotent at the database
 * (src/storage/deals.ts): of concurrent identical reports exactly one inserts the deal, the others
 * find it and answer `changed: false`. With an `idempotencyKey`, a repeat of the same key and body
 * (canonical JSON) replays the first answer.
 * @param outcome the validated body.
 * @throws DomainError `validation_failed` (future `occurred_at`), `not_found` (not the company's lead),
 * `conflict` (another outcome is recorded at the same `occurred_at`), `idempotency_mismatch`,
 * `idempotency_in_flight`.
 */
export async function reportPartnerOutcome(
  env: Env,
  request: { companyId: string; keyId?: string; leadId: string; outcome: PartnerOutcome; idempotencyKey?: string },
  now = Date.now(),
): Promise<PartnerOutcomeResult & { replayed: boolean }> {
  const { companyId, outcome: report } = request;
  const occurredAt = occurredAtOf(report.occurred_at, now);
  // The lead, its deal and the idempotency answer live in the client's shard, which the lead id names.
  const db = leadShard(env, request.leadId);
  const lead = await findInboxLead(db, companyId, request.leadId);

  let slot: IdempotencySlot | null = null;
  if (request.idempotencyKey !== undefined) {
    const begun = await beginIdempotent(db, {
      principalId: request.keyId ?? companyId,
      key: request.idempotencyKey,
      route: `POST /v1/partner/leads/${lead.id}/outcome`,
      body: report,
    });
    if (begun.kind === "replay") return { ...(begun.body as PartnerOutcomeResult), replayed: true };
    slot = begun.slot;
  }
  try {
    const result = await recordOutcome(
      { shard: db, control: controlDb(env) },
      { companyId, lead, report, occurredAt, now },
    );
    if (slot) await db.batch([slot.complete(200, result)]);
    // A lead the bot made earns its person (and a referrer) points: queued, never failing the report.
    if (result.changed && result.deal.outcome === "accepted") await queueBotDealReward(env, lead.id);
    return { ...result, replayed: false };
  } catch (error) {
    await slot?.release().catch(() => undefined);
    throw error;
  }
}

async function recordOutcome(
  databases: { shard: Db; control: Db },
  input: { companyId: string; lead: InboxLeadRecord; report: PartnerOutcome; occurredAt: number | null; now: number },
): Promise<PartnerOutcomeResult> {
  const { companyId, lead, report, occurredAt, now } = input;
  const db = databases.shard;
  const amount = report.amount ?? null;
  const latest = await findLatestLeadDeal(db, lead.id);
  if (isSameOutcome(latest, { outcome: report.outcome, amount, occurredAt })) {
    return { lead, deal: latest, changed: false };
  }

  const [commissionRate, modelIndex] = await Promise.all([
    findCommissionRate(databases.control, companyId),
    findServiceModelIndex(databases.control, lead.serviceId),
  ]);
  const { deal, statements } = buildDealWrite(db, {
    clientId: lead.clientId,
    serviceId: lead.serviceId,
    modelIndex,
    companyId,
    leadId: lead.id,
    outcome: report.outcome,
    amount,
    commissionRate,
    reportedBy: "partner",
    interactionSource: "partner",
    occurredAt: occurredAt ?? now,
    now,
    skipIfRepeatsLatest: occurredAt === null,
  });
  await commitDealWrite(db, statements);
  if (!(await dealExists(db, deal.id))) {
    // A concurrent identical report won the race: answer with the deal that stands.
    const standing =
      occurredAt === null ? await findLatestLeadDeal(db, lead.id) : await findLeadDealAt(db, lead.id, occurredAt);
    const current = (await findCompanyLead(db, companyId, lead.id)) ?? lead;
    if (standing && isSameOutcome(standing, { outcome: report.outcome, amount, occurredAt })) {
      return { lead: current, deal: standing, changed: false };
    }
    throw new DomainError(
      "conflict",
      "Another outcome of this lead is recorded at the same occurred_at; report a correction with its own time",
      ["body", "occurred_at"],
    );
  }
  const updated = (await findCompanyLead(db, companyId, lead.id)) ?? lead;
  return { lead: updated, deal, changed: true };
}
