/**
 * The admin view of settings: definitions, stored overrides per scope and the effective value of
 * every setting for every service, company and category, each with its source.
 */

import { z } from "zod";
import {
  type Resolved,
  ROUTING_STRATEGIES,
  resolveSettings,
  SETTING_DEFINITIONS,
  SETTING_KEYS,
  SETTING_SCOPES,
} from "../../../../domain/settings";
import { DAY_MS, HOUR_MS, iso } from "../../../../domain/time";
import type { SettingsSnapshot } from "../../../../usecases/admin/settings";

const SOURCES = ["service", "company", "category", "global", "default"] as const;

const ResolvedNumberSchema = z
  .object({
    value: z.number(),
    source: z.enum(SOURCES).describe("Where the value comes from: service > company > global > default"),
  })
  .meta({ id: "ResolvedSetting" });

const ResolvedRoutingSchema = z
  .object({
    value: z.object({
      strategy: z.enum(ROUTING_STRATEGIES),
      order: z.array(z.string()).describe("Companies selling in the category, ranked (configured order first)"),
      weights: z.record(z.string(), z.number()).nullable().describe("weighted: company id → weight"),
      exploration: z.number().nullable().describe("performance: exploration share"),
    }),
    source: z.enum(SOURCES).describe("`category` when a rule is stored, else `default`"),
  })
  .meta({ id: "ResolvedRouting" });

export const SettingsViewSchema = z
  .object({
    definitions: z.array(
      z.object({
        key: z.enum(SETTING_KEYS),
        scopes: z.array(z.enum(SETTING_SCOPES)),
        default: z.unknown(),
        description: z.string(),
      }),
    ),
    stored: z
      .array(
        z.object({
          scope: z.enum(SETTING_SCOPES),
          scope_id: z.string().nullable().describe("null for global"),
          key: z.string(),
          value: z.unknown(),
          updated_at: z.iso.datetime(),
          updated_by: z.string().describe("Key id of the admin who set it"),
        }),
      )
      .describe("Every stored value, by scope"),
    effective: z.object({
      global: z.object({
        min_rating: ResolvedNumberSchema,
        max_leads_per_request: ResolvedNumberSchema,
        exclusivity_window_hours: ResolvedNumberSchema,
        decline_cooldown_days: ResolvedNumberSchema,
        interest_half_life_days: ResolvedNumberSchema,
      }),
      services: z.array(
        z.object({
          service_id: z.string(),
          code: z.string(),
          company_id: z.string(),
          min_rating: ResolvedNumberSchema,
          exclusivity_window_hours: ResolvedNumberSchema,
          decline_cooldown_days: ResolvedNumberSchema,
        }),
      ),
      companies: z.array(
        z.object({ company_id: z.string(), name: z.string(), max_leads_per_request: ResolvedNumberSchema }),
      ),
      categories: z.array(z.object({ category: z.string(), routing: ResolvedRoutingSchema })),
    }),
    invalid_stored: z
      .array(z.object({ scope: z.string(), scope_id: z.string().nullable(), key: z.string(), reason: z.string() }))
      .describe("Stored values ignored because they no longer pass validation (normally empty)"),
  })
  .meta({ id: "Settings" });

export type SettingsView = z.infer<typeof SettingsViewSchema>;

/** A stored JSON value; text that is not JSON (never written by this API) is shown as is. */
function parseStoredValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function scaled(resolved: Resolved<number>, unitMs: number) {
  return { value: resolved.value / unitMs, source: resolved.source };
}

export function settingsView(snapshot: SettingsSnapshot): SettingsView {
  const { rows, catalog } = snapshot;
  const effective = resolveSettings(rows, catalog);
  const categories = [
    ...new Set([
      ...catalog.services.map((service) => service.category),
      ...rows.filter((row) => row.scope === "category").map((row) => row.scopeId),
    ]),
  ].sort();

  return {
    definitions: SETTING_KEYS.map((key) => ({
      key,
      scopes: [...SETTING_DEFINITIONS[key].scopes],
      default: SETTING_DEFINITIONS[key].defaultValue,
      description: SETTING_DEFINITIONS[key].description,
    })),
    stored: rows.map((row) => ({
      scope: row.scope,
      scope_id: row.scope === "global" ? null : row.scopeId,
      key: row.key,
      value: parseStoredValue(row.value),
      updated_at: iso(row.updatedAt),
      updated_by: row.updatedBy,
    })),
    effective: {
      global: {
        min_rating: { ...effective.global.minRating },
        max_leads_per_request: { ...effective.global.maxLeadsPerRequest },
        exclusivity_window_hours: scaled(effective.global.exclusivityWindowMs, HOUR_MS),
        decline_cooldown_days: scaled(effective.global.declineCooldownMs, DAY_MS),
        interest_half_life_days: { ...effective.global.interestHalfLifeDays },
      },
      services: catalog.services.map((service) => ({
        service_id: service.id,
        code: service.code,
        company_id: service.companyId,
        min_rating: { ...effective.minRating(service.id) },
        exclusivity_window_hours: scaled(effective.exclusivityWindowMs(service.id), HOUR_MS),
        decline_cooldown_days: scaled(effective.declineCooldownMs(service.id), DAY_MS),
      })),
      companies: catalog.companies.map((company) => ({
        company_id: company.id,
        name: company.name,
        max_leads_per_request: { ...effective.maxLeadsPerRequest(company.id) },
      })),
      categories: categories.map((category) => {
        const routing = effective.routing(category);
        return {
          category,
          routing: {
            value: {
              strategy: routing.value.strategy,
              order: [...routing.value.order],
              weights: routing.value.weights ? { ...routing.value.weights } : null,
              exploration: routing.value.exploration,
            },
            source: routing.source,
          },
        };
      }),
    },
    invalid_stored: effective.ignoredRows.map(({ row, reason }) => ({
      scope: row.scope,
      scope_id: row.scope === "global" ? null : row.scopeId,
      key: row.key,
      reason,
    })),
  };
}
