/**
 * The lead call (`POST /v1/leads`): one CRM client in; the personal-data guard and validation, the
 * profile upsert, rating of every eligible service, thresholds, experiment holdouts, competition
 * between companies, lead packaging, ONE atomic write (client, leads, scored candidates and the
 * idempotency answer) and, once committed, the enqueue for delivery.
 *
 * Concurrency: the write is planned from one batch of reads and guarded like client intake
 * (src/storage/clients.ts); a lost race re-reads everything and plans again.
 */
import { toStoredProfile } from "../../domain/client-profile";
import { DomainError } from "../../domain/errors";
import type { NeedRuleIndex } from "../../domain/needs/need-boost";
import { findPersonalData, personalDataError } from "../../domain/personal-data";
import { MAX_EXCLUSIVITY_WINDOW_MS } from "../../domain/settings";
import { assertKnownServiceCodes, validateAll } from "../../domain/validation";
import type { Env } from "../../env";
import { buildScoredCandidateInserts } from "../../storage/analytics";
import { foldPendingRollups, noteStagedCall, stageRollupIncrements } from "../../storage/candidate-rollups";
import { buildClientWriteFromState, isClientWriteConflict } from "../../storage/clients";
import {
  assertIdempotencyKey,
  idempotencyRequestHash,
  isIdempotencyKeyTaken,
  type OptimisticKey,
  probeIdempotencyKey,
  recordIdempotentAnswer,
  settleIdempotencyProbe,
} from "../../storage/idempotency";
import { countCreatedLeads, type LeadContext, loadLeadContext } from "../../storage/lead-context";
import { buildLeadInserts, enqueueLeads } from "../../storage/leads";
import type { ServingModel } from "../../storage/model-store";
import { clientShards, shardOfPseudonym } from "../../storage/shards";
import { clientPseudonym } from "../client-intake/pseudonym";
import { needRuleIndex } from "../needs/need-rules";
import { currentServingModel } from "../recommendations/serving";
import { vocabularyChecker } from "../vocabularies/profile";
import { type LeadCallAnswer, renderAnswer } from "./answer";
import { controlCacheTtlMs } from "./control-cache";
import { decideLeads } from "./decide";
import { leadCallNeeds } from "./needs";
import { answeredLeads, packageLeads, rollupIncrements, scoredCandidateRows } from "./packaging";
import { rateStoredClient } from "./rating";
import { type CreateLeadsBody, createLeadsBodySchema } from "./request";

export type { LeadCallAnswer } from "./answer";

/** Attempts before a call that keeps losing races to concurrent writes of its client is `conflict`. */
const MAX_WRITE_ATTEMPTS = 5;

/** Under which idempotency records of this use case are kept apart from other routes'. */
const IDEMPOTENCY_ROUTE = "POST /v1/leads";

export interface LeadCallRequest {
  /** The calling crm key and its company (the source of the client and of the leads). */
  caller: { keyId: string; companyId: string };
  /** The parsed JSON body, not yet validated. */
  body: unknown;
  /**
   * True when the caller already ran the personal-data scan with the client-facing rules on this
   * very body (the HTTP guard does, for every CRM route); otherwise the use case scans it itself.
   */
  bodyScannedForPersonalData?: boolean;
  /** The `Idempotency-Key` header, if sent. */
  idempotencyKey: string | undefined;
  /** Keeps work alive after the answer (the enqueue of committed leads). */
  waitUntil: (work: Promise<unknown>) => void;
}

export interface LeadCallResult {
  /** 201 when at least one lead was created, else 200. */
  status: 200 | 201;
  answer: LeadCallAnswer;
  /** `answer` as JSON text, serialized once for both the stored record and the response. */
  answerJson: string;
  /** The answer is the stored one of an earlier call with the same key and body. */
  replayed: boolean;
  /** Where the call's time went, ms (the route sends it as `Server-Timing`). */
  timings: LeadCallTimings;
}

/**
 * The phases of a lead call, in ms: the parallel read (control data and the client's shard), the
 * rating and decisions, the atomic write, and the whole call. Workers' clocks advance only on I/O, so
 * in production `score` reads 0 unless rating waited for something; the D1 phases are real.
 */
export interface LeadCallTimings {
  dbRead: number;
  score: number;
  dbWrite: number;
  total: number;
}

/**
 * @throws DomainError `personal_data`, `validation_failed` (also unknown service codes),
 * `idempotency_mismatch`, `idempotency_in_flight`, `conflict`, `unavailable` (no pseudonym key).
 */
export async function createLeads(env: Env, request: LeadCallRequest): Promise<LeadCallResult> {
  const startedAt = performance.now();
  const timings: LeadCallTimings = { dbRead: 0, score: 0, dbWrite: 0, total: 0 };
  const raw = request.body;
  if (!request.bodyScannedForPersonalData) {
    const findings = findPersonalData(raw, ["body"]);
    if (findings.length > 0) throw personalDataError(findings);
  }
  const { body: validated } = validateAll({ body: [createLeadsBodySchema, raw, ["body"]] });
  const { companyId, keyId } = request.caller;
  if (request.idempotencyKey !== undefined) assertIdempotencyKey(request.idempotencyKey);

  const [externalHash, vocabularies, requestHash] = await Promise.all([
    clientPseudonym(env, companyId, validated.external_id, "Lead intake"),
    vocabularyChecker(env),
    request.idempotencyKey === undefined ? null : idempotencyRequestHash(IDEMPOTENCY_ROUTE, raw),
  ]);
  // Region canonical, needs from the taxonomy (422 naming each path otherwise).
  const body = vocabularies.require(validated, ["body"]);
  // Kept in the client's shard, beside what it guards: looked up in the call's read batch and
  // stored, answer included, in its write batch (no reservation round trip).
  const key: OptimisticKey | null =
    request.idempotencyKey === undefined || requestHash === null
      ? null
      : { principalId: keyId, key: request.idempotencyKey, route: IDEMPOTENCY_ROUTE, requestHash };
  const prefetched = prefetch(env, companyId, externalHash, Date.now(), key);

  const outcome = await decideAndWrite(env, companyId, externalHash, body, key, prefetched, timings);
  if (outcome.kind === "replay") {
    timings.total = performance.now() - startedAt;
    return {
      status: outcome.status as 200 | 201,
      answer: outcome.body as LeadCallAnswer,
      answerJson: JSON.stringify(outcome.body),
      replayed: true,
      timings,
    };
  }
  const { status, answer, answerJson, leadIds } = outcome;
  if (outcome.staged) foldRollupsNowAndThen(env, externalHash, request.waitUntil);
  if (leadIds.length > 0) {
    // Off the manager's wait: the leads are committed, and a lead whose message does not make it
    // onto the queue is re-enqueued by the cron sweep, so none is lost.
    request.waitUntil(
      enqueueLeads(env, leadIds).then((enqueued) => {
        if (enqueued.pending.length > 0) {
          console.warn(JSON.stringify({ event: "lead_enqueue_deferred", leads: enqueued.pending.length }));
        }
      }),
    );
  }
  timings.total = performance.now() - startedAt;
  return { status, answer, answerJson, replayed: false, timings };
}

/**
 * The call staged its rollup increments (src/storage/candidate-rollups.ts); every so often it also
 * folds its shard's pending rows, after the answer. A failed fold leaves them to the next fold or the
 * cron: nothing is lost, the reports count pending rows too.
 */
function foldRollupsNowAndThen(env: Env, externalHash: string, waitUntil: LeadCallRequest["waitUntil"]): void {
  const shard = shardOfPseudonym(env, externalHash);
  if (!noteStagedCall(shard.binding, Date.now())) return;
  waitUntil(
    foldPendingRollups(shard.db).catch((error: unknown) => {
      console.warn(JSON.stringify({ event: "rollup_fold_failed", shard: shard.binding, error: String(error) }));
    }),
  );
}

/** What the lead call reads before deciding: the context batch and the serving model, in parallel. */
interface Prefetched {
  now: number;
  context: Promise<LeadContext>;
  serving: Promise<ServingModel | null>;
  needRules: Promise<NeedRuleIndex>;
}

function prefetch(
  env: Env,
  companyId: string,
  externalHash: string,
  now: number,
  key: OptimisticKey | null,
): Prefetched {
  const fetched = {
    now,
    // One round trip reads the catalogue, companies, settings, experiments and the client's state.
    context: loadLeadContext(
      {
        control: env.DB,
        clientShard: shardOfPseudonym(env, externalHash).d1,
        allShards: clientShards(env).map((shard) => shard.d1),
      },
      {
        companyId,
        externalHash,
        now,
        lookbackMs: MAX_EXCLUSIVITY_WINDOW_MS,
        controlTtlMs: controlCacheTtlMs(env),
        ...(key ? { idempotency: { principalId: key.principalId, key: key.key } } : {}),
      },
    ),
    serving: currentServingModel(env, now),
    needRules: needRuleIndex(env, now),
  };
  // A replayed or refused request never awaits these; their failure must not go unhandled.
  fetched.context.catch(() => undefined);
  fetched.serving.catch(() => undefined);
  fetched.needRules.catch(() => undefined);
  return fetched;
}

async function decideAndWrite(
  env: Env,
  sourceCompanyId: string,
  externalHash: string,
  body: CreateLeadsBody,
  key: OptimisticKey | null,
  first: Prefetched,
  timings: LeadCallTimings,
): Promise<
  | {
      kind: "written";
      status: 200 | 201;
      answer: LeadCallAnswer;
      answerJson: string;
      /** The created leads to push (those whose receiver takes webhooks). */
      leadIds: string[];
      /** The write staged rollup increments (not a dry run). */
      staged: boolean;
    }
  | { kind: "replay"; status: number; body: unknown }
> {
  // Everything the call writes belongs to this client: one shard, one atomic batch.
  const db = shardOfPseudonym(env, externalHash).db;
  const dryRun = body.dry_run === true;
  const requested = Object.entries(body.services ?? {});
  const profile = toStoredProfile(body);

  for (let attempt = 1; ; attempt++) {
    // A retry after a lost write race reads everything afresh.
    const fetched = attempt === 1 ? first : prefetch(env, sourceCompanyId, externalHash, Date.now(), key);
    const now = fetched.now;
    const readStarted = performance.now();
    const [context, serving, needRules] = await Promise.all([fetched.context, fetched.serving, fetched.needRules]);
    let stale: number | null = null;
    if (key) {
      const settled = await settleIdempotencyProbe(db, key, context.idempotencyProbe ?? null, now);
      if (settled.kind === "replay") return settled;
      if (settled.kind === "stale") stale = settled.createdAt;
    }
    const scoreStarted = performance.now();
    timings.dbRead += scoreStarted - readStarted;
    const byCode = new Map(context.services.map((service) => [service.code, service]));
    assertKnownServiceCodes(
      requested.map(([code]) => code),
      (code) => byCode.has(code),
    );
    const write = buildClientWriteFromState(
      db,
      {
        companyId: sourceCompanyId,
        externalHash,
        profile,
        interactions: requested.map(([code, value]) => {
          const service = byCode.get(code)!;
          return { serviceId: service.id, modelIndex: service.modelIndex, value };
        }),
        source: "crm",
        now,
      },
      context.clientState,
    );
    const needs = leadCallNeeds(db, {
      context,
      clientId: write.clientId,
      codes: profile.needs,
      rules: needRules,
      nServices: serving?.model.nServices ?? 0,
      now,
    });
    const rated = rateStoredClient(serving, {
      client: write.client,
      cells: write.cells,
      context,
      now,
      needBoost: needs.needBoost,
    });
    const selection = decideLeads(context, write.clientId, rated.services, sourceCompanyId, write.cells, now);
    const { outcomes } = selection;
    const answer = renderAnswer(
      write.clientId,
      dryRun,
      rated.modelVersion,
      outcomes,
      selection.routing.notRouted,
      context,
    );
    if (dryRun) {
      answer.client_ref = write.created ? null : write.clientId;
      const answerJson = JSON.stringify(answer);
      if (key) {
        const stored = await commitOrReplay(
          db,
          key,
          recordIdempotentAnswer(db, key, { status: 200, body: answer, json: answerJson }, now, stale),
        );
        if (stored) return stored;
      }
      return { kind: "written", status: 200, answer, answerJson, leadIds: [], staged: false };
    }

    const packaging = {
      pseudonymKey: env.PSEUDONYM_KEY,
      context,
      outcomes,
      rated,
      clientId: write.clientId,
      profile,
      sourceCompanyId,
      now,
    };
    const newLeads = await packageLeads(packaging);
    answer.leads = answeredLeads(newLeads, outcomes);
    const status = newLeads.length > 0 ? 201 : 200;
    const answerJson = JSON.stringify(answer);
    const statements = [
      // First, so that a concurrent first request under the same key fails the batch at once.
      ...(key ? recordIdempotentAnswer(db, key, { status, body: answer, json: answerJson }, now, stale) : []),
      ...write.statements,
      ...needs.statements,
      ...buildLeadInserts(db, newLeads),
      ...buildScoredCandidateInserts(db, scoredCandidateRows(packaging, newLeads)),
      ...stageRollupIncrements(db, rollupIncrements(packaging)),
    ];
    try {
      const writeStarted = performance.now();
      timings.score += writeStarted - scoreStarted;
      await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
      timings.dbWrite += performance.now() - writeStarted;
    } catch (error) {
      if (key && isIdempotencyKeyTaken(error)) return replayOfWinner(db, key, now);
      if (isClientWriteConflict(error) && attempt < MAX_WRITE_ATTEMPTS) continue;
      if (isClientWriteConflict(error)) {
        throw new DomainError("conflict", "The client was changed by concurrent requests; retry the call");
      }
      throw error;
    }
    // This isolate's cached daily counts include these leads at once (caps and fair routing).
    countCreatedLeads(newLeads, now);
    return {
      kind: "written",
      status,
      answer,
      answerJson,
      leadIds: newLeads.filter((lead) => !lead.inboxReason).map((lead) => lead.document.lead_id),
      staged: true,
    };
  }
}

/** Commits the answer's record alone (a dry run); the winner's answer when another request was first. */
async function commitOrReplay(
  db: ReturnType<typeof shardOfPseudonym>["db"],
  key: OptimisticKey,
  statements: ReturnType<typeof recordIdempotentAnswer>,
): Promise<{ kind: "replay"; status: number; body: unknown } | null> {
  try {
    await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
    return null;
  } catch (error) {
    if (isIdempotencyKeyTaken(error)) return replayOfWinner(db, key, Date.now());
    throw error;
  }
}

/**
 * A concurrent request with the same key committed first (this call's batch rolled back whole):
 * its stored answer, or `idempotency_mismatch` when its body differed.
 */
async function replayOfWinner(
  db: ReturnType<typeof shardOfPseudonym>["db"],
  key: OptimisticKey,
  now: number,
): Promise<{ kind: "replay"; status: number; body: unknown }> {
  const settled = await settleIdempotencyProbe(db, key, await probeIdempotencyKey(db, key), now);
  if (settled.kind === "replay") return settled;
  // The winner's record vanished between the failed batch and this read (purged): nothing of this
  // call was applied, and a retry runs it as a first request.
  throw new DomainError("conflict", "A request with this Idempotency-Key was being stored concurrently; retry it");
}
