/**
 * The recommender on the serving path: the current model (cached per isolate, see model-store.ts),
 * a client built from its stored rows, eligibility from the catalog (inactive services, paused
 * companies) and the decline cool-down from the settings, then the pure `scoreClient`.
 *
 * A client's own profile and matrix row are read from D1 on every request, so a new interaction or
 * deal changes its next recommendations at once (exclusions and its own vector), without a retrain.
 *
 * Before any model exists, the first request that needs one trains it synchronously (a full
 * rebuild of up to 5,000 clients in the request, see retrain.ts); with no clients at all, or while
 * a larger first rebuild runs in the queue, recommendations are empty and `model` is null.
 */
import type { StoredClientProfile } from "../../domain/client-profile";
import type { ClientNeed } from "../../domain/needs/client-needs";
import type { NeedBoost } from "../../domain/needs/need-boost";
import {
  type BrowsingInterest,
  type PartScores,
  profileFromFields,
  type Reason,
  type ReasonKind,
  scoreClient,
} from "../../domain/recommender";
import type { EffectiveSettings } from "../../domain/settings";
import type { Env } from "../../env";
import { type ClientInteraction, type ClientRow, clientNeeds } from "../../storage/clients";
import type { Db } from "../../storage/db";
import { getServingModel, MODEL_POINTER_CHECK_MS, type ServingModel } from "../../storage/model-store";
import { listServicesWithCompany } from "../../storage/services";
import { loadEffectiveSettings } from "../../storage/settings";
import { controlDb } from "../../storage/shards";
import { errorText } from "../model/publish";
import { retrainModel } from "../model/retrain";
import { clientNeedBoost, needRuleIndex } from "../needs/need-rules";

/** One service as the serving path sees it: where it sits in the model and whether it may be offered. */
export interface ServingCatalogEntry {
  serviceId: string;
  code: string;
  name: string;
  category: string;
  modelIndex: number;
  /** The service is active and its company is not paused. */
  offerable: boolean;
  company: { id: string; name: string };
}

/** The catalog by model index and by code. */
export interface ServingCatalog {
  byIndex: ReadonlyArray<ServingCatalogEntry | undefined>;
  byCode: ReadonlyMap<string, ServingCatalogEntry>;
}

/** Reads the catalog with each service's company (one D1 query). */
export async function loadServingCatalog(db: Db): Promise<ServingCatalog> {
  const rows = await listServicesWithCompany(db);
  const byIndex: Array<ServingCatalogEntry | undefined> = [];
  const byCode = new Map<string, ServingCatalogEntry>();
  for (const row of rows) {
    const entry: ServingCatalogEntry = {
      serviceId: row.serviceId,
      code: row.code,
      name: row.name,
      category: row.category,
      modelIndex: row.modelIndex,
      offerable: row.active && row.companyStatus === "active",
      company: { id: row.companyId, name: row.companyName },
    };
    byIndex[row.modelIndex] = entry;
    byCode.set(row.code, entry);
  }
  return { byIndex, byCode };
}

/** One cell of a client's matrix row. */
export interface ClientCell {
  serviceId: string;
  modelIndex: number;
  /** 1 uses the service, -1 declined it. */
  value: number;
  /** Epoch ms of the current value (the decline cool-down counts from it). */
  at: number;
}

/** A client as the recommender needs it: stored profile and matrix row. */
export interface ClientForScoring {
  profile: StoredClientProfile;
  cells: readonly ClientCell[];
  /** Its needs with source and confidence (`client_needs`): they boost the services they point to. */
  needs?: readonly ClientNeed[];
  /** The client's website browsing (daily counts per service, `browsing_daily`): the interest part. */
  browsing?: readonly BrowsingDay[];
}

/** One day's page views of a service by a linked client. */
export interface BrowsingDay {
  serviceId: string;
  /** UTC day number. */
  day: number;
  events: number;
}

/**
 * The client's browsing in model indices (services outside the model or the catalog are left
 * out); null without any. Looks the services up once per call, for browsing clients only.
 */
function browsingInterest(
  browsing: readonly BrowsingDay[] | undefined,
  catalog: ServingCatalog,
  n: number,
): BrowsingInterest | null {
  if (!browsing || browsing.length === 0) return null;
  const wanted = new Set(browsing.map((b) => b.serviceId));
  const indexOf = new Map<string, number>();
  for (let s = 0; s < n; s++) {
    const entry = catalog.byIndex[s];
    if (entry && wanted.has(entry.serviceId)) indexOf.set(entry.serviceId, s);
  }
  const services: number[] = [];
  const days: number[] = [];
  const events: number[] = [];
  for (const b of browsing) {
    const s = indexOf.get(b.serviceId);
    if (s === undefined) continue;
    services.push(s);
    days.push(b.day);
    events.push(b.events);
  }
  return { services: Int32Array.from(services), days: Int32Array.from(days), events: Int32Array.from(events) };
}

/** A stored client (row + `getClientInteractions`) in scoring form. */
export function storedClientForScoring(
  row: ClientRow,
  interactions: ReadonlyArray<Pick<ClientInteraction, "serviceId" | "modelIndex" | "value" | "at">>,
): ClientForScoring {
  return {
    profile: {
      age: row.age,
      monthlyIncome: row.monthlyIncome,
      region: row.region,
      gender: row.gender,
      needs: clientNeeds(row),
    },
    cells: interactions.map((cell) => ({
      serviceId: cell.serviceId,
      modelIndex: cell.modelIndex,
      value: cell.value,
      at: cell.at,
    })),
  };
}

/** One reason, with the related service named by its current code. */
export interface RatedReason {
  kind: ReasonKind;
  text: string;
  /** Share (0..1) of the positive evidence behind the rating. */
  weight: number;
  relatedService: { code: string; name: string } | null;
}

/** One rated service. */
export interface ServiceRating {
  serviceId: string;
  code: string;
  name: string;
  category: string;
  modelIndex: number;
  company: { id: string; name: string };
  /** 0–100, unrounded. */
  rating: number;
  /** Raw part scores: store them with a lead so its deal can train the blend. */
  parts: PartScores;
  reasons: RatedReason[];
}

/** The model a rating came from. */
export interface ModelRef {
  version: string;
  trainedAt: number;
}

/** Ranked services for one client. */
export interface RatingResult {
  /** null when no model exists yet (then `recommendations` is empty). */
  model: ModelRef | null;
  recommendations: ServiceRating[];
}

/** Options of {@link rateClient}. */
export interface RateOptions {
  /** Epoch ms (default now). */
  now?: number;
  /** Most services returned (default: every eligible service). */
  limit?: number;
  /** Only ratings >= this (0–100, default 0). */
  minRating?: number;
  /** Build reasons (default true). */
  reasons?: boolean;
  /** Build reasons for the best this many only (default: all returned). */
  reasonsFor?: number;
  /** Already loaded settings / catalog, to save a D1 round trip on the lead call's hot path. */
  settings?: EffectiveSettings;
  catalog?: ServingCatalog;
  /** The client's need boost (src/usecases/needs/need-rules.ts); `rateClient` computes it from `client.needs`. */
  needBoost?: NeedBoost | null;
}

/** The isolate's first-model attempt in flight, and when the last one ended (attempts are throttled). */
let firstModelAttempt: Promise<void> | null = null;
let lastFirstModelAttemptAt = Number.NEGATIVE_INFINITY;

/**
 * The current model for serving; before any model exists, trains the first one in this request
 * (once per isolate at a time, at most every 30 s). null when there is still none.
 */
export async function currentServingModel(env: Env, now = Date.now()): Promise<ServingModel | null> {
  const state = await getServingModel(env, { now });
  if (state.serving || state.published) return state.serving;
  if (!firstModelAttempt && now - lastFirstModelAttemptAt < MODEL_POINTER_CHECK_MS) return null;
  firstModelAttempt ??= retrainModel(env, { trigger: "serving", requestedBy: "system", now })
    .then((result) => console.log(JSON.stringify({ event: "first_model", ...result })))
    .catch((error) => console.error(JSON.stringify({ event: "first_model_failed", error: errorText(error) })))
    .finally(() => {
      firstModelAttempt = null;
      lastFirstModelAttemptAt = Date.now();
    });
  await firstModelAttempt;
  return (await getServingModel(env, { now, maxAgeMs: 0 })).serving;
}

/**
 * Rates the services for one client under a given model: eligible services only (active, company
 * not paused, in the model, not used, not declined within the service's cool-down), best first.
 */
export function rateWithModel(
  serving: ServingModel,
  client: ClientForScoring,
  catalog: ServingCatalog,
  settings: EffectiveSettings,
  options: Omit<RateOptions, "settings" | "catalog"> = {},
): ServiceRating[] {
  const model = serving.model;
  const n = model.nServices;
  const now = options.now ?? Date.now();
  const eligible = new Uint8Array(n);
  let eligibleCount = 0;
  for (let s = 0; s < n; s++) {
    const entry = catalog.byIndex[s];
    // The model's catalog must still name the same service (indices are never reused; this guards a restored database).
    if (entry?.offerable && entry.code === model.catalog[s].code) {
      eligible[s] = 1;
      eligibleCount++;
    }
  }
  const cells = [...client.cells].sort((a, b) => a.modelIndex - b.modelIndex);
  for (const cell of cells) {
    if (cell.modelIndex >= n || eligible[cell.modelIndex] === 0) continue;
    const blocked =
      cell.value === 1 || now - cell.at < settings.declineCooldownMs(cell.serviceId).value || !(cell.at <= now);
    if (blocked) {
      eligible[cell.modelIndex] = 0;
      eligibleCount--;
    }
  }
  if (eligibleCount === 0) return [];
  const recommendations = scoreClient(
    model,
    {
      profile: profileFromFields(model.space, client.profile),
      interactions: {
        services: cells.map((cell) => cell.modelIndex),
        values: cells.map((cell) => cell.value),
        times: cells.map((cell) => cell.at),
      },
    },
    {
      now,
      eligible,
      limit: Math.min(options.limit ?? eligibleCount, eligibleCount),
      minRating: options.minRating ?? 0,
      // Exclusions were decided above with each service's own cool-down.
      declineCooldownMs: 0,
      reasons: options.reasons ?? true,
      reasonsFor: options.reasonsFor,
      needBoost: options.needBoost ?? null,
      interest: browsingInterest(client.browsing, catalog, n) ?? undefined,
      interestHalfLifeDays: settings.global.interestHalfLifeDays.value,
    },
  );
  const rated: ServiceRating[] = [];
  for (const recommendation of recommendations) {
    const entry = catalog.byIndex[recommendation.service];
    if (!entry) continue;
    rated.push({
      serviceId: entry.serviceId,
      code: entry.code,
      name: entry.name,
      category: entry.category,
      modelIndex: entry.modelIndex,
      company: entry.company,
      rating: recommendation.rating,
      parts: recommendation.parts,
      reasons: recommendation.reasons.map((reason) => ratedReason(reason, catalog)),
    });
  }
  return rated;
}

function ratedReason(reason: Reason, catalog: ServingCatalog): RatedReason {
  const related = reason.relatedService;
  const entry = related ? catalog.byIndex[related.index] : undefined;
  return {
    kind: reason.kind,
    text: reason.text,
    weight: reason.weight,
    relatedService: related ? { code: entry?.code ?? related.code, name: entry?.name ?? related.name } : null,
  };
}

/**
 * Rates the services for one client with the current model, loading the model (or training the
 * first one), the catalog and the settings as needed.
 */
export async function rateClient(env: Env, client: ClientForScoring, options: RateOptions = {}): Promise<RatingResult> {
  const now = options.now ?? Date.now();
  const db = controlDb(env);
  const [serving, catalog, settings, needRules] = await Promise.all([
    currentServingModel(env, now),
    options.catalog ?? loadServingCatalog(db),
    options.settings ?? loadEffectiveSettings(db),
    client.needs?.length ? needRuleIndex(env, now) : null,
  ]);
  if (!serving) return { model: null, recommendations: [] };
  const needBoost =
    options.needBoost ??
    (needRules ? clientNeedBoost(needRules, client.needs ?? [], serving.model.nServices, now) : null);
  return {
    model: { version: serving.model.version, trainedAt: serving.model.trainedAt },
    recommendations: rateWithModel(serving, client, catalog, settings, { ...options, now, needBoost }),
  };
}
