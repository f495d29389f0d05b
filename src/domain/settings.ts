/**
 * Settings of the lead flow: what can be set, at which scope, with which values, and how the
 * effective value of each is resolved (service > company > global > built-in default).
 *
 * Stored rows live in the `settings` table as JSON values; this module validates admin changes
 * before they are written and turns the stored rows into an `EffectiveSettings` resolver that the
 * lead flow queries on its hot path (every lookup is one `Map.get`, no allocation).
 *
 * Pure TypeScript: no I/O, runs in Workers and in Node.
 */
import { z } from "zod";
import { DEFAULT_DAILY_AUDIENCE_QUERIES, DEFAULT_MIN_GROUP, MIN_GROUP_FLOOR } from "./audiences/disclosure";
import { DEFAULT_INTEREST_HALF_LIFE_DAYS } from "./recommender/interest";
import { DEFAULT_EXPLORATION, ROUTING_STRATEGIES, type RoutingStrategy } from "./routing";
import { DAY_MS, HOUR_MS } from "./time";

export const SETTING_SCOPES = ["global", "company", "service", "category"] as const;
export type SettingScope = (typeof SETTING_SCOPES)[number];

export const SETTING_KEYS = [
  "min_rating",
  "max_leads_per_request",
  "exclusivity_window_hours",
  "decline_cooldown_days",
  "routing",
  "audience_min_group",
  "audience_daily_queries",
  "interest_half_life_days",
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

// Defined beside the routing strategies (routing.ts) so the two modules do not import each other.
export { DEFAULT_EXPLORATION, ROUTING_STRATEGIES, type RoutingStrategy };

/** Longest `exclusivity_window_hours`: how far back a client's earlier leads can block a new one. */
export const MAX_EXCLUSIVITY_WINDOW_HOURS = 2160;
export const MAX_EXCLUSIVITY_WINDOW_MS = MAX_EXCLUSIVITY_WINDOW_HOURS * HOUR_MS;

const MAX_ROUTING_COMPANIES = 200;

/**
 * Competition resolution rule of one category. `order` (priority) ranks company ids; `weights`
 * (weighted) gives each company id a relative share; `exploration` (performance) is the share of
 * leads sent to a random eligible company instead of the best measured converter.
 */
export const routingRuleSchema = z
  .strictObject({
    strategy: z.enum(ROUTING_STRATEGIES).describe("How competing companies of the category are chosen"),
    order: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(MAX_ROUTING_COMPANIES)
      .optional()
      .describe("priority only: company ids, first wins; unlisted companies follow by creation date"),
    weights: z
      .record(z.string().min(1).max(64), z.number().positive().max(1_000_000))
      .optional()
      .describe("weighted only: company id → relative weight (> 0); required for the weighted strategy"),
    exploration: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(`performance only: exploration share 0..1 (default ${DEFAULT_EXPLORATION})`),
  })
  .superRefine((rule, ctx) => {
    if (rule.order !== undefined && rule.strategy !== "priority") {
      ctx.addIssue({ code: "custom", path: ["order"], message: "`order` applies to the priority strategy only" });
    }
    if (rule.weights !== undefined && rule.strategy !== "weighted") {
      ctx.addIssue({ code: "custom", path: ["weights"], message: "`weights` applies to the weighted strategy only" });
    }
    if (rule.exploration !== undefined && rule.strategy !== "performance") {
      ctx.addIssue({
        code: "custom",
        path: ["exploration"],
        message: "`exploration` applies to the performance strategy only",
      });
    }
    if (rule.strategy === "weighted") {
      const count = rule.weights ? Object.keys(rule.weights).length : 0;
      if (count === 0) {
        ctx.addIssue({ code: "custom", path: ["weights"], message: "The weighted strategy needs at least one weight" });
      } else if (count > MAX_ROUTING_COMPANIES) {
        ctx.addIssue({ code: "custom", path: ["weights"], message: `At most ${MAX_ROUTING_COMPANIES} weights` });
      }
    }
    if (rule.order) {
      const seen = new Set<string>();
      rule.order.forEach((id, i) => {
        if (seen.has(id))
          ctx.addIssue({ code: "custom", path: ["order", i], message: `Company ${id} is listed twice` });
        seen.add(id);
      });
    }
  });

export type RoutingRule = z.infer<typeof routingRuleSchema>;

interface SettingDefinition<T> {
  /** Scopes at which the setting may be stored, most specific last. */
  scopes: readonly SettingScope[];
  schema: z.ZodType<T>;
  /** Built-in value used when no global row is stored. */
  defaultValue: T;
  description: string;
}

/** Every setting, its scopes, value rule and built-in default. */
export const SETTING_DEFINITIONS: {
  min_rating: SettingDefinition<number>;
  max_leads_per_request: SettingDefinition<number>;
  exclusivity_window_hours: SettingDefinition<number>;
  decline_cooldown_days: SettingDefinition<number>;
  routing: SettingDefinition<RoutingRule>;
  audience_min_group: SettingDefinition<number>;
  audience_daily_queries: SettingDefinition<number>;
  interest_half_life_days: SettingDefinition<number>;
} = {
  min_rating: {
    scopes: ["global", "company", "service"],
    schema: z.number().min(0).max(100),
    defaultValue: 70,
    description:
      "Threshold: minimum rating (0..100) for a lead. A company value applies to the services it sells; " +
      "a service value wins over both.",
  },
  max_leads_per_request: {
    scopes: ["global", "company"],
    schema: z.int().min(1).max(20),
    defaultValue: 3,
    description: "Most leads (1..20) one CRM call may create; a company value applies to that source company.",
  },
  exclusivity_window_hours: {
    scopes: ["global", "company", "service"],
    schema: z.int().min(0).max(MAX_EXCLUSIVITY_WINDOW_HOURS),
    defaultValue: 720,
    description: `Hours (0..${MAX_EXCLUSIVITY_WINDOW_HOURS}) during which no second lead is created for the same client and service.`,
  },
  decline_cooldown_days: {
    scopes: ["global", "service"],
    schema: z.int().min(0).max(365),
    defaultValue: 180,
    description: "Days (0..365) after a client declined a service during which it is not recommended again.",
  },
  routing: {
    scopes: ["category"],
    schema: routingRuleSchema,
    defaultValue: { strategy: "priority" },
    description:
      "Competition resolution per category (scope_id = category): priority (order), weighted (weights) or " +
      "performance (exploration). Default: priority by company creation date.",
  },
  audience_min_group: {
    scopes: ["global"],
    schema: z.int().min(MIN_GROUP_FLOOR).max(1_000_000),
    defaultValue: DEFAULT_MIN_GROUP,
    description:
      `k of the partner audience counts: smaller audiences are suppressed and two of a partner's audiences ` +
      `must differ by at least k clients (never below ${MIN_GROUP_FLOOR}; docs/privacy.md).`,
  },
  audience_daily_queries: {
    scopes: ["global", "company"],
    schema: z.int().min(1).max(10_000),
    defaultValue: DEFAULT_DAILY_AUDIENCE_QUERIES,
    description: "Audience count queries (1..10000) a partner may make per UTC day; a company value applies to it.",
  },
  interest_half_life_days: {
    scopes: ["global"],
    schema: z.number().min(1).max(365),
    defaultValue: DEFAULT_INTEREST_HALF_LIFE_DAYS,
    description:
      "Days (1..365) after which a day's website browsing counts half as much in the recommender's interest part.",
  },
};

/** A stored settings row; `value` is the JSON text of the `settings.value` column. */
export interface SettingRow {
  scope: string;
  scopeId: string;
  key: string;
  value: string;
}

/** The part of the catalog that scopes refer to. Extra fields are ignored. */
export interface SettingsCatalog {
  companies: ReadonlyArray<{ id: string; createdAt: number }>;
  services: ReadonlyArray<{ id: string; companyId: string; category: string }>;
}

/** Where an effective value comes from. */
export type SettingSource = "service" | "company" | "category" | "global" | "default";

export interface Resolved<T> {
  readonly value: T;
  readonly source: SettingSource;
}

/** The routing rule of a category as the lead flow applies it. */
export interface ResolvedRouting {
  readonly strategy: RoutingStrategy;
  /**
   * Every company selling in the category, ranked: the configured `order` first (priority), then
   * the others by creation date. Weighted and performance routing use it to break ties.
   */
  readonly order: readonly string[];
  /** weighted: company id → relative weight; null for the other strategies. */
  readonly weights: Readonly<Record<string, number>> | null;
  /** performance: exploration share; null for the other strategies. */
  readonly exploration: number | null;
}

/** Effective settings, resolved once from stored rows and the catalog; every lookup is O(1). */
export interface EffectiveSettings {
  /** Threshold for leads of a service (service > its company > global > default). */
  minRating(serviceId: string): Resolved<number>;
  /** Exclusivity window of a service in milliseconds (service > its company > global > default). */
  exclusivityWindowMs(serviceId: string): Resolved<number>;
  /** Decline cool-down of a service in milliseconds (service > global > default). */
  declineCooldownMs(serviceId: string): Resolved<number>;
  /** Most leads one request of this source company may create (company > global > default). */
  maxLeadsPerRequest(sourceCompanyId: string): Resolved<number>;
  /** Routing rule of a category (category > default). */
  routing(category: string): Resolved<ResolvedRouting>;
  /** k of partner audience counts (global > default; never below MIN_GROUP_FLOOR). */
  readonly audienceMinGroup: Resolved<number>;
  /** Audience count queries a partner may make per UTC day (company > global > default). */
  audienceDailyQueries(companyId: string): Resolved<number>;
  /**
   * The platform-wide values (global > default): what a service, company or category without any
   * override gets. Lookups for an id the catalog does not know also answer these.
   */
  readonly global: {
    readonly minRating: Resolved<number>;
    readonly exclusivityWindowMs: Resolved<number>;
    readonly declineCooldownMs: Resolved<number>;
    readonly maxLeadsPerRequest: Resolved<number>;
    /** Half-life of website browsing in days (global > default). */
    readonly interestHalfLifeDays: Resolved<number>;
  };
  /** Stored rows that were skipped because they no longer pass validation (never expected). */
  readonly ignoredRows: ReadonlyArray<{ row: SettingRow; reason: string }>;
}

/**
 * Builds the resolver. Cost is linear in rows + services + companies; afterwards each lookup is a
 * single map access returning a pre-built frozen object.
 */
export function resolveSettings(rows: ReadonlyArray<SettingRow>, catalog: SettingsCatalog): EffectiveSettings {
  const ignoredRows: Array<{ row: SettingRow; reason: string }> = [];
  // key -> scope -> scopeId -> parsed value
  const stored = new Map<string, Map<string, Map<string, unknown>>>();
  for (const row of rows) {
    const definition = (SETTING_DEFINITIONS as Record<string, SettingDefinition<unknown>>)[row.key];
    if (!definition) {
      ignoredRows.push({ row, reason: `unknown key ${row.key}` });
      continue;
    }
    if (!definition.scopes.includes(row.scope as SettingScope)) {
      ignoredRows.push({ row, reason: `${row.key} cannot be set at ${row.scope} scope` });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.value);
    } catch {
      ignoredRows.push({ row, reason: "value is not JSON" });
      continue;
    }
    const checked = definition.schema.safeParse(parsed);
    if (!checked.success) {
      ignoredRows.push({ row, reason: checked.error.issues[0]?.message ?? "invalid value" });
      continue;
    }
    let byScope = stored.get(row.key);
    if (!byScope) {
      byScope = new Map();
      stored.set(row.key, byScope);
    }
    let byId = byScope.get(row.scope);
    if (!byId) {
      byId = new Map();
      byScope.set(row.scope, byId);
    }
    byId.set(row.scope === "global" ? "" : row.scopeId, checked.data);
  }

  const lookup = (key: SettingKey, scope: SettingScope, id: string): unknown =>
    stored
      .get(key)
      ?.get(scope)
      ?.get(scope === "global" ? "" : id);

  const globalOf = <T>(key: SettingKey, toValue: (raw: T) => number): Resolved<number> => {
    const raw = lookup(key, "global", "") as T | undefined;
    const definition = SETTING_DEFINITIONS[key] as SettingDefinition<T>;
    return Object.freeze(
      raw === undefined
        ? { value: toValue(definition.defaultValue), source: "default" as const }
        : { value: toValue(raw), source: "global" as const },
    );
  };

  /** Per-service resolution for a numeric key, following the key's allowed scopes. */
  const perService = (key: SettingKey, toValue: (raw: number) => number) => {
    const fallback = globalOf<number>(key, toValue);
    const scopes = SETTING_DEFINITIONS[key].scopes;
    const companyValues = new Map<string, Resolved<number>>();
    if (scopes.includes("company")) {
      for (const [companyId, raw] of stored.get(key)?.get("company") ?? []) {
        companyValues.set(companyId, Object.freeze({ value: toValue(raw as number), source: "company" as const }));
      }
    }
    const byService = new Map<string, Resolved<number>>();
    for (const service of catalog.services) {
      const own = scopes.includes("service") ? (lookup(key, "service", service.id) as number | undefined) : undefined;
      byService.set(
        service.id,
        own !== undefined
          ? Object.freeze({ value: toValue(own), source: "service" as const })
          : (companyValues.get(service.companyId) ?? fallback),
      );
    }
    return { byService, fallback };
  };

  const minRating = perService("min_rating", (v) => v);
  const exclusivity = perService("exclusivity_window_hours", (v) => v * HOUR_MS);
  const cooldown = perService("decline_cooldown_days", (v) => v * DAY_MS);

  const maxLeadsFallback = globalOf<number>("max_leads_per_request", (v) => v);
  const maxLeadsByCompany = new Map<string, Resolved<number>>();
  for (const [companyId, raw] of stored.get("max_leads_per_request")?.get("company") ?? []) {
    maxLeadsByCompany.set(companyId, Object.freeze({ value: raw as number, source: "company" as const }));
  }

  const audienceMinGroup = globalOf<number>("audience_min_group", (v) => Math.max(MIN_GROUP_FLOOR, v));
  const audienceQueriesFallback = globalOf<number>("audience_daily_queries", (v) => v);
  const audienceQueriesByCompany = new Map<string, Resolved<number>>();
  for (const [companyId, raw] of stored.get("audience_daily_queries")?.get("company") ?? []) {
    audienceQueriesByCompany.set(companyId, Object.freeze({ value: raw as number, source: "company" as const }));
  }

  const routingByCategory = buildRouting(catalog, stored.get("routing")?.get("category") ?? new Map());
  const emptyRouting: Resolved<ResolvedRouting> = Object.freeze({
    value: Object.freeze({ strategy: "priority" as const, order: Object.freeze([]), weights: null, exploration: null }),
    source: "default" as const,
  });

  return {
    minRating: (serviceId) => minRating.byService.get(serviceId) ?? minRating.fallback,
    exclusivityWindowMs: (serviceId) => exclusivity.byService.get(serviceId) ?? exclusivity.fallback,
    declineCooldownMs: (serviceId) => cooldown.byService.get(serviceId) ?? cooldown.fallback,
    maxLeadsPerRequest: (companyId) => maxLeadsByCompany.get(companyId) ?? maxLeadsFallback,
    routing: (category) => routingByCategory.get(category) ?? emptyRouting,
    audienceMinGroup,
    audienceDailyQueries: (companyId) => audienceQueriesByCompany.get(companyId) ?? audienceQueriesFallback,
    global: Object.freeze({
      minRating: minRating.fallback,
      exclusivityWindowMs: exclusivity.fallback,
      declineCooldownMs: cooldown.fallback,
      maxLeadsPerRequest: maxLeadsFallback,
      interestHalfLifeDays: globalOf<number>("interest_half_life_days", (v) => v),
    }),
    ignoredRows,
  };
}

function buildRouting(catalog: SettingsCatalog, rules: Map<string, unknown>): Map<string, Resolved<ResolvedRouting>> {
  const createdAt = new Map<string, number>();
  for (const company of catalog.companies) createdAt.set(company.id, company.createdAt);
  const byCreation = (a: string, b: string) =>
    (createdAt.get(a) ?? Number.MAX_SAFE_INTEGER) - (createdAt.get(b) ?? Number.MAX_SAFE_INTEGER) ||
    (a < b ? -1 : a > b ? 1 : 0);

  const companiesByCategory = new Map<string, Set<string>>();
  for (const service of catalog.services) {
    let set = companiesByCategory.get(service.category);
    if (!set) {
      set = new Set();
      companiesByCategory.set(service.category, set);
    }
    set.add(service.companyId);
  }
  const categories = new Set([...companiesByCategory.keys(), ...rules.keys()]);

  const out = new Map<string, Resolved<ResolvedRouting>>();
  for (const category of categories) {
    const sellers = [...(companiesByCategory.get(category) ?? [])].sort(byCreation);
    const rule = rules.get(category) as RoutingRule | undefined;
    const strategy = rule?.strategy ?? "priority";
    let order = sellers;
    if (rule?.order) {
      const listed = rule.order.filter((id) => createdAt.has(id));
      const listedSet = new Set(listed);
      order = [...listed, ...sellers.filter((id) => !listedSet.has(id))];
    }
    out.set(
      category,
      Object.freeze({
        value: Object.freeze({
          strategy,
          order: Object.freeze(order),
          weights: strategy === "weighted" ? Object.freeze({ ...(rule?.weights ?? {}) }) : null,
          exploration: strategy === "performance" ? (rule?.exploration ?? DEFAULT_EXPLORATION) : null,
        }),
        source: rule ? ("category" as const) : ("default" as const),
      }),
    );
  }
  return out;
}

/** One requested change, as received (after the shape check of the request body). */
export interface SettingChangeInput {
  scope: SettingScope;
  scope_id?: string;
  key: SettingKey;
  /** The new value; null deletes the override. `undefined` (missing) is refused. */
  value?: unknown;
}

/** A validated change: `scopeId` is "" for global; `value` null deletes the row. */
export interface SettingChange {
  scope: SettingScope;
  scopeId: string;
  key: SettingKey;
  value: unknown | null;
}

export interface SettingChangeProblem {
  message: string;
  /** Path inside the request body, e.g. ["changes", "2", "value", "order", "0"]. */
  path: string[];
}

/**
 * Validates a batch of changes against the definitions and the catalog: key vs scope, scope id
 * presence and existence, value rules, routing company ids, duplicates, and that global values
 * are only replaced, never deleted. Every problem is reported; on any problem nothing may be
 * written.
 */
export function validateSettingChanges(
  inputs: ReadonlyArray<SettingChangeInput>,
  catalog: SettingsCatalog,
): { changes: SettingChange[]; problems: SettingChangeProblem[] } {
  const companyIds = new Set(catalog.companies.map((c) => c.id));
  const serviceIds = new Set(catalog.services.map((s) => s.id));
  const categories = new Set(catalog.services.map((s) => s.category));
  const problems: SettingChangeProblem[] = [];
  const changes: SettingChange[] = [];
  const seen = new Set<string>();

  inputs.forEach((input, index) => {
    const at = (...rest: Array<string | number>) => ["changes", String(index), ...rest.map(String)];
    const before = problems.length;
    const definition = (SETTING_DEFINITIONS as Record<string, SettingDefinition<unknown>>)[input.key];
    if (!definition) {
      problems.push({ message: `Unknown setting ${input.key}`, path: at("key") });
      return;
    }
    if (!definition.scopes.includes(input.scope)) {
      problems.push({
        message: `${input.key} can be set at ${definition.scopes.join(" / ")} scope, not ${input.scope}`,
        path: at("scope"),
      });
      return;
    }
    const scopeId = input.scope_id ?? "";
    if (input.scope === "global") {
      if (scopeId !== "") problems.push({ message: "A global setting takes no scope_id", path: at("scope_id") });
    } else if (scopeId === "") {
      problems.push({ message: `A ${input.scope} setting needs scope_id`, path: at("scope_id") });
    } else if (input.scope === "company" && !companyIds.has(scopeId)) {
      problems.push({ message: `Unknown company ${scopeId}`, path: at("scope_id") });
    } else if (input.scope === "service" && !serviceIds.has(scopeId)) {
      problems.push({ message: `Unknown service ${scopeId}`, path: at("scope_id") });
    } else if (input.scope === "category" && !categories.has(scopeId)) {
      problems.push({ message: `Unknown category ${scopeId} (no service has it)`, path: at("scope_id") });
    }

    let value: unknown = null;
    if (input.value === undefined) {
      problems.push({ message: "value is required (null deletes an override)", path: at("value") });
    } else if (input.value === null) {
      if (input.scope === "global") {
        problems.push({
          message: "A global value cannot be deleted; set another value instead",
          path: at("value"),
        });
      }
    } else {
      const checked = definition.schema.safeParse(input.value);
      if (!checked.success) {
        for (const issue of checked.error.issues) {
          problems.push({ message: issue.message, path: at("value", ...issue.path.map(String)) });
        }
      } else {
        value = checked.data;
        if (input.key === "routing") {
          const rule = value as RoutingRule;
          rule.order?.forEach((id, i) => {
            if (!companyIds.has(id)) problems.push({ message: `Unknown company ${id}`, path: at("value", "order", i) });
          });
          for (const id of Object.keys(rule.weights ?? {})) {
            if (!companyIds.has(id))
              problems.push({ message: `Unknown company ${id}`, path: at("value", "weights", id) });
          }
        }
      }
    }

    const identity = `${input.scope}\u0000${scopeId}\u0000${input.key}`;
    if (seen.has(identity)) {
      problems.push({
        message: `${input.key} (${input.scope === "global" ? "global" : `${input.scope} ${scopeId}`}) is changed twice in this request`,
        path: at(),
      });
    }
    seen.add(identity);
    if (problems.length === before) changes.push({ scope: input.scope, scopeId, key: input.key, value });
  });

  return { changes, problems };
}

/** Stable, human-readable audit entity id of a setting: `global:min_rating`, `service:svc_…:min_rating`. */
export function settingEntityId(scope: SettingScope, scopeId: string, key: SettingKey): string {
  return scope === "global" ? `global:${key}` : `${scope}:${scopeId}:${key}`;
}
