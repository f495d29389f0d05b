/**
 * Lead persistence: creation statements for the lead call, enqueueing with its safety net (the
 * sweep), the partner inbox queries, and every write of the delivery pipeline.
 *
 * Lead status semantics:
 * - `queued`: accepted by CactuBase and waiting. Either a webhook push is pending (first attempt or
 *   retries), or the company receives no pushes (no URL, or the endpoint was disabled) and the lead
 *   waits in its inbox. Either way the partner can already see it in the inbox.
 * - `delivered`: the partner's endpoint answered 2xx, or the partner fetched the lead from its inbox.
 * - `failed`: pushing is over without success (permanent 4xx, unacceptable URL, retries exhausted);
 *   `last_error` says why. The lead stays in the inbox and an admin can redeliver it.
 * - `acknowledged`: the partner confirmed receipt through the inbox.
 * - `accepted` / `declined`: an outcome was reported (the latest report wins).
 * - `expired`: reserved, set by nothing today (no lead expiry exists yet). It stays in the schema
 *   and the API contract (partner inbox status, funnel count, which always reports 0) so that
 *   introducing expiry changes no contract; a lead in it would never be delivered again.
 *
 * Every change is written together with its `lead_events` row in one D1 batch (atomic).
 */
import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { LeadDocument } from "../domain/lead-document";
import { LEAD_STATUSES, type LeadStatus, REDELIVERABLE_STATUSES } from "../domain/lead-status";
import type { Env } from "../env";
import type { LeadDispatchMessage } from "../queues/lead-dispatch/message";
import { boundParametersPerRow, chunkRows, type Db } from "./db";
import { companies, leadEvents, leads } from "./schema";
import { clientShards, type DatabaseBindings, groupIdsByShard } from "./shards";

export type LeadRow = typeof leads.$inferSelect;
export type { LeadStatus };
export { LEAD_STATUSES, REDELIVERABLE_STATUSES };
export type LeadEventRow = typeof leadEvents.$inferSelect;
export type LeadEventType = LeadEventRow["type"];
type Statement = BatchItem<"sqlite">;

/** Queues accepts at most this many messages per `sendBatch` call. */
const QUEUE_SEND_BATCH_LIMIT = 100;

/**
 * A queue message whose lead still shows no progress this long after its last `enqueued` or
 * `retry_scheduled` event was lost (longest retry delay is 12 h); the sweep sends it again.
 */
export const LOST_MESSAGE_AFTER_MS = 24 * 3600_000;

/** Most leads one sweep run re-enqueues. */
export const SWEEP_LIMIT = 500;

// ---------------------------------------------------------------------------------------------
// Creation and enqueueing

/** A lead about to be created by the lead call. */
export interface NewLead {
  /** The packaged document; its `lead_id` and `created_at` become the row's id and creation time. */
  document: LeadDocument;
  clientId: string;
  serviceId: string;
  sourceCompanyId: string;
  targetCompanyId: string;
  rating: number;
  /** The competition-resolution record (`RoutedLead` of src/domain/routing.ts); stored as JSON. */
  routing: unknown;
  modelVersion: string | null;
  /**
   * Set when the receiver takes no webhooks (`inboxReason`): the lead is recorded as waiting in its
   * inbox in the same batch and is never enqueued, as the consumer would have decided.
   */
  inboxReason?: string | null;
}

/**
 * Insert statements for new leads (status `queued`) and their `created` events, for the caller to
 * run in ONE `db.batch` together with its other writes (candidates, interactions). After the
 * batch commits, call `enqueueLeads` for those without an `inboxReason`; a lead whose enqueue
 * fails is re-enqueued by `requeueStaleLeads`, so a created lead is never lost. A lead with an
 * `inboxReason` also gets the event the consumer writes for such a lead (`recordInboxFallback`),
 * which the sweep leaves alone.
 */
export function buildLeadInserts(db: Db, newLeads: readonly NewLead[]): Statement[] {
  const leadRows = newLeads.map((lead) => {
    const createdAt = Date.parse(lead.document.created_at);
    return {
      id: lead.document.lead_id,
      clientId: lead.clientId,
      serviceId: lead.serviceId,
      sourceCompanyId: lead.sourceCompanyId,
      targetCompanyId: lead.targetCompanyId,
      rating: lead.rating,
      status: "queued" as const,
      payload: JSON.stringify(lead.document),
      routing: JSON.stringify(lead.routing),
      modelVersion: lead.modelVersion,
      deliveryAttempts: 0,
      createdAt,
      updatedAt: createdAt,
    };
  });
  const eventRows: Array<{ leadId: string; type: "created" | "delivery_attempt"; at: number; detail: string }> =
    leadRows.map((row) => ({
      leadId: row.id,
      type: "created" as const,
      at: row.createdAt,
      detail: `routed to ${row.targetCompanyId}`,
    }));
  newLeads.forEach((lead, index) => {
    if (!lead.inboxReason) return;
    const { id, createdAt } = leadRows[index];
    eventRows.push({
      leadId: id,
      type: "delivery_attempt",
      at: createdAt,
      detail: inboxFallbackDetail(lead.inboxReason),
    });
  });
  const statements: Statement[] = [];
  for (const chunk of chunkRows(leadRows, boundParametersPerRow(leads)))
    statements.push(db.insert(leads).values(chunk));
  for (const chunk of chunkRows(eventRows, boundParametersPerRow(leadEvents))) {
    statements.push(db.insert(leadEvents).values(chunk));
  }
  return statements;
}

/**
 * The `enqueued` events of a shard's leads in one statement with three bound parameters (?1 at,
 * ?2 detail, ?3 the lead ids as a JSON array), whatever the number of leads: this runs after every
 * lead call, and building a multi-row insert cost more CPU than the insert itself.
 */
const ENQUEUED_EVENTS_SQL =
  "INSERT INTO lead_events (lead_id, type, at, detail) SELECT value, 'enqueued', ?1, ?2 FROM json_each(?3)";

export interface EnqueueResult {
  /** Lead ids now on the `lead-dispatch` queue. */
  enqueued: string[];
  /** Lead ids the queue refused; the sweep (`requeueStaleLeads`) sends them later. */
  pending: string[];
}

/**
 * Sends one `deliver_lead` message per lead to `lead-dispatch` and records `enqueued` events.
 * Never throws: a queue failure leaves the leads pending for the sweep and is reported back.
 */
export async function enqueueLeads(
  env: DatabaseBindings & Pick<Env, "LEAD_DISPATCH">,
  leadIds: readonly string[],
  options: { redelivery?: boolean; detail?: string; now?: number } = {},
): Promise<EnqueueResult> {
  const result: EnqueueResult = { enqueued: [], pending: [] };
  for (const chunk of chunkRows([...leadIds], 1, QUEUE_SEND_BATCH_LIMIT)) {
    const messages = chunk.map((leadId) => ({
      body: {
        v: 1,
        type: "deliver_lead",
        leadId,
        ...(options.redelivery ? { redelivery: true } : {}),
      } satisfies LeadDispatchMessage,
      contentType: "json" as const,
    }));
    try {
      await env.LEAD_DISPATCH.sendBatch(messages);
    } catch (error) {
      console.error("lead-dispatch enqueue failed; the sweep will retry", describeError(error));
      result.pending.push(...chunk);
      continue;
    }
    result.enqueued.push(...chunk);
    const at = options.now ?? Date.now();
    const detail = options.detail ?? (options.redelivery ? "redelivery" : null);
    try {
      await Promise.all(
        [...groupIdsByShard(env, chunk)].map(([{ d1 }, ids]) =>
          d1.prepare(ENQUEUED_EVENTS_SQL).bind(at, detail, JSON.stringify(ids)).run(),
        ),
      );
    } catch (error) {
      // The messages are on the queue; at worst the sweep sends a duplicate, which the consumer
      // and the receivers (same webhook-id) absorb.
      console.error("recording enqueued events failed", describeError(error));
    }
  }
  return result;
}

/**
 * Sends one dispatch message to `queue` (`lead-dispatch` for the next attempt after `delaySeconds`,
 * or `lead-dispatch-dlq` once the attempts are spent). @throws when the queue refuses it: the
 * consumer then keeps the message it holds (`retry()`), so the lead is not lost.
 */
export async function sendLeadDispatch(
  queue: Queue<LeadDispatchMessage>,
  message: LeadDispatchMessage,
  delaySeconds = 0,
): Promise<void> {
  await queue.send(message, { contentType: "json", ...(delaySeconds > 0 ? { delaySeconds } : {}) });
}

/**
 * The safety net of the lead pipeline, for the scheduled handler. Re-enqueues leads in status
 * `queued` whose latest event shows the dispatch message never made it or was lost:
 * - `created` / `redeliver_requested` older than `olderThanMs` (the enqueue after the write failed);
 * - `enqueued` / `retry_scheduled` older than LOST_MESSAGE_AFTER_MS (the message vanished, e.g. the
 *   dead-letter consumer gave up during a long D1 outage).
 * Leads waiting in the inbox (latest event: a skipped delivery or a disabled endpoint) are left alone.
 */
export async function requeueStaleLeads(
  env: DatabaseBindings & Pick<Env, "LEAD_DISPATCH">,
  olderThanMs: number,
  now = Date.now(),
): Promise<{ found: number; requeued: number }> {
  let found = 0;
  let requeued = 0;
  for (const shard of clientShards(env)) {
    const swept = await requeueStaleLeadsOfShard(env, shard.d1, olderThanMs, now);
    found += swept.found;
    requeued += swept.requeued;
  }
  return { found, requeued };
}

async function requeueStaleLeadsOfShard(
  env: DatabaseBindings & Pick<Env, "LEAD_DISPATCH">,
  d1: D1Database,
  olderThanMs: number,
  now: number,
): Promise<{ found: number; requeued: number }> {
  const createdBefore = now - olderThanMs;
  const lostBefore = now - Math.max(olderThanMs, LOST_MESSAGE_AFTER_MS);
  const rows = await d1
    .prepare(
      `SELECT l.id AS id FROM leads l
     WHERE l.status = 'queued' AND l.updated_at < ?1
       AND (SELECT CASE
                     WHEN e.type IN ('created', 'redeliver_requested') AND e.at < ?1 THEN 1
                     WHEN e.type IN ('enqueued', 'retry_scheduled') AND e.at < ?2 THEN 1
                     ELSE 0 END
            FROM lead_events e WHERE e.lead_id = l.id ORDER BY e.id DESC LIMIT 1) = 1
     ORDER BY l.seq LIMIT ?3`,
    )
    .bind(createdBefore, lostBefore, SWEEP_LIMIT)
    .all<{ id: string }>();
  const ids = rows.results.map((row) => row.id);
  if (ids.length === 0) return { found: 0, requeued: 0 };
  const result = await enqueueLeads(env, ids, { detail: "re-enqueued by the sweep", now });
  return { found: ids.length, requeued: result.enqueued.length };
}

// ---------------------------------------------------------------------------------------------
// Reads

export async function findLead(db: Db, leadId: string): Promise<LeadRow | null> {
  const rows = await db.select().from(leads).where(eq(leads.id, leadId)).limit(1);
  return rows[0] ?? null;
}

/** The leads among `leadIds` (all of one shard) that exist, in no particular order. */
export async function findLeads(db: Db, leadIds: readonly string[]): Promise<LeadRow[]> {
  const found: LeadRow[] = [];
  for (const chunk of chunkRows([...leadIds], 1)) {
    found.push(...(await db.select().from(leads).where(inArray(leads.id, chunk))));
  }
  return found;
}

/** The lead if `companyId` is its receiver; null otherwise (so other tenants cannot probe ids). */
export async function findCompanyLead(db: Db, companyId: string, leadId: string): Promise<LeadRow | null> {
  const rows = await db
    .select()
    .from(leads)
    .where(and(eq(leads.id, leadId), eq(leads.targetCompanyId, companyId)))
    .limit(1);
  return rows[0] ?? null;
}

/** Which of these leads (all of one shard) stand accepted. */
export async function acceptedLeadIds(db: Db, leadIds: readonly string[]): Promise<Set<string>> {
  const accepted = new Set<string>();
  for (const chunk of chunkRows([...leadIds], 1)) {
    const rows = await db
      .select({ id: leads.id })
      .from(leads)
      .where(and(inArray(leads.id, chunk), eq(leads.status, "accepted")));
    for (const row of rows) accepted.add(row.id);
  }
  return accepted;
}

/** Events of a lead, oldest first. */
export async function listLeadEvents(db: Db, leadId: string): Promise<LeadEventRow[]> {
  return db.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.id));
}

/** The lead events a company's delivery log shows: pushes tried, succeeded, failed, endpoint stopped. */
export const DELIVERY_LOG_EVENT_TYPES = [
  "delivery_attempt",
  "delivered",
  "failed",
  "endpoint_disabled",
] as const satisfies readonly LeadEventType[];

/** A delivery log entry: the event and which lead (of which service) it was about. */
export type DeliveryLogRow = LeadEventRow & { serviceId: string };

/** The `limit` most recent delivery events of the leads `companyId` receives in this shard, newest first. */
export async function listCompanyDeliveryEvents(db: Db, companyId: string, limit: number): Promise<DeliveryLogRow[]> {
  const rows = await db
    .select({ event: leadEvents, serviceId: leads.serviceId })
    .from(leadEvents)
    .innerJoin(leads, eq(leads.id, leadEvents.leadId))
    .where(and(eq(leads.targetCompanyId, companyId), inArray(leadEvents.type, [...DELIVERY_LOG_EVENT_TYPES])))
    .orderBy(desc(leadEvents.at), desc(leadEvents.id))
    .limit(limit);
  return rows.map((row) => ({ ...row.event, serviceId: row.serviceId }));
}

/**
 * One page of a company's inbox: leads with `seq > afterSeq`, ascending. `seq` is an AUTOINCREMENT
 * key assigned inside D1's single writer, so a lead committed later always has a larger `seq` and
 * a cursor never skips it.
 */
export async function listInboxLeads(
  db: Db,
  companyId: string,
  page: { afterSeq: number; limit: number; status?: LeadStatus },
): Promise<LeadRow[]> {
  const conditions = [eq(leads.targetCompanyId, companyId), gt(leads.seq, page.afterSeq)];
  if (page.status) conditions.push(eq(leads.status, page.status));
  return db
    .select()
    .from(leads)
    .where(and(...conditions))
    .orderBy(asc(leads.seq))
    .limit(page.limit);
}

/** Leads marked per statement by `markFetchedFromInbox` (two bound parameters besides the ids). */
const INBOX_DELIVERY_CHUNK = 90;

/**
 * A partner fetching its inbox has received the listed leads: each not yet delivered gets
 * `delivered_at`, moves from `queued`/`failed` to `delivered` and a `delivered` event ("inbox"),
 * atomically. Later statuses (acknowledged, an outcome) are kept. Returns the ids this call delivered.
 */
export async function markFetchedFromInbox(db: Db, leadIds: readonly string[], at: number): Promise<Set<string>> {
  const delivered = new Set<string>();
  const d1 = db.$client;
  for (let from = 0; from < leadIds.length; from += INBOX_DELIVERY_CHUNK) {
    const ids = leadIds.slice(from, from + INBOX_DELIVERY_CHUNK);
    const placeholders = ids.map((_, i) => `?${i + 2}`).join(", ");
    const [updated] = await d1.batch<{ id: string }>([
      d1
        .prepare(
          `UPDATE leads SET delivered_at = ?1, updated_at = ?1,
             status = CASE WHEN status IN ('queued', 'failed') THEN 'delivered' ELSE status END
           WHERE id IN (${placeholders}) AND delivered_at IS NULL RETURNING id`,
        )
        .bind(at, ...ids),
      d1
        .prepare(
          `INSERT INTO lead_events (lead_id, type, at, detail)
           SELECT id, 'delivered', ?1, 'fetched from the inbox' FROM leads
            WHERE id IN (${placeholders}) AND delivered_at = ?1 AND updated_at = ?1`,
        )
        .bind(at, ...ids),
    ]);
    for (const row of updated.results) delivered.add(row.id);
  }
  return delivered;
}

// ---------------------------------------------------------------------------------------------
// Partner and admin actions

/**
 * Records the partner's acknowledgement. Idempotent: the first call sets `acknowledged_at`, moves
 * a `queued`/`delivered`/`failed` lead to `acknowledged` and writes the `acknowledged` event; later
 * calls change nothing. Returns whether this call was the first.
 */
export async function acknowledgeLead(db: Db, leadId: string, now: number): Promise<boolean> {
  // Raw statements: the event insert is conditional on the update having happened, which a
  // drizzle insert cannot express inside one batch.
  const d1 = db.$client;
  const [updated] = await d1.batch<{ id: string }>([
    d1
      .prepare(
        `UPDATE leads SET acknowledged_at = ?1, updated_at = ?1,
           status = CASE WHEN status IN ('queued', 'delivered', 'failed') THEN 'acknowledged' ELSE status END
         WHERE id = ?2 AND acknowledged_at IS NULL RETURNING id`,
      )
      .bind(now, leadId),
    d1
      .prepare(
        `INSERT INTO lead_events (lead_id, type, at) SELECT id, 'acknowledged', ?1 FROM leads
         WHERE id = ?2 AND acknowledged_at = ?1
           AND NOT EXISTS (SELECT 1 FROM lead_events WHERE lead_id = ?2 AND type = 'acknowledged')`,
      )
      .bind(now, leadId),
  ]);
  return updated.results.length > 0;
}

/**
 * Puts a lead back to `queued` for redelivery and records `redeliver_requested`, atomically.
 * Returns false (and changes nothing) unless the lead is in a REDELIVERABLE_STATUSES status.
 * The caller then enqueues a message with `redelivery: true`.
 */
export async function markForRedelivery(db: Db, leadId: string, requestedBy: string, now: number): Promise<boolean> {
  const d1 = db.$client;
  const redeliverable = REDELIVERABLE_STATUSES.map((status) => `'${status}'`).join(", ");
  const [updated] = await d1.batch<{ id: string }>([
    d1
      .prepare(
        `UPDATE leads SET status = 'queued', updated_at = ?1
         WHERE id = ?2 AND status IN (${redeliverable}) RETURNING id`,
      )
      .bind(now, leadId),
    d1
      .prepare(
        `INSERT INTO lead_events (lead_id, type, at, detail) SELECT id, 'redeliver_requested', ?1, ?3 FROM leads
         WHERE id = ?2 AND status = 'queued' AND updated_at = ?1`,
      )
      .bind(now, leadId, `requested by ${requestedBy}`),
  ]);
  return updated.results.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Delivery pipeline writes

/** One HTTP attempt (or an attempt refused before sending: status and latency null). */
export interface AttemptRecord {
  leadId: string;
  at: number;
  httpStatus: number | null;
  latencyMs: number | null;
  /** Short, partner-safe description of what went wrong; null on success. */
  error: string | null;
  /** Context such as "queue attempt 3/9, redelivery". */
  detail: string | null;
}

/** What an attempt led to, and therefore what to record. */
export type AttemptOutcome =
  | { kind: "delivered" }
  | { kind: "retry"; delaySeconds: number; lastAttempt: boolean }
  | { kind: "failed" }
  | { kind: "endpoint_gone"; companyId: string; webhookUrl: string };

/**
 * Records an attempt and its consequence in one atomic batch: increments `delivery_attempts`,
 * sets `last_error`, moves the status (`delivered`, or `failed` from `queued`; never backwards from
 * a status the partner set), writes a `delivery_attempt` event numbered with the lead's cumulative
 * attempt count, and the follow-up event (`delivered`, `retry_scheduled`, `failed`,
 * `endpoint_disabled`). A 410 also disables the company's webhook, unless the URL changed since.
 */
/**
 * Records one delivery attempt in the lead's shard (`db`); a 410 also disables the company's webhook
 * in the control database (`control`), first, so that a retried record finds it done.
 */
export async function recordDeliveryAttempt(
  db: Db,
  attempt: AttemptRecord,
  outcome: AttemptOutcome,
  control: Db,
): Promise<void> {
  const { leadId, at } = attempt;
  const status =
    outcome.kind === "delivered"
      ? sql`CASE WHEN ${leads.status} IN ('queued', 'failed') THEN 'delivered' ELSE ${leads.status} END`
      : outcome.kind === "failed"
        ? sql`CASE WHEN ${leads.status} = 'queued' THEN 'failed' ELSE ${leads.status} END`
        : sql`${leads.status}`;
  const statements: Statement[] = [
    db
      .update(leads)
      .set({
        deliveryAttempts: sql`${leads.deliveryAttempts} + 1`,
        lastError: outcome.kind === "delivered" ? null : attempt.error,
        status,
        ...(outcome.kind === "delivered" ? { deliveredAt: sql`COALESCE(${leads.deliveredAt}, ${at})` } : {}),
        updatedAt: at,
      })
      .where(eq(leads.id, leadId)),
    db.insert(leadEvents).values({
      leadId,
      type: "delivery_attempt",
      at,
      attempt: sql`(SELECT delivery_attempts FROM leads WHERE id = ${leadId})`,
      httpStatus: attempt.httpStatus,
      latencyMs: attempt.latencyMs,
      error: attempt.error,
      detail: attempt.detail,
    }),
  ];
  switch (outcome.kind) {
    case "delivered":
      statements.push(db.insert(leadEvents).values({ leadId, type: "delivered", at, httpStatus: attempt.httpStatus }));
      break;
    case "retry":
      statements.push(
        db.insert(leadEvents).values({
          leadId,
          type: "retry_scheduled",
          at,
          error: attempt.error,
          detail: outcome.lastAttempt
            ? "retries exhausted: the message goes to the dead-letter queue"
            : `next attempt in ${outcome.delaySeconds} s`,
        }),
      );
      break;
    case "failed":
      statements.push(db.insert(leadEvents).values({ leadId, type: "failed", at, error: attempt.error }));
      break;
    case "endpoint_gone": {
      const reason = `The endpoint answered 410 Gone at ${new Date(at).toISOString()}`;
      await control
        .update(companies)
        .set({ webhookDisabledAt: at, webhookDisabledReason: reason, updatedAt: at })
        .where(
          and(
            eq(companies.id, outcome.companyId),
            eq(companies.webhookUrl, outcome.webhookUrl),
            sql`${companies.webhookDisabledAt} IS NULL`,
          ),
        );
      statements.push(
        db.insert(leadEvents).values({
          leadId,
          type: "endpoint_disabled",
          at,
          httpStatus: 410,
          detail: "webhook disabled after 410 Gone; the lead waits in the partner inbox",
        }),
      );
      break;
    }
  }
  await db.batch(statements as [Statement, ...Statement[]]);
}

/**
 * Records that a lead was not pushed because the company receives no webhooks (no URL, or the
 * endpoint is disabled): it waits in the inbox, status unchanged.
 */
export async function recordInboxFallback(db: Db, leadId: string, at: number, because: string): Promise<void> {
  await db.insert(leadEvents).values({ leadId, type: "delivery_attempt", at, detail: inboxFallbackDetail(because) });
}

/** The detail of the event that says a lead waits in the inbox, not pushed. */
function inboxFallbackDetail(because: string): string {
  return `skipped: inbox (${because})`;
}

/**
 * The dead-letter consumer's record: a still-`queued` lead becomes `failed` with its last error;
 * a lead that progressed meanwhile (e.g. delivered by a redelivery) keeps its status. Either way a
 * `dead_lettered` event is written.
 */
export async function recordDeadLettered(db: Db, lead: LeadRow, at: number, detail: string): Promise<void> {
  const lastError = lead.lastError ?? "retries exhausted without a recorded error";
  await db.batch([
    db
      .update(leads)
      .set({
        status: sql`CASE WHEN ${leads.status} = 'queued' THEN 'failed' ELSE ${leads.status} END`,
        lastError: sql`CASE WHEN ${leads.status} = 'queued' THEN ${lastError} ELSE ${leads.lastError} END`,
        updatedAt: at,
      })
      .where(eq(leads.id, lead.id)),
    db.insert(leadEvents).values({ leadId: lead.id, type: "dead_lettered", at, error: lastError, detail }),
  ]);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
