/**
 * Everything the lead call reads besides the client itself, in ONE D1 round trip (`D1.batch` of
 * read statements): the catalog, companies with today's lead counts, settings rows, running
 * experiments, the companies' quality ratings from the bot and the client's recent leads. Measured acceptance per company (for `performance`
 * routing) changes slowly and is cached per isolate for a minute.
 */

import { inboxReason } from "../domain/delivery-policy";
import type { ExperimentDefinition } from "../domain/experiments";
import { OPEN_LEAD_STATUSES } from "../domain/lead-status";
import type { ClientNeed } from "../domain/needs/client-needs";
import type { CompanyQuality } from "../domain/routing-quality";
import { type EffectiveSettings, resolveSettings, type SettingRow } from "../domain/settings";
import { BROWSING_RETENTION_DAYS, dayNumber } from "../domain/site-events";
import {
  loadServiceAcceptance,
  type PerformanceCounts,
  performanceByCategory,
  type ServiceAcceptance,
} from "./analytics";
import { type ClientRow, clientStatesFrom, type StoredClientState } from "./clients";
import { IDEMPOTENCY_PROBE_SQL, type IdempotencyProbe, idempotencyProbeOf } from "./idempotency";

export interface CatalogService {
  id: string;
  code: string;
  name: string;
  category: string;
  companyId: string;
  active: boolean;
  modelIndex: number;
}

export interface CatalogCompany {
  id: string;
  name: string;
  status: "active" | "paused";
  dailyLeadCap: number | null;
  createdAt: number;
  leadsToday: number;
  /** End clients' rating of the company in the bot (the `quality` routing strategy); null = none yet. */
  quality?: CompanyQuality | null;
  /** Why its leads wait in its inbox instead of being pushed (`inboxReason`); null when pushed. */
  inboxReason?: string | null;
}

export interface RecentLead {
  serviceId: string;
  category: string;
  companyId: string;
  status: string;
  createdAt: number;
}

export interface LeadContext {
  services: CatalogService[];
  serviceById: Map<string, CatalogService>;
  /** Indexed by model index (sparse when services were created after others were deleted). */
  serviceByIndex: Map<number, CatalogService>;
  companies: Map<string, CatalogCompany>;
  settings: EffectiveSettings;
  experiments: ExperimentDefinition[];
  /** Leads routed today per category, then per target company. */
  routedToday: Map<string, Map<string, number>>;
  performance: PerformanceCounts;
  /** The client's leads that are open or younger than the longest exclusivity window. */
  recentLeads: RecentLead[];
  /** The client's stored row and cells (null when the CRM sends it for the first time). */
  clientState: StoredClientState | null;
  /** The record of the call's Idempotency-Key, read in the same batch (null: none; undefined: no key). */
  idempotencyProbe?: IdempotencyProbe | null;
  /** The client's website browsing (daily counts per service, `browsing_daily`), newest 180 days. */
  browsing: Array<{ serviceId: string; day: number; events: number }>;
  /** The client's active needs from every source (`client_needs`), empty for a new client. */
  clientNeeds: ClientNeed[];
}

/** The open statuses as an SQL list (constants, so no bound parameter). */
const OPEN_STATUSES_SQL = OPEN_LEAD_STATUSES.map((status) => `'${status}'`).join(", ");

/** The acceptance counts are cached per isolate: a new deal steers `performance` routing at most this much later. */
const PERFORMANCE_TTL_MS = 60_000;
/** Deals older than this no longer steer `performance` routing. */
const PERFORMANCE_WINDOW_MS = 180 * 86_400_000;
let performanceCache: { at: number; rows: ServiceAcceptance[] } | null = null;

/**
 * What the lead call reads besides its client, cached per isolate for `ttlMs` (CONTROL_CACHE_TTL_MS):
 * the control batch (catalogue, companies, settings, running experiments, quality ratings) and today's
 * lead counts of every shard. Within the TTL a lead call touches only its client's shard; the counts
 * this isolate adds are counted in at once (`countCreatedLeads`), other isolates' within the TTL, so a
 * daily cap can be overshot by what other isolates route in that window. Admin writes in this isolate
 * drop the cache (`forgetControlSnapshot`).
 */
interface ControlSnapshot {
  control: D1Database;
  at: number;
  dayStart: number;
  rows: Record<string, unknown>[][];
  daily: DailyLeadCounts;
  /** What every lead call derives from `rows`, computed once per snapshot (see {@link catalogOf}). */
  catalog?: ControlCatalog;
}
let controlCache: ControlSnapshot | null = null;

/** Drops this isolate's cached control data: the next lead call reads it afresh. */
export function forgetControlSnapshot(): void {
  controlCache = null;
}

/** Counts leads this isolate just created into its cached daily counts (caps and fair routing stay exact here). */
export function countCreatedLeads(leads: ReadonlyArray<{ serviceId: string; targetCompanyId: string }>, now: number) {
  if (!controlCache || controlCache.dayStart !== utcDayStart(now)) return;
  const { daily } = controlCache;
  for (const lead of leads) {
    daily.byCompany.set(lead.targetCompanyId, (daily.byCompany.get(lead.targetCompanyId) ?? 0) + 1);
    const perCompany = daily.byService.get(lead.serviceId) ?? new Map<string, number>();
    daily.byService.set(lead.serviceId, perCompany);
    perCompany.set(lead.targetCompanyId, (perCompany.get(lead.targetCompanyId) ?? 0) + 1);
  }
}

/** UTC midnight of the day containing `now`. */
export function utcDayStart(now: number): number {
  return now - (now % 86_400_000);
}

/**
 * Loads the lead context and the client's stored state, found by its source company and keyed hash.
 * `lookbackMs` bounds the client's closed leads considered for exclusivity (the longest window).
 */
export async function loadLeadContext(
  databases: { control: D1Database; clientShard: D1Database; allShards: readonly D1Database[] },
  input: {
    companyId: string;
    externalHash: string;
    now: number;
    lookbackMs: number;
    controlTtlMs: number;
    /** The caller's Idempotency-Key, looked up beside the client (it lives in the client's shard). */
    idempotency?: { principalId: string; key: string };
  },
): Promise<LeadContext> {
  const { clientShard, allShards } = databases;
  const clientIdSql = "(SELECT id FROM clients WHERE company_id = ?1 AND external_hash = ?2)";
  const clientStatements = [
    clientShard
      .prepare(
        `SELECT l.service_id, l.target_company_id AS company_id, l.status, l.created_at
         FROM leads l
         WHERE l.client_id = ${clientIdSql}
           AND (l.status IN (${OPEN_STATUSES_SQL}) OR l.created_at >= ?3)`,
      )
      .bind(input.companyId, input.externalHash, input.now - input.lookbackMs),
    clientShard
      .prepare("SELECT * FROM clients WHERE company_id = ?1 AND external_hash = ?2")
      .bind(input.companyId, input.externalHash),
    clientShard
      .prepare(`SELECT client_id, service_id, value, at FROM interactions WHERE client_id = ${clientIdSql}`)
      .bind(input.companyId, input.externalHash),
    clientShard
      .prepare(
        `SELECT service_id, day, events FROM browsing_daily
         WHERE company_id = ?1 AND subject_kind = 'client' AND subject_hash = ?2 AND day >= ?3`,
      )
      .bind(input.companyId, input.externalHash, dayNumber(input.now) - BROWSING_RETENTION_DAYS),
    clientShard
      .prepare(
        `SELECT need_code, source, confidence, observed_at, expires_at FROM client_needs
         WHERE client_id = ${clientIdSql} AND (expires_at IS NULL OR expires_at > ?3)`,
      )
      .bind(input.companyId, input.externalHash, input.now),
  ];
  if (input.idempotency) {
    clientStatements.push(
      clientShard.prepare(IDEMPOTENCY_PROBE_SQL).bind(input.idempotency.principalId, input.idempotency.key),
    );
  }
  // All reads at once: the client's shard batch and, unless cached, the control batch and today's counts.
  const [snapshot, clientResults, acceptance] = await Promise.all([
    controlSnapshot(databases.control, allShards, input.now, input.controlTtlMs),
    clientShard.batch(clientStatements),
    cachedAcceptance(allShards, input.now),
  ]);
  const catalog = catalogOf(snapshot);
  const dailyCounts = snapshot.daily;
  const [leadRows, clientRows, cellRows, browsingRows, needRows, idempotencyRows] = clientResults.map(
    (r) => r.results as Record<string, unknown>[],
  );
  const clientState =
    clientStatesFrom(
      clientRows.map(clientRowOf),
      cellRows.map((r) => ({
        clientId: String(r.client_id),
        serviceId: String(r.service_id),
        value: Number(r.value),
        at: Number(r.at),
      })),
    ).get(input.externalHash) ?? null;

  const { services, serviceById, settings } = catalog;
  // Fresh objects per call: routing reads today's counts, which move with every lead (countCreatedLeads).
  const companies = new Map<string, CatalogCompany>();
  for (const company of catalog.companies) {
    companies.set(company.id, { ...company, leadsToday: dailyCounts.byCompany.get(company.id) ?? 0 });
  }
  // Routed today per category and target company: the shards count per service, the catalogue knows the category.
  const routedToday = new Map<string, Map<string, number>>();
  for (const [serviceId, perCompanyCounts] of dailyCounts.byService) {
    const category = serviceById.get(serviceId)?.category;
    if (category === undefined) continue;
    const perCompany = routedToday.get(category) ?? new Map<string, number>();
    routedToday.set(category, perCompany);
    for (const [companyId, count] of perCompanyCounts)
      perCompany.set(companyId, (perCompany.get(companyId) ?? 0) + count);
  }
  return {
    services,
    serviceById,
    serviceByIndex: catalog.serviceByIndex,
    companies,
    settings,
    experiments: catalog.experiments,
    routedToday,
    performance: performanceByCategory(acceptance, (serviceId) => serviceById.get(serviceId)?.category),
    clientState,
    ...(input.idempotency ? { idempotencyProbe: idempotencyProbeOf(idempotencyRows?.[0]) } : {}),
    browsing: browsingRows.map((r) => ({
      serviceId: String(r.service_id),
      day: Number(r.day),
      events: Number(r.events),
    })),
    clientNeeds: needRows.map((r) => ({
      code: String(r.need_code),
      source: r.source === "survey" || r.source === "inferred" ? r.source : "crm",
      confidence: Number(r.confidence),
      observedAt: Number(r.observed_at),
      expiresAt: r.expires_at === null || r.expires_at === undefined ? null : Number(r.expires_at),
    })),
    recentLeads: leadRows.map((r) => ({
      serviceId: String(r.service_id),
      category: serviceById.get(String(r.service_id))?.category ?? "",
      companyId: String(r.company_id),
      status: String(r.status),
      createdAt: Number(r.created_at),
    })),
  };
}

/**
 * The control rows as the lead call uses them. They only change with the snapshot, so a cached
 * snapshot resolves its settings and builds its maps once, not on every lead call. The shared
 * objects are read-only for the callers; the companies get today's counts per call.
 */
interface ControlCatalog {
  services: CatalogService[];
  serviceById: Map<string, CatalogService>;
  serviceByIndex: Map<number, CatalogService>;
  /** `leadsToday` is 0 here: the lead call fills it in from the daily counts. */
  companies: CatalogCompany[];
  settings: EffectiveSettings;
  experiments: ExperimentDefinition[];
}

function catalogOf(snapshot: ControlSnapshot): ControlCatalog {
  if (snapshot.catalog) return snapshot.catalog;
  const [serviceRows, companyRows, settingRows, experimentRows, qualityRows] = snapshot.rows;
  const qualityByCompany = new Map<string, CompanyQuality>(
    qualityRows.map((r) => [String(r.company_id), { meanStars: Number(r.mean_stars), ratings: Number(r.ratings) }]),
  );
  const services: CatalogService[] = serviceRows.map((r) => ({
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    category: String(r.category),
    companyId: String(r.company_id),
    active: Number(r.active) === 1,
    modelIndex: Number(r.model_index),
  }));
  const companies: CatalogCompany[] = companyRows.map((r) => ({
    id: String(r.id),
    name: String(r.name),
    status: r.status === "paused" ? "paused" : "active",
    dailyLeadCap: r.daily_lead_cap === null ? null : Number(r.daily_lead_cap),
    createdAt: Number(r.created_at),
    leadsToday: 0,
    quality: qualityByCompany.get(String(r.id)) ?? null,
    inboxReason: inboxReason({
      // Only whether there is one: the URL itself is the consumer's business.
      webhookUrl: Number(r.has_webhook) === 1 ? "set" : null,
      webhookDisabledAt: r.webhook_disabled_at === null ? null : Number(r.webhook_disabled_at),
      webhookDisabledReason: r.webhook_disabled_reason === null ? null : String(r.webhook_disabled_reason),
    }),
  }));
  const settings = resolveSettings(
    settingRows.map(
      (r): SettingRow => ({
        scope: String(r.scope),
        scopeId: String(r.scope_id),
        key: String(r.key),
        value: String(r.value),
      }),
    ),
    {
      companies: companies.map((company) => ({ id: company.id, createdAt: company.createdAt })),
      services: services.map((service) => ({
        id: service.id,
        companyId: service.companyId,
        category: service.category,
      })),
    },
  );
  const catalog: ControlCatalog = {
    services,
    serviceById: new Map(services.map((service) => [service.id, service])),
    serviceByIndex: new Map(services.map((service) => [service.modelIndex, service])),
    companies,
    settings,
    experiments: experimentRows.map((r) => ({
      id: String(r.id),
      scopeType: r.scope_type as ExperimentDefinition["scopeType"],
      scopeId: String(r.scope_id),
      holdoutShare: Number(r.holdout_share),
      startsAt: Number(r.starts_at),
      endsAt: Number(r.ends_at),
    })),
  };
  snapshot.catalog = catalog;
  return catalog;
}

function clientRowOf(r: Record<string, unknown>): ClientRow {
  return {
    id: String(r.id),
    companyId: String(r.company_id),
    externalHash: String(r.external_hash),
    age: Number(r.age),
    // null stays null (unknown income): Number(null) would read as an income of 0.
    monthlyIncome: r.monthly_income === null || r.monthly_income === undefined ? null : Number(r.monthly_income),
    region: String(r.region),
    gender: r.gender === "female" || r.gender === "male" ? r.gender : null,
    needs: String(r.needs),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The control data and today's counts, from this isolate's cache when fresh (see {@link ControlSnapshot}). */
async function controlSnapshot(
  control: D1Database,
  allShards: readonly D1Database[],
  now: number,
  ttlMs: number,
): Promise<ControlSnapshot> {
  const dayStart = utcDayStart(now);
  const cached = controlCache;
  if (
    ttlMs > 0 &&
    cached &&
    cached.control === control &&
    cached.dayStart === dayStart &&
    now >= cached.at &&
    now - cached.at < ttlMs
  ) {
    return cached;
  }
  const [results, daily] = await Promise.all([
    control.batch([
      control.prepare(
        "SELECT id, code, name, category, company_id, active, model_index FROM services ORDER BY model_index",
      ),
      control.prepare(
        "SELECT id, name, status, daily_lead_cap, created_at, webhook_url IS NOT NULL AS has_webhook, webhook_disabled_at, webhook_disabled_reason FROM companies",
      ),
      control.prepare("SELECT scope, scope_id, key, value FROM settings"),
      control
        .prepare(
          "SELECT id, scope_type, scope_id, holdout_share, starts_at, ends_at FROM experiments WHERE starts_at <= ?1 AND ends_at > ?1 ORDER BY created_at, id",
        )
        .bind(now),
      // Covered by bot_ratings_company_stars_idx: one pass over an index of (company, stars) pairs.
      control.prepare(
        "SELECT company_id, COUNT(stars) AS ratings, AVG(stars) AS mean_stars FROM bot_ratings WHERE stars IS NOT NULL GROUP BY company_id",
      ),
    ]),
    loadDailyLeadCounts(allShards, dayStart),
  ]);
  const snapshot: ControlSnapshot = {
    control,
    at: now,
    dayStart,
    rows: results.map((r) => r.results as Record<string, unknown>[]),
    daily,
  };
  if (ttlMs > 0) controlCache = snapshot;
  return snapshot;
}

interface DailyLeadCounts {
  byCompany: Map<string, number>;
  /** service id → target company id → leads created today. */
  byService: Map<string, Map<string, number>>;
}

/** Leads created since `dayStart`, per target company and service, summed over every shard. */
async function loadDailyLeadCounts(shards: readonly D1Database[], dayStart: number): Promise<DailyLeadCounts> {
  const perShard = await Promise.all(
    shards.map((shard) =>
      shard
        .prepare(
          "SELECT service_id, target_company_id, COUNT(*) AS n FROM leads WHERE created_at >= ?1 GROUP BY service_id, target_company_id",
        )
        .bind(dayStart)
        .all<{ service_id: string; target_company_id: string; n: number }>(),
    ),
  );
  const counts: DailyLeadCounts = { byCompany: new Map(), byService: new Map() };
  for (const result of perShard) {
    for (const row of result.results) {
      const n = Number(row.n);
      counts.byCompany.set(row.target_company_id, (counts.byCompany.get(row.target_company_id) ?? 0) + n);
      const perCompany = counts.byService.get(row.service_id) ?? new Map<string, number>();
      counts.byService.set(row.service_id, perCompany);
      perCompany.set(row.target_company_id, (perCompany.get(row.target_company_id) ?? 0) + n);
    }
  }
  return counts;
}

async function cachedAcceptance(shards: readonly D1Database[], now: number): Promise<ServiceAcceptance[]> {
  if (performanceCache && now - performanceCache.at < PERFORMANCE_TTL_MS && now >= performanceCache.at) {
    return performanceCache.rows;
  }
  const rows = await loadServiceAcceptance(shards, { since: now - PERFORMANCE_WINDOW_MS });
  performanceCache = { at: now, rows };
  return rows;
}
