/**
 * Tables of the control database (binding `DB`): who the companies are, what they sell, how leads are
 * routed and what the model is. Small, read on every call (cached per isolate), written by admins.
 * Every table is described in `docs/storage.md`.
 *
 * Conventions: timestamps are epoch milliseconds (`integer`); ids are prefixed random strings
 * (`co_`, `svc_`, `key_`, `exp_`), except append-only logs which use an autoincrement integer.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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

/**
 * The needs taxonomy: the closed vocabulary of clients' needs tags, managed by admins (seeded with
 * the demo's tags by `migrations/control/0000_init.sql`). A retired tag (`active` false) is refused on new input and
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
    scope: text("scope", { enum: ["admin", "viewer", "crm", "partner", "site"] }).notNull(),
    name: text("name"),
    /** `site` keys only: JSON array of the origins (`https://shop.example`) whose pages may send events. */
    allowedOrigins: text("allowed_origins"),
    /** First characters of the key, safe to display ("cb_crm_AbC1…"). */
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.hash), index("api_keys_company_idx").on(t.companyId)],
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
    /** The sum of `log_positions`: one number that only grows, for ordering and pending counts. */
    lastDeltaId: integer("last_delta_id").notNull(),
    /** JSON array, per client shard: the last `model_stat_deltas.id` of that shard folded into the statistics. */
    logPositions: text("log_positions").notNull().default("[]"),
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
  /** Sum of `log_positions` (see `model_versions`). */
  lastDeltaId: integer("last_delta_id").notNull(),
  /** JSON array: per client shard, the last change-log id folded into the current model's statistics. */
  logPositions: text("log_positions").notNull().default("[]"),
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
    /** Sum of `start_log_positions`. */
    startDeltaId: integer("start_delta_id").notNull(),
    /** JSON array: per client shard, the change-log id when the job started; later deltas are not pruned while it runs. */
    startLogPositions: text("start_log_positions").notNull().default("[]"),
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

/**
 * URL rules of a company's website: a page whose URL (origin and path, query and fragment dropped)
 * starts with `prefix` counts as interest in `service_id` (`POST /v1/events`). The longest matching
 * prefix wins.
 */
export const urlRules = sqliteTable(
  "url_rules",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    /** Normalized: lowercase origin, path without query or fragment, e.g. `https://shop.example/mortgage`. */
    prefix: text("prefix").notNull(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("url_rules_company_prefix_unique").on(t.companyId, t.prefix)],
);

/**
 * Proposed cross-service links mined from holdings and needs (association rules, docs/recommender.md
 * "Link proposals"): one row per (antecedent, consequent service). Counts only, no client ids. A
 * `proposed` row is refreshed by each computation; `approved` and `rejected` rows keep their decision
 * and are never proposed again. Need rules that are not rejected also feed the score's need boost.
 */
export const linkProposals = sqliteTable(
  "link_proposals",
  {
    id: text("id").primaryKey(),
    antecedentKind: text("antecedent_kind", { enum: ["service", "need"] }).notNull(),
    /** A service code (kind `service`) or a need code (kind `need`). */
    antecedent: text("antecedent").notNull(),
    /** Code of the service the rule recommends. */
    consequent: text("consequent").notNull(),
    /** Clients holding (or carrying) the antecedent and holding the consequent. */
    support: integer("support").notNull(),
    antecedentClients: integer("antecedent_clients").notNull(),
    consequentClients: integer("consequent_clients").notNull(),
    totalClients: integer("total_clients").notNull(),
    lift: real("lift").notNull(),
    /** Lower bound of the 95 % confidence interval of the lift (log-lift, normal approximation). */
    liftLower: real("lift_lower").notNull(),
    status: text("status", { enum: ["proposed", "approved", "rejected"] }).notNull(),
    /** Weight given on approval (service rules: the cross-service cell's weight). */
    weight: real("weight"),
    computedAt: integer("computed_at").notNull(),
    decidedAt: integer("decided_at"),
    decidedBy: text("decided_by"),
  },
  (t) => [
    uniqueIndex("link_proposals_rule_unique").on(t.antecedentKind, t.antecedent, t.consequent),
    index("link_proposals_status_idx").on(t.status),
  ],
);
