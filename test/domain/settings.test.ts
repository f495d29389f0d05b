import { describe, expect, it } from "vitest";
import {
  DEFAULT_EXPLORATION,
  resolveSettings,
  type SettingRow,
  type SettingsCatalog,
  settingEntityId,
  validateSettingChanges,
} from "../../src/domain/settings";
import { DAY_MS, HOUR_MS } from "../../src/domain/time";

const catalog: SettingsCatalog = {
  companies: [
    { id: "co_bank", createdAt: 1 },
    { id: "co_insurer", createdAt: 2 },
    { id: "co_gym", createdAt: 3 },
    { id: "co_other_insurer", createdAt: 4 },
  ],
  services: [
    { id: "svc_mortgage", companyId: "co_bank", category: "loans" },
    { id: "svc_card", companyId: "co_bank", category: "cards" },
    { id: "svc_property", companyId: "co_insurer", category: "insurance" },
    { id: "svc_property2", companyId: "co_other_insurer", category: "insurance" },
    { id: "svc_gym", companyId: "co_gym", category: "fitness" },
  ],
};

function row(scope: string, scopeId: string, key: string, value: unknown): SettingRow {
  return { scope, scopeId, key, value: JSON.stringify(value) };
}

describe("resolveSettings", () => {
  it("falls back to the built-in defaults", () => {
    const settings = resolveSettings([], catalog);
    expect(settings.minRating("svc_mortgage")).toEqual({ value: 70, source: "default" });
    expect(settings.exclusivityWindowMs("svc_mortgage")).toEqual({ value: 720 * HOUR_MS, source: "default" });
    expect(settings.declineCooldownMs("svc_mortgage")).toEqual({ value: 180 * DAY_MS, source: "default" });
    expect(settings.maxLeadsPerRequest("co_bank")).toEqual({ value: 3, source: "default" });
    expect(settings.routing("insurance")).toEqual({
      value: { strategy: "priority", order: ["co_insurer", "co_other_insurer"], weights: null, exploration: null },
      source: "default",
    });
  });

  it("resolves service > company (the service's owner) > global for min_rating and exclusivity", () => {
    const settings = resolveSettings(
      [
        row("global", "", "min_rating", 80),
        row("company", "co_bank", "min_rating", 75),
        row("service", "svc_mortgage", "min_rating", 78.5),
        row("global", "", "exclusivity_window_hours", 48),
        row("company", "co_insurer", "exclusivity_window_hours", 24),
        row("service", "svc_gym", "exclusivity_window_hours", 0),
      ],
      catalog,
    );
    expect(settings.minRating("svc_mortgage")).toEqual({ value: 78.5, source: "service" });
    expect(settings.minRating("svc_card")).toEqual({ value: 75, source: "company" });
    expect(settings.minRating("svc_property")).toEqual({ value: 80, source: "global" });
    expect(settings.exclusivityWindowMs("svc_gym")).toEqual({ value: 0, source: "service" });
    expect(settings.exclusivityWindowMs("svc_property")).toEqual({ value: 24 * HOUR_MS, source: "company" });
    expect(settings.exclusivityWindowMs("svc_mortgage")).toEqual({ value: 48 * HOUR_MS, source: "global" });
  });

  it("resolves decline_cooldown_days from service > global only", () => {
    const settings = resolveSettings(
      [row("global", "", "decline_cooldown_days", 90), row("service", "svc_card", "decline_cooldown_days", 30)],
      catalog,
    );
    expect(settings.declineCooldownMs("svc_card")).toEqual({ value: 30 * DAY_MS, source: "service" });
    expect(settings.declineCooldownMs("svc_mortgage")).toEqual({ value: 90 * DAY_MS, source: "global" });
  });

  it("resolves max_leads_per_request per source company", () => {
    const settings = resolveSettings(
      [row("global", "", "max_leads_per_request", 5), row("company", "co_gym", "max_leads_per_request", 1)],
      catalog,
    );
    expect(settings.maxLeadsPerRequest("co_gym")).toEqual({ value: 1, source: "company" });
    expect(settings.maxLeadsPerRequest("co_bank")).toEqual({ value: 5, source: "global" });
  });

  it("answers global values for ids the catalog does not know", () => {
    const settings = resolveSettings([row("global", "", "min_rating", 65)], catalog);
    expect(settings.minRating("svc_unknown")).toEqual({ value: 65, source: "global" });
    expect(settings.global.minRating).toEqual({ value: 65, source: "global" });
    expect(settings.global.maxLeadsPerRequest).toEqual({ value: 3, source: "default" });
  });

  it("applies priority order first, then the other sellers by creation date", () => {
    const settings = resolveSettings(
      [row("category", "insurance", "routing", { strategy: "priority", order: ["co_other_insurer"] })],
      catalog,
    );
    expect(settings.routing("insurance")).toEqual({
      value: { strategy: "priority", order: ["co_other_insurer", "co_insurer"], weights: null, exploration: null },
      source: "category",
    });
  });

  it("resolves weighted and performance rules", () => {
    const settings = resolveSettings(
      [
        row("category", "insurance", "routing", {
          strategy: "weighted",
          weights: { co_insurer: 3, co_other_insurer: 1 },
        }),
        row("category", "loans", "routing", { strategy: "performance" }),
        row("category", "cards", "routing", { strategy: "performance", exploration: 0.25 }),
      ],
      catalog,
    );
    expect(settings.routing("insurance").value).toEqual({
      strategy: "weighted",
      order: ["co_insurer", "co_other_insurer"],
      weights: { co_insurer: 3, co_other_insurer: 1 },
      exploration: null,
    });
    expect(settings.routing("loans").value.exploration).toBe(DEFAULT_EXPLORATION);
    expect(settings.routing("cards").value.exploration).toBe(0.25);
    expect(settings.routing("unknown-category")).toEqual({
      value: { strategy: "priority", order: [], weights: null, exploration: null },
      source: "default",
    });
  });

  it("skips stored rows that are invalid and reports them", () => {
    const settings = resolveSettings(
      [
        row("service", "svc_card", "max_leads_per_request", 2),
        row("global", "", "min_rating", 150),
        { scope: "global", scopeId: "", key: "exclusivity_window_hours", value: "{not json" },
        row("global", "", "no_such_key", 1),
      ],
      catalog,
    );
    expect(settings.minRating("svc_card")).toEqual({ value: 70, source: "default" });
    expect(settings.ignoredRows.map((ignored) => ignored.row.key)).toEqual([
      "max_leads_per_request",
      "min_rating",
      "exclusivity_window_hours",
      "no_such_key",
    ]);
  });

  it("returns the same frozen object on every lookup (no allocation on the hot path)", () => {
    const settings = resolveSettings([row("service", "svc_gym", "min_rating", 90)], catalog);
    expect(settings.minRating("svc_gym")).toBe(settings.minRating("svc_gym"));
    expect(settings.minRating("svc_card")).toBe(settings.minRating("svc_mortgage"));
    expect(Object.isFrozen(settings.minRating("svc_gym"))).toBe(true);
    expect(Object.isFrozen(settings.routing("insurance").value.order)).toBe(true);
  });
});

describe("validateSettingChanges", () => {
  it("accepts valid changes and normalizes the global scope id", () => {
    const result = validateSettingChanges(
      [
        { scope: "global", key: "min_rating", value: 78 },
        { scope: "company", scope_id: "co_bank", key: "max_leads_per_request", value: 5 },
        { scope: "service", scope_id: "svc_gym", key: "min_rating", value: null },
        {
          scope: "category",
          scope_id: "insurance",
          key: "routing",
          value: { strategy: "priority", order: ["co_insurer"] },
        },
      ],
      catalog,
    );
    expect(result.problems).toEqual([]);
    expect(result.changes).toEqual([
      { scope: "global", scopeId: "", key: "min_rating", value: 78 },
      { scope: "company", scopeId: "co_bank", key: "max_leads_per_request", value: 5 },
      { scope: "service", scopeId: "svc_gym", key: "min_rating", value: null },
      {
        scope: "category",
        scopeId: "insurance",
        key: "routing",
        value: { strategy: "priority", order: ["co_insurer"] },
      },
    ]);
  });

  it("reports every problem with its path", () => {
    const { problems, changes } = validateSettingChanges(
      [
        { scope: "service", scope_id: "svc_gym", key: "max_leads_per_request", value: 2 },
        { scope: "company", key: "min_rating", value: 50 },
        { scope: "global", scope_id: "co_bank", key: "min_rating", value: 50 },
        { scope: "company", scope_id: "co_missing", key: "min_rating", value: 50 },
        { scope: "service", scope_id: "svc_missing", key: "min_rating", value: 50 },
        { scope: "category", scope_id: "pets", key: "routing", value: { strategy: "priority" } },
        { scope: "global", key: "min_rating", value: 101 },
        { scope: "global", key: "max_leads_per_request", value: 2.5 },
        { scope: "global", key: "exclusivity_window_hours", value: null },
        { scope: "global", key: "decline_cooldown_days" },
        { scope: "category", scope_id: "loans", key: "routing", value: { strategy: "weighted" } },
        {
          scope: "category",
          scope_id: "cards",
          key: "routing",
          value: { strategy: "priority", order: ["co_bank", "co_ghost"], exploration: 0.2 },
        },
        {
          scope: "category",
          scope_id: "fitness",
          key: "routing",
          value: { strategy: "weighted", weights: { co_ghost: 1 } },
        },
        { scope: "service", scope_id: "svc_gym", key: "decline_cooldown_days", value: 400 },
      ],
      catalog,
    );
    expect(changes).toEqual([]);
    expect(problems.map((p) => [p.path.join("."), p.message])).toEqual([
      ["changes.0.scope", "max_leads_per_request can be set at global / company scope, not service"],
      ["changes.1.scope_id", "A company setting needs scope_id"],
      ["changes.2.scope_id", "A global setting takes no scope_id"],
      ["changes.3.scope_id", "Unknown company co_missing"],
      ["changes.4.scope_id", "Unknown service svc_missing"],
      ["changes.5.scope_id", "Unknown category pets (no service has it)"],
      ["changes.6.value", expect.stringMatching(/100/)],
      ["changes.7.value", expect.stringMatching(/int/i)],
      ["changes.8.value", "A global value cannot be deleted; set another value instead"],
      ["changes.9.value", "value is required (null deletes an override)"],
      ["changes.10.value.weights", "The weighted strategy needs at least one weight"],
      ["changes.11.value.exploration", "`exploration` applies to the performance strategy only"],
      ["changes.12.value.weights.co_ghost", "Unknown company co_ghost"],
      ["changes.13.value", expect.stringMatching(/365/)],
    ]);
  });

  it("refuses unknown routing fields and companies listed twice", () => {
    const { problems } = validateSettingChanges(
      [
        {
          scope: "category",
          scope_id: "loans",
          key: "routing",
          value: { strategy: "priority", order: ["co_bank", "co_bank"] },
        },
        { scope: "category", scope_id: "cards", key: "routing", value: { strategy: "round_robin" } },
        { scope: "category", scope_id: "fitness", key: "routing", value: { strategy: "priority", caps: 1 } },
        {
          scope: "category",
          scope_id: "insurance",
          key: "routing",
          value: { strategy: "priority", order: ["co_ghost"] },
        },
      ],
      catalog,
    );
    expect(problems.map((p) => p.path.join("."))).toEqual([
      "changes.0.value.order.1",
      "changes.1.value.strategy",
      "changes.2.value",
      "changes.3.value.order.0",
    ]);
  });

  it("refuses the same setting twice in one batch", () => {
    const { problems } = validateSettingChanges(
      [
        { scope: "global", key: "min_rating", value: 70 },
        { scope: "global", key: "min_rating", value: 72 },
      ],
      catalog,
    );
    expect(problems).toEqual([{ path: ["changes", "1"], message: expect.stringMatching(/changed twice/) }]);
  });
});

describe("settingEntityId", () => {
  it("names global and scoped settings", () => {
    expect(settingEntityId("global", "", "min_rating")).toBe("global:min_rating");
    expect(settingEntityId("service", "svc_a", "min_rating")).toBe("service:svc_a:min_rating");
  });
});
