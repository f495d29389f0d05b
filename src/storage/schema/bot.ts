/**
 * D1 tables of the Telegram bot for end clients (docs/bot.md, docs/storage.md), part of the control
 * database (re-exported by `../schema.ts`).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { companies, services } from "./control";

const timestamps = {
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
};

// ---------------------------------------------------------------------------------------------

/**
 * Every Telegram `update_id` the webhook accepted, recorded before the update is handled: a
 * re-sent update hits the primary key and has no second effect. Nothing else of the update is kept.
 */
export const botUpdates = sqliteTable(
  "bot_updates",
  {
    updateId: integer("update_id").primaryKey(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("bot_updates_received_idx").on(t.receivedAt)],
);

/**
 * A person who agreed to the bot's notice. Created only by "I agree"; deleted on withdrawal. The
 * Telegram user id is held only as a keyed hash (lookup) and the chat id only AES-GCM encrypted
 * (sending); the survey answers are the cold-start profile.
 */
export const botPersons = sqliteTable(
  "bot_persons",
  {
    id: text("id").primaryKey(),
    /** HMAC-SHA-256 (hex) of the Telegram user id under a key derived from PSEUDONYM_KEY. */
    telegramHash: text("telegram_hash").notNull(),
    /** AES-GCM (BOT_ENCRYPTION_KEY) of the chat id: base64url of iv ‖ ciphertext. */
    chatCipher: text("chat_cipher").notNull(),
    /** The company whose QR code (or CRM link) brought the person in. */
    entryCompanyId: text("entry_company_id")
      .notNull()
      .references(() => companies.id),
    campaign: text("campaign"),
    /** The pseudonymous client the person is (a CRM client after a bot link, else one of its own). */
    clientId: text("client_id"),
    /** Conversation step: survey_age → survey_needs → ready. */
    step: text("step", { enum: ["survey_age", "survey_needs", "ready"] }).notNull(),
    ageBand: text("age_band"),
    /** JSON array of needs tags chosen in the survey. */
    needs: text("needs").notNull().default("[]"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("bot_persons_telegram_unique").on(t.telegramHash),
    index("bot_persons_client_idx").on(t.clientId),
  ],
);

/**
 * Consent records: what was agreed to (purpose, notice version and hash), through which channel
 * and entry, when, and when it was withdrawn. Kept after withdrawal as the record of the consent;
 * `person_id` then names no stored person.
 */
export const botConsents = sqliteTable(
  "bot_consents",
  {
    id: text("id").primaryKey(),
    personId: text("person_id").notNull(),
    purpose: text("purpose").notNull(),
    noticeVersion: text("notice_version").notNull(),
    /** SHA-256 (hex) of the notice text the person was shown. */
    noticeHash: text("notice_hash").notNull(),
    channel: text("channel", { enum: ["telegram"] }).notNull(),
    entryPayload: text("entry_payload").notNull(),
    grantedAt: integer("granted_at").notNull(),
    withdrawnAt: integer("withdrawn_at"),
  },
  (t) => [index("bot_consents_person_idx").on(t.personId)],
);

/** Append-only history of every consent: granted, withdrawn. */
export const botConsentEvents = sqliteTable(
  "bot_consent_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    consentId: text("consent_id").notNull(),
    event: text("event", { enum: ["granted", "withdrawn"] }).notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("bot_consent_events_consent_idx").on(t.consentId, t.at)],
);

/** One-time deep links a CRM asked for (`POST /v1/clients/{external_id}/bot-link`). */
export const botLinks = sqliteTable(
  "bot_links",
  {
    /** SHA-256 (hex) of the link token; the token itself is only in the deep link. */
    tokenHash: text("token_hash").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    clientId: text("client_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("bot_links_expires_idx").on(t.expiresAt)],
);

/** Offer texts per service and locale, edited by admins (Russian first). */
export const botOfferTexts = sqliteTable(
  "bot_offer_texts",
  {
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    locale: text("locale").notNull(),
    text: text("text").notNull(),
    updatedAt: integer("updated_at").notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.locale] })],
);

/** Offers the bot sent and what the person answered; `person_id` is nulled on withdrawal. */
export const botOffers = sqliteTable(
  "bot_offers",
  {
    id: text("id").primaryKey(),
    personId: text("person_id"),
    /** The entry company, kept for the aggregate funnel after the person is gone. */
    entryCompanyId: text("entry_company_id").notNull(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    companyId: text("company_id").notNull(),
    sentAt: integer("sent_at").notNull(),
    response: text("response", { enum: ["interested", "declined"] }),
    respondedAt: integer("responded_at"),
    leadId: text("lead_id"),
    /** When the bot learnt that the lead's deal was accepted (its `deal_accepted` points were earned then). */
    acceptedAt: integer("accepted_at"),
    /** The partner campaign the offer was sent for (`partner_campaigns`); null for the bot's own offers. */
    campaignId: text("campaign_id"),
  },
  (t) => [
    index("bot_offers_campaign_idx").on(t.campaignId, t.sentAt),
    index("bot_offers_person_idx").on(t.personId, t.sentAt),
    index("bot_offers_entry_idx").on(t.entryCompanyId),
    index("bot_offers_lead_idx").on(t.leadId),
  ],
);

/** Aggregate funnel counters per entry company (no person); deals are counted from the bot's leads on read. */
export const botFunnel = sqliteTable(
  "bot_funnel",
  {
    companyId: text("company_id").notNull(),
    stage: text("stage", {
      enum: ["entered", "consented", "surveyed", "offered", "interested", "withdrawn"],
    }).notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.stage] })],
);

/** Points a person earns per event, set by admins; no row (or inactive) = the event earns nothing. */
export const loyaltyEarnRules = sqliteTable("loyalty_earn_rules", {
  event: text("event", {
    enum: ["survey_completed", "referral_converted", "deal_accepted", "rating_given"],
  }).primaryKey(),
  points: integer("points").notNull(),
  lifetimeDays: integer("lifetime_days").notNull(),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  updatedAt: integer("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
});

/**
 * The loyalty ledger's operations, append-only (src/domain/loyalty/ledger.ts): the ledger of a
 * person is the fold of them in `seq` order. `seq` is unique per person, so two concurrent writers
 * cannot both append on the same state (the loser re-reads and tries again).
 */
export const loyaltyOperations = sqliteTable(
  "loyalty_operations",
  {
    key: text("key").primaryKey(),
    personId: text("person_id").notNull(),
    seq: integer("seq").notNull(),
    /** The operation as JSON (kind, points, times, reason). */
    body: text("body").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [uniqueIndex("loyalty_operations_person_seq_unique").on(t.personId, t.seq)],
);

/** The ledger's entries as written (double-entry: each transfer's entries sum to zero). */
export const loyaltyEntries = sqliteTable(
  "loyalty_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    transferKey: text("transfer_key").notNull(),
    personId: text("person_id").notNull(),
    account: text("account").notNull(),
    points: integer("points").notNull(),
    lotKey: text("lot_key"),
    at: integer("at").notNull(),
  },
  (t) => [
    index("loyalty_entries_person_idx").on(t.personId, t.id),
    index("loyalty_entries_transfer_idx").on(t.transferKey),
  ],
);

/**
 * Quality ratings: after a deal on a lead the bot made is accepted, the bot asks the person for 1–5
 * stars for the company. The row is written when asking (`stars` null), so nobody is asked twice.
 */
export const botRatings = sqliteTable(
  "bot_ratings",
  {
    offerId: text("offer_id").primaryKey(),
    companyId: text("company_id").notNull(),
    stars: integer("stars"),
    askedAt: integer("asked_at").notNull(),
    ratedAt: integer("rated_at"),
  },
  (t) => [
    index("bot_ratings_company_idx").on(t.companyId),
    // Covers the lead call's per-company mean of stars (the `quality` routing strategy).
    index("bot_ratings_company_stars_idx").on(t.companyId, t.stars),
  ],
);

/**
 * Referral codes: at most one per person, issued when the person asks ("Пригласить друга"). The code
 * is Crockford base32 with its check symbol (src/domain/loyalty/referral-code.ts); `uses` counts the
 * people it brought in and never goes down, so withdrawing and entering again frees no place.
 * Deleted with its person.
 */
export const botReferralCodes = sqliteTable("bot_referral_codes", {
  code: text("code").primaryKey(),
  personId: text("person_id").notNull().unique("bot_referral_codes_person_unique"),
  maxUses: integer("max_uses").notNull(),
  uses: integer("uses").notNull().default(0),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Who referred whom: one row per referred person (one referral per person). `converted_lead_id` is
 * the lead of the referred person's first accepted deal, set once, when the referrer earns the
 * `referral_converted` points. Deleted when either person withdraws.
 */
export const botReferrals = sqliteTable(
  "bot_referrals",
  {
    referredPersonId: text("referred_person_id").primaryKey(),
    code: text("code").notNull(),
    referrerPersonId: text("referrer_person_id").notNull(),
    createdAt: integer("created_at").notNull(),
    convertedLeadId: text("converted_lead_id"),
    convertedAt: integer("converted_at"),
  },
  (t) => [index("bot_referrals_referrer_idx").on(t.referrerPersonId)],
);

/** Rewards companies publish for points: the company pays for them; the platform records. */
export const loyaltyRewards = sqliteTable(
  "loyalty_rewards",
  {
    id: text("id").primaryKey(),
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id),
    kind: text("kind", { enum: ["discount", "bundle", "cashback"] }).notNull(),
    title: text("title").notNull(),
    costPoints: integer("cost_points").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    ...timestamps,
  },
  (t) => [index("loyalty_rewards_company_idx").on(t.companyId)],
);

/** Redemptions: which reward a person took for points (the ledger's spend has the same key). */
export const loyaltyRedemptions = sqliteTable(
  "loyalty_redemptions",
  {
    key: text("key").primaryKey(),
    rewardId: text("reward_id").notNull(),
    companyId: text("company_id").notNull(),
    /** Nulled when the person withdraws. */
    personId: text("person_id"),
    points: integer("points").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("loyalty_redemptions_reward_idx").on(t.rewardId)],
);
