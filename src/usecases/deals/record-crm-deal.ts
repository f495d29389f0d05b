/**
 * `POST /v1/deals`: a CRM reports that one of its clients accepted or declined one of its company's
 * services, optionally answering a lead. Personal data is refused before validation; the
 * `Idempotency-Key` is required, and the answer commits with the deal so a retry replays it.
 */
import { occurredAtOf } from "../../domain/deal-rules";
import { DomainError } from "../../domain/errors";
import { findPersonalData, personalDataError } from "../../domain/personal-data";
import { validateAll } from "../../domain/validation";
import type { Env } from "../../env";
import { beginIdempotent } from "../../storage/idempotency";
import { controlDb, shardOfId, shardOfPseudonym } from "../../storage/shards";
import { queueBotDealReward } from "../bot/deal-rewards";
import { clientPseudonym } from "../client-intake/pseudonym";
import { commitCrmDeal, type DealAnswerBody } from "./crm-deal";
import { crmDealReportSchema } from "./request";

export type { DealAnswerBody } from "./crm-deal";

/** Under which idempotency records of this use case are kept apart from other routes'. */
const IDEMPOTENCY_ROUTE = "POST /v1/deals";

export interface CrmDealRequest {
  caller: { keyId: string; companyId: string };
  /** The parsed JSON body, not yet validated. */
  body: unknown;
  /** The body exactly as sent: its fingerprint tells a retry from another request under the same key. */
  rawBody: string;
  idempotencyKey: string | undefined;
}

export interface CrmDealResult {
  /** 201 recorded; 200 identical to an earlier report, nothing recorded. */
  status: number;
  body: DealAnswerBody;
  /** The answer is the stored one of an earlier request with the same key and body. */
  replayed: boolean;
}

/**
 * @throws DomainError `personal_data`, `validation_failed` (body, future `occurred_at`, missing key,
 * unknown service), `not_found`, `unprocessable`, `idempotency_mismatch`, `idempotency_in_flight`,
 * `conflict`, `unavailable` (no pseudonym key).
 */
export async function recordCrmDeal(env: Env, request: CrmDealRequest, now = Date.now()): Promise<CrmDealResult> {
  const findings = findPersonalData(request.body, ["body"], {
    identifierMapFields: [],
    identifierFields: ["external_id", "service", "lead_id"],
  });
  if (findings.length > 0) throw personalDataError(findings);
  const { input } = validateAll({ input: [crmDealReportSchema, request.body, ["body"]] });
  const occurredAt = occurredAtOf(input.occurred_at, now);
  if (request.idempotencyKey === undefined) {
    throw new DomainError(
      "validation_failed",
      "The Idempotency-Key header is required: a unique key per report (e.g. a UUID) makes retries safe",
      ["headers", "idempotency-key"],
    );
  }

  const { companyId, keyId } = request.caller;
  const externalHash = await clientPseudonym(env, companyId, input.external_id);
  const clientShard = shardOfPseudonym(env, externalHash).db;
  const leadShard = input.lead_id === undefined ? null : (shardOfId(env, input.lead_id)?.db ?? null);
  const begun = await beginIdempotent(clientShard, {
    principalId: keyId,
    key: request.idempotencyKey,
    route: IDEMPOTENCY_ROUTE,
    // The parsed body: its canonical form is the fingerprint (key order and layout do not matter).
    body: request.body,
  });
  if (begun.kind === "replay") {
    return { status: begun.status, body: begun.body as DealAnswerBody, replayed: true };
  }
  try {
    const answer = await commitCrmDeal(
      { control: controlDb(env), clientShard, leadShard },
      {
        companyId,
        externalHash,
        serviceCode: input.service,
        outcome: input.outcome,
        amount: input.amount ?? null,
        leadId: input.lead_id ?? null,
        occurredAt,
      },
      { now, complete: begun.slot.complete },
    );
    const deal = answer.body.deal;
    // A lead the bot made earns its person (and a referrer) points: queued, never failing the report.
    if (answer.status === 201 && deal.outcome === "accepted" && deal.lead_id)
      await queueBotDealReward(env, deal.lead_id);
    return { ...answer, replayed: false };
  } catch (error) {
    // Nothing was committed (the answer commits with the deal): free the key for a retry.
    await begun.slot.release().catch(() => undefined);
    throw error;
  }
}
