/**
 * D1 schema of CactuBase (drizzle, sqlite dialect). Every table is described in `docs/storage.md`.
 *
 * Conventions: timestamps are epoch milliseconds (`integer`); ids are prefixed random strings
 * (`co_`, `svc_`, `cl_`, `ld_`, `dl_`, `key_`, `exp_`), except append-only logs which use an
 * autoincrement integer. JSON columns hold small documents validated at the API edge.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { RECORDED_DECISIONS } from "../domain/lead-selection";
import { LEAD_STATUSES } from "../domain/lead-status";

const timestamps = {
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
};

/** The bank and its partner companies. Each is a lead source (CRM) and a lead receiver. */
export const companies = sqliteTable("companies", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: text("kind", { enum: ["bank", "partner"] }).notNull(),
  status: text("status", { enum: ["active", "paused"] })
    .notNull()
    .default("active"),
  /** Maximum leads routed to this company per UTC day; null = unlimited. */
  dailyLeadCap: integer("daily_lead_cap"),
  /** Share (0..1) of an accepted deal's amount that the platform earns. */
  commissionRate: real("commission_rate").notNull().default(0),
  webhookUrl: text("webhook_url"),
  /** Standard Webhooks secret (`whsec_…`); the previous one stays valid during rotation. */
  webhookSecret: text("webhook_secret"),
  webhookSecretPrevious: text("webhook_secret_previous"),
  webhookSecretPreviousExpiresAt: integer("webhook_secret_previous_expires_at"),
  /** Set when the endpoint answered 410 Gone (or an admin disabled it); cleared by a new URL. */
  webhookDisabledAt: integer("webhook_disabled_at"),
  webhookDisabledReason: text("webhook_disabled_reason"),
  ...timestamps,
});

/** A product sold by one company; the items of the recommender. */
export const services = sqliteTable(
  "services",
  {
    id: text("id").primaryKey(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    category: text("category").notNull(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    description: text("description"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** Dense 0-based column index of the service in the interaction matrix and model artefacts. */
    modelIndex: integer("model_index").notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("services_code_unique").on(t.code),
    uniqueIndex("services_model_index_unique").on(t.modelIndex),
    index("services_company_idx").on(t.companyId),
    index("services_category_idx").on(t.category),
  ],
);

/** The admin's hand-made cross-service matrix: business links between services. */
export const crossServiceLinks = sqliteTable(
  "cross_service_links",
  {
    fromServiceId: text("from_service_id")
      .notNull()
      .references(() => services.id),
    toServiceId: text("to_service_id")
      .notNull()
      .references(() => services.id),
    /** 0 < weight <= 1; a weight of 0 is never stored (it deletes the link). */
    weight: real("weight").notNull(),
    note: text("note"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.fromServiceId, t.toServiceId] }), index("links_to_idx").on(t.toServiceId)],
);

/** Anonymized client profiles, keyed by the source company and a keyed hash of the CRM id. */
export const clients = sqliteTable(
  "clients",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
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

/**
 * The needs taxonomy: the closed vocabulary of clients' needs tags, managed by admins (seeded with
 * the demo's tags by migration 0001). A retired tag (`active` false) is refused on new input and
 * kept on stored clients.
 */
export const needTags = sqliteTable("need_tags", {
  code: text("code").primaryKey(),
  labelRu: text("label_ru").notNull(),
  labelEn: text("label_en").notNull(),
  groupCode: text("group_code").notNull(),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  ...timestamps,
});

/** Current value of the interaction matrix: one row per (client, service) that is not 0. */
export const interactions = sqliteTable(
  "interactions",
  {
    clientId: text("client_id")
      .notNull()
      .references(() => clients.id),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
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
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    sourceCompanyId: text("source_company_id")
      .notNull()
      .references(() => companies.id),
    targetCompanyId: text("target_company_id")
      .notNull()
      .references(() => companies.id),
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
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    /** The company that sold (or failed to sell) the service. */
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
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
  (t) => [
    index("scored_candidates_at_idx").on(t.at),
    index("scored_candidates_service_idx").on(t.serviceId, t.at),
    index("scored_candidates_client_service_idx").on(t.clientId, t.serviceId, t.at),
    // The experiment report reads its arms by experiment.
    index("scored_candidates_experiment_idx").on(t.experimentId, t.clientId),
  ],
);

/**
 * Settings at three scopes. `scope_id` is "" for global, a company id or a service id otherwise;
 * routing rules use scope "category" with the category name as `scope_id`.
 */
export const settings = sqliteTable(
  "settings",
  {
    scope: text("scope", { enum: ["global", "company", "service", "category"] }).notNull(),
    scopeId: text("scope_id").notNull(),
    key: text("key").notNull(),
    /** JSON value. */
    value: text("value").notNull(),
    updatedAt: integer("updated_at").notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.scopeId, t.key] })],
);

/** API keys: only the SHA-256 of the secret is stored; the key is shown once at creation. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id").references(() => companies.id),
    scope: text("scope", { enum: ["admin", "crm", "partner"] }).notNull(),
    name: text("name"),
    /** First characters of the key, safe to display ("cb_crm_AbC1…"). */
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.hash), index("api_keys_company_idx").on(t.companyId)],
);

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
    responseBody: text("response_body"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.key] }), index("idempotency_expires_idx").on(t.expiresAt)],
);

/** Control-group experiments (holdouts) over a scope. */
export const experiments = sqliteTable("experiments", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  scopeType: text("scope_type", { enum: ["all", "company", "category", "service"] }).notNull(),
  scopeId: text("scope_id").notNull().default(""),
  /** Share (0..0.5) of clients held out as control. */
  holdoutShare: real("holdout_share").notNull(),
  startsAt: integer("starts_at").notNull(),
  endsAt: integer("ends_at").notNull(),
  createdAt: integer("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

/** Who changed what and when: every admin write, with old and new values. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    before: text("before"),
    after: text("after"),
  },
  (t) => [index("audit_entity_idx").on(t.entityType, t.entityId, t.at), index("audit_at_idx").on(t.at)],
);

// ---------------------------------------------------------------------------------------------
// Recommender on the platform (docs/recommender.md, "On the platform")
// ---------------------------------------------------------------------------------------------

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

/** Every trained model version (kept as history after its KV artefact is pruned). */
export const modelVersions = sqliteTable(
  "model_versions",
  {
    /** Allocation order of training runs; breaks ties between versions of the same statistics. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    version: text("version").notNull(),
    /** training → ready (published; current when the pointer names it) | discarded | failed; ready → pruned. */
    status: text("status", { enum: ["training", "ready", "discarded", "failed", "pruned"] }).notNull(),
    trigger: text("trigger", { enum: ["cron", "admin", "serving", "rebuild"] }).notNull(),
    /** The full rebuild (`model_rebuild_jobs.seq`) whose reference groups the statistics use. */
    generation: integer("generation").notNull(),
    /** The last `model_stat_deltas.id` folded into the statistics the model was trained from. */
    lastDeltaId: integer("last_delta_id").notNull(),
    /** SHA-256 of everything the training read (statistics position, catalog, links, deals). */
    inputHash: text("input_hash").notNull(),
    artefactKey: text("artefact_key"),
    snapshotKey: text("snapshot_key"),
    artefactBytes: integer("artefact_bytes"),
    snapshotBytes: integer("snapshot_bytes"),
    clientCount: integer("client_count"),
    services: integer("services"),
    groups: integer("groups"),
    neighbours: integer("neighbours"),
    /** JSON: calibration and the quality figures of docs/recommender.md. */
    quality: text("quality"),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    trainedAt: integer("trained_at"),
  },
  (t) => [uniqueIndex("model_versions_version_unique").on(t.version), index("model_versions_status_idx").on(t.status)],
);

/**
 * The pointer of record to the current model (one row, id 1). It only moves forward in
 * (generation, last_delta_id, seq) order, so a slower concurrent retrain never replaces a newer model.
 */
export const modelPointer = sqliteTable("model_pointer", {
  id: integer("id").primaryKey(),
  version: text("version").notNull(),
  seq: integer("seq").notNull(),
  generation: integer("generation").notNull(),
  lastDeltaId: integer("last_delta_id").notNull(),
  artefactKey: text("artefact_key").notNull(),
  snapshotKey: text("snapshot_key").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Full rebuilds of the statistics and reference groups, run in queue steps (at most one at a time). */
export const modelRebuildJobs = sqliteTable(
  "model_rebuild_jobs",
  {
    /** Also the generation number of the statistics the job produces. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    status: text("status", { enum: ["running", "succeeded", "failed"] }).notNull(),
    phase: text("phase", { enum: ["cluster", "accumulate", "reconcile", "finish", "done"] }).notNull(),
    /** Number of completed steps; a step commits only while this still holds the value it started from. */
    step: integer("step").notNull().default(0),
    trigger: text("trigger", { enum: ["admin", "bootstrap"] }).notNull(),
    clientsPerStep: integer("clients_per_step").notNull(),
    groups: integer("groups").notNull(),
    /** Clients counted when the job started (progress estimate). */
    clientsTotal: integer("clients_total").notNull(),
    clientsDone: integer("clients_done").notNull().default(0),
    /** `model_stat_deltas` id when the job started: deltas from here on are not pruned while it runs. */
    startDeltaId: integer("start_delta_id").notNull(),
    deltasReconciled: integer("deltas_reconciled").notNull().default(0),
    version: text("version"),
    error: text("error"),
    requestedBy: text("requested_by").notNull(),
    startedAt: integer("started_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    uniqueIndex("model_rebuild_jobs_id_unique").on(t.id),
    // At most one running job: a second concurrent start fails on this index.
    uniqueIndex("model_rebuild_jobs_one_running").on(t.status).where(sql`status = 'running'`),
  ],
);

// The Telegram bot's tables (docs/bot.md) live in a file of their own.
export * from "./bot-schema";
