/**
 * Tables of a client shard (bindings `SHARD_0` … `SHARD_{N-1}`, src/storage/shards.ts): everything
 * that grows with clients and lead calls. Every table is described in `docs/storage.md`.
 *
 * Rows name control rows (companies, services) by id without a foreign key: the control database is
 * another database. Ids of client-owned rows (`cl_`, `ld_`, `dl_`) carry the client's slot.
 */
import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { RECORDED_DECISIONS } from "../../domain/lead-selection";
import { LEAD_STATUSES } from "../../domain/lead-status";

const timestamps = {
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
};

/** Anonymized client profiles, keyed by the source company and a keyed hash of the CRM id. */
export const clients = sqliteTable(
  "clients",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").notNull(),
    /** HMAC-SHA-256 (hex) of the CRM's external id under the company's pseudonym key. */
    externalHash: text("external_hash").notNull(),
    age: integer("age").notNull(),
    /** RUB per month; null = unknown (a bot client: the survey asks nothing financial). */
    monthlyIncome: integer("monthly_income"),
    /** Canonical code of the region vocabulary (src/domain/vocabularies/regions.ts); "unspecified" if a migrated value did not map. */
    region: text("region").notNull(),
    gender: text("gender", { enum: ["female", "male"] }),
    /** JSON array of codes of the needs taxonomy (`need_tags`). */
    needs: text("needs").notNull().default("[]"),
    ...timestamps,
  },
  (t) => [uniqueIndex("clients_company_external_unique").on(t.companyId, t.externalHash)],
);

/** Current value of the interaction matrix: one row per (client, service) that is not 0. */
export const interactions = sqliteTable(
  "interactions",
  {
    clientId: text("client_id")
      .notNull()
      .references(() => clients.id),
    serviceId: text("service_id").notNull(),
    /**
     * The service's model index (fixed when the service is created), copied here so that the shard
     * builds the model's change log and pages without the catalogue, which lives in the control database.
     */
    modelIndex: integer("model_index").notNull(),
    /** 1 = uses the service, -1 = was offered it and declined. */
    value: integer("value").notNull(),
    source: text("source", { enum: ["crm", "deal", "partner", "import", "bot"] }).notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.serviceId] }), index("interactions_service_idx").on(t.serviceId)],
);

/** Append-only history of every interaction write (the current value lives in `interactions`). */
export const interactionHistory = sqliteTable(
  "interaction_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    clientId: text("client_id").notNull(),
    serviceId: text("service_id").notNull(),
    value: integer("value").notNull(),
    previousValue: integer("previous_value").notNull().default(0),
    source: text("source").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("interaction_history_client_idx").on(t.clientId, t.at)],
);

/** Packaged leads. `seq` orders the partner inbox: cursors never skip a newer lead. */
export const leads = sqliteTable(
  "leads",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    clientId: text("client_id")
      .notNull()
      .references(() => clients.id),
    serviceId: text("service_id").notNull(),
    sourceCompanyId: text("source_company_id").notNull(),
    targetCompanyId: text("target_company_id").notNull(),
    rating: real("rating").notNull(),
    status: text("status", { enum: LEAD_STATUSES }).notNull(),
    /** The versioned lead document as delivered (JSON). */
    payload: text("payload").notNull(),
    /** Competition resolution record: policy, winner reason, alternatives considered (JSON). */
    routing: text("routing").notNull(),
    modelVersion: text("model_version"),
    deliveryAttempts: integer("delivery_attempts").notNull().default(0),
    lastError: text("last_error"),
    deliveredAt: integer("delivered_at"),
    acknowledgedAt: integer("acknowledged_at"),
    outcomeAt: integer("outcome_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("leads_id_unique").on(t.id),
    index("leads_target_seq_idx").on(t.targetCompanyId, t.seq),
    index("leads_target_created_idx").on(t.targetCompanyId, t.createdAt),
    index("leads_client_service_idx").on(t.clientId, t.serviceId, t.createdAt),
    index("leads_status_idx").on(t.status),
    // Analytics windows (funnel, calibration) over every company read leads by creation time.
    index("leads_created_idx").on(t.createdAt),
  ],
);

/** Lifecycle of each lead: creation, every delivery attempt (status, latency, error), ack, outcome. */
export const leadEvents = sqliteTable(
  "lead_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    leadId: text("lead_id").notNull(),
    type: text("type", {
      enum: [
        "created",
        "enqueued",
        "delivery_attempt",
        "delivered",
        "retry_scheduled",
        "dead_lettered",
        "failed",
        "redeliver_requested",
        "acknowledged",
        "outcome",
        "endpoint_disabled",
      ],
    }).notNull(),
    at: integer("at").notNull(),
    attempt: integer("attempt"),
    httpStatus: integer("http_status"),
    latencyMs: integer("latency_ms"),
    error: text("error"),
    detail: text("detail"),
  },
  (t) => [index("lead_events_lead_idx").on(t.leadId, t.at)],
);

/** Outcomes of offers (from a CRM or from a partner's inbox): they feed the interaction matrix. */
export const deals = sqliteTable(
  "deals",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => clients.id),
    serviceId: text("service_id").notNull(),
    /** The company that sold (or failed to sell) the service. */
    companyId: text("company_id").notNull(),
    leadId: text("lead_id"),
    outcome: text("outcome", { enum: ["accepted", "declined"] }).notNull(),
    amount: real("amount"),
    /** amount × the company's commission rate at the time of the deal. */
    commission: real("commission"),
    reportedBy: text("reported_by", { enum: ["crm", "partner", "admin"] }).notNull(),
    occurredAt: integer("occurred_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("deals_client_service_idx").on(t.clientId, t.serviceId, t.occurredAt),
    index("deals_company_occurred_idx").on(t.companyId, t.occurredAt),
    index("deals_lead_idx").on(t.leadId),
    // One deal per lead and time of the outcome: concurrent or repeated reports of it collapse.
    uniqueIndex("deals_lead_occurred_unique").on(t.leadId, t.occurredAt),
  ],
);

/**
 * Every (client, service) the lead call scored, with what became of it: the basis of the threshold
 * preview, the calibration report and the funnel.
 */
export const scoredCandidates = sqliteTable(
  "scored_candidates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    clientId: text("client_id").notNull(),
    serviceId: text("service_id").notNull(),
    companyId: text("company_id").notNull(),
    rating: real("rating").notNull(),
    threshold: real("threshold").notNull(),
    decision: text("decision", {
      enum: RECORDED_DECISIONS,
    }).notNull(),
    leadId: text("lead_id"),
    experimentId: text("experiment_id"),
    at: integer("at").notNull(),
    // The recommender's raw part scores (`PartScores`, one column `part_<name>` per part) at scoring
    // time, null when not recorded: joined with the deal that follows, they are the samples the
    // retrain fits the blend on (docs/recommender.md).
    partItem: real("part_item"),
    partGroup: real("part_group"),
    partLink: real("part_link"),
    partSegment: real("part_segment"),
    partPopularity: real("part_popularity"),
    partActivity: real("part_activity"),
  },
  // No index on `at` or (`service_id`, `at`): the reports read the daily rollups, and the retention
  // purge walks the oldest rows by `id` (docs/storage.md).
  (t) => [
    // The retrain's deal samples: the candidate scored for a (client, service) before its deal.
    index("scored_candidates_client_service_idx").on(t.clientId, t.serviceId, t.at),
    // The experiment report reads its arms by experiment. Partial: most candidates belong to no
    // experiment, and an insert that skips the index costs the lead call less (`experiment_id = ?`
    // implies the index's condition, so the report still uses it).
    index("scored_candidates_experiment_idx").on(t.experimentId, t.clientId).where(sql`${t.experimentId} IS NOT NULL`),
  ],
);

/**
 * Scored candidates rolled up per UTC day: how many services the lead call rated in each (receiving
 * company, service, integer rating slot, decision, outcome), with Σ rating and Σ rating² for the
 * calibration report. Every rated service of every call is counted (not only the answered best ones);
 * `outcome` (1 accepted, −1 declined, 0 none yet) moves with the lead's standing outcome when a deal is
 * recorded (src/storage/candidate-rollups.ts). The threshold preview, the calibration report and the
 * funnel read these rows, never the raw candidates. WITHOUT ROWID: the primary key is the table.
 */
export const candidateRollups = sqliteTable(
  "candidate_rollups",
  {
    /** Epoch ms of the UTC day's start. */
    day: integer("day").notNull(),
    companyId: text("company_id").notNull(),
    serviceId: text("service_id").notNull(),
    /** ⌊rating⌋ for ratings in 0–100, −1 for any other value. */
    ratingSlot: integer("rating_slot").notNull(),
    decision: text("decision", { enum: RECORDED_DECISIONS }).notNull(),
    outcome: integer("outcome").notNull(),
    count: integer("count").notNull(),
    ratingSum: real("rating_sum").notNull(),
    ratingSquareSum: real("rating_square_sum").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.companyId, t.serviceId, t.ratingSlot, t.decision, t.outcome] })],
);

/**
 * Increments of `candidate_rollups` not folded in yet (src/storage/candidate-rollups.ts): a lead call
 * appends ONE row holding all its increments instead of upserting some forty rollup rows, which dirtied
 * as many pages of the rollups per call; deals append their outcome moves here too. Folded into the
 * rollups, many calls at a time, by the lead calls themselves (every few dozen per isolate) and by the
 * quarter-hourly cron; the reports add the rows not folded yet, so they are exact at any time.
 */
export const candidateRollupPending = sqliteTable("candidate_rollup_pending", {
  id: integer("id").primaryKey(),
  /** JSON `[[day, company_id, service_id, rating_slot, decision, outcome, count, rating_sum, rating_square_sum], …]`. */
  entries: text("entries").notNull(),
});

/**
 * Leads moved to the R2 archive: which NDJSON object holds each, so `GET /v1/admin/leads/{id}` reads
 * one object (src/storage/lead-archive.ts). WITHOUT ROWID.
 */
export const archivedLeads = sqliteTable("archived_leads", {
  id: text("id").primaryKey(),
  objectKey: text("object_key").notNull(),
});

/** Idempotency-Key records (kept at least 24 h): the first answer is replayed for the same body. */
export const idempotencyRecords = sqliteTable(
  "idempotency_records",
  {
    /** The caller (api key id) and its key, so two callers never collide. */
    principalId: text("principal_id").notNull(),
    key: text("key").notNull(),
    route: text("route").notNull(),
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["in_flight", "done"] }).notNull(),
    responseStatus: integer("response_status"),
    /** The answer as JSON text (rows written before compression; read for their replay). */
    responseBody: text("response_body"),
    /** The answer's JSON, Brotli-compressed (src/storage/idempotency.ts): what a replay sends back. */
    responsePacked: blob("response_packed", { mode: "buffer" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.key] }), index("idempotency_expires_idx").on(t.expiresAt)],
);

/**
 * Append-only log of client writes for the recommender's sufficient statistics: the client's
 * state (profile + matrix row) just before and just after each write, captured by SQL inside the
 * write's own `db.batch`, so the log can never disagree with `clients` / `interactions`. The
 * retrain folds the rows past its snapshot into the statistics. States are JSON
 * `[age, monthly_income, region, gender, needs[], [[model_index, value], …]]`; null = no client.
 */
export const modelStatDeltas = sqliteTable(
  "model_stat_deltas",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Random id of the batch that wrote the row: its closing statement fills `after` by it. */
    writeId: text("write_id").notNull(),
    clientId: text("client_id").notNull(),
    at: integer("at").notNull(),
    before: text("before"),
    after: text("after"),
  },
  (t) => [index("model_stat_deltas_write_idx").on(t.writeId)],
);

/**
 * Browsing-event message ids seen lately (`POST /v1/events` dedup), per company, on the shard of
 * the event's anonymous id (a retried event comes back with the same anonymous id). A row older
 * than 24 h no longer counts (the insert takes it over) and housekeeping deletes it.
 */
export const eventReceipts = sqliteTable(
  "event_receipts",
  {
    companyId: text("company_id").notNull(),
    messageId: text("message_id").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.messageId] }), index("event_receipts_received_idx").on(t.receivedAt)],
);

/**
 * A website visitor's anonymous id linked to a CRM client of the same company
 * (`POST /v1/clients/{external_id}/identities`), on the shard of the anonymous id. Both sides are
 * keyed hashes: `anonymous_hash` of the random id, `client_hash` the client's `external_hash`.
 */
export const anonymousLinks = sqliteTable(
  "anonymous_links",
  {
    companyId: text("company_id").notNull(),
    anonymousHash: text("anonymous_hash").notNull(),
    clientHash: text("client_hash").notNull(),
    linkedAt: integer("linked_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.anonymousHash] })],
);

/**
 * Browsing interest as daily counts per subject and service: a linked client's rows (`client`,
 * keyed by its `external_hash`) live on the client's shard; a not-yet-linked visitor's rows
 * (`anonymous`, keyed by the anonymous hash) on the anonymous id's shard, folded into the client's
 * when the two are linked. Never a URL: only the service a URL rule matched.
 */
export const browsingDaily = sqliteTable(
  "browsing_daily",
  {
    companyId: text("company_id").notNull(),
    subjectKind: text("subject_kind", { enum: ["client", "anonymous"] }).notNull(),
    subjectHash: text("subject_hash").notNull(),
    serviceId: text("service_id").notNull(),
    /** UTC day number (epoch ms / 86,400,000, floored). */
    day: integer("day").notNull(),
    events: integer("events").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.subjectKind, t.subjectHash, t.serviceId, t.day] }),
    index("browsing_daily_day_idx").on(t.day),
  ],
);

/**
 * A client's needs with where each came from (docs/recommender.md "Needs"): one row per (client,
 * need, source). `crm` rows are replaced by each CRM write, `survey` rows by the bot survey,
 * `inferred` rows by the retrain. A row whose `expires_at` has passed is ignored by every reader and
 * deleted by the daily housekeeping. `clients.needs` keeps the CRM's codes for the model's profile vector.
 */
export const clientNeeds = sqliteTable(
  "client_needs",
  {
    clientId: text("client_id")
      .notNull()
      .references(() => clients.id),
    /** Code of the needs taxonomy (`need_tags`, control database). */
    needCode: text("need_code").notNull(),
    source: text("source", { enum: ["crm", "survey", "inferred"] }).notNull(),
    /** 0 < confidence <= 1: how sure the source is. */
    confidence: real("confidence").notNull(),
    /** Epoch ms the source stated (or inferred) the need. */
    observedAt: integer("observed_at").notNull(),
    /** Epoch ms after which the need no longer counts; null = no expiry. */
    expiresAt: integer("expires_at"),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.needCode, t.source] }),
    index("client_needs_need_idx").on(t.needCode, t.expiresAt),
  ],
);
