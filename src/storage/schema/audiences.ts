/**
 * Control-database tables of partner audiences and campaigns (docs/privacy.md "Partner audiences",
 * docs/storage.md). No client id is ever stored here: an audience is its canonical filter, and a
 * query keeps only that filter and the true count (for the differencing guard and the budget).
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { companies, services } from "./control";

/**
 * Every audience count a partner asked for, kept GUARD_LOOKBACK_DAYS (90) days: `filter` is the
 * canonical filter (canonical JSON), `true_count` the exact count it had then. `outcome`: answered
 * (a visible count), suppressed (below k: nothing shown), too_close (refused by the guard; kept for
 * the budget only), campaign_check (a new campaign's audience checked against k; nothing shown but
 * whether it is suppressed, so it counts against the budget too).
 */
export const audienceQueries = sqliteTable(
  "audience_queries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    companyId: text("company_id").notNull(),
    filter: text("filter").notNull(),
    trueCount: integer("true_count").notNull(),
    /** True count of the audience's people reachable by the bot (consented to partner offers). */
    trueReachable: integer("true_reachable").notNull(),
    outcome: text("outcome", { enum: ["answered", "suppressed", "too_close", "campaign_check"] }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("audience_queries_company_created_idx").on(t.companyId, t.createdAt)],
);

/**
 * A partner's campaign: an offer text about one of its services, told by the bot to the people of an
 * audience who consented to partner offers, within a schedule and a cap per UTC day.
 */
export const partnerCampaigns = sqliteTable(
  "partner_campaigns",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    /** The partner's service the offer is about (its leads and deals are the campaign's). */
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    /** The partner's own label of the campaign (not shown to people). */
    title: text("title").notNull(),
    text: text("text").notNull(),
    /** Canonical filter of the audience (canonical JSON). */
    audience: text("audience").notNull(),
    channel: text("channel", { enum: ["bot"] }).notNull(),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    dailyCap: integer("daily_cap").notNull(),
    status: text("status", { enum: ["active", "paused"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("partner_campaigns_company_idx").on(t.companyId, t.createdAt),
    index("partner_campaigns_status_idx").on(t.status, t.startsAt),
  ],
);
