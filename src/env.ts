import type { BotWorkMessage } from "./queues/bot-work/message";
import type { LeadDispatchMessage } from "./queues/lead-dispatch/message";
import type { ModelRebuildStepMessage } from "./queues/model-rebuild/message";

/** Bindings and secrets of the Worker (see wrangler.toml and `.dev.vars`). */
export interface Env {
  /** The control database (src/storage/schema/control.ts). */
  DB: D1Database;
  /**
   * Client shards (src/storage/schema/shard.ts): SHARD_0 … SHARD_{N-1}, N from wrangler.toml. Reach them
   * through src/storage/shards.ts, never by name.
   */
  SHARD_0: D1Database;
  SHARD_1?: D1Database;
  [shard: `SHARD_${number}`]: D1Database | undefined;
  /** Versioned binary model artefacts and the pointer to the current one (docs/storage.md). */
  MODEL: KVNamespace;
  /** Lead delivery: one message per lead to push to its company's webhook (src/queues/lead-dispatch/). */
  LEAD_DISPATCH: Queue<LeadDispatchMessage>;
  /** The dead-letter queue of `lead-dispatch`: the consumer sends a lead here after its last failed attempt. */
  LEAD_DISPATCH_DLQ: Queue<LeadDispatchMessage>;
  /** Per-request timeout of webhook deliveries in ms (src/domain/delivery-policy.ts `deliveryTuning`). */
  DELIVERY_TIMEOUT_MS?: string;
  /** Requests one receiving company gets at the same time from one `lead-dispatch` batch. */
  DELIVERY_CONCURRENCY_PER_RECEIVER?: string;
  /** Steps of a full model rebuild, chained one message at a time (src/queues/model-rebuild/). */
  MODEL_REBUILD: Queue<ModelRebuildStepMessage>;
  /** Bootstrap admin key (secret). */
  ADMIN_TOKEN: string;
  /** Root secret from which each company's pseudonym key is derived (secret). */
  PSEUDONYM_KEY: string;
  ENVIRONMENT: "production" | "development" | "test";
  /** The Telegram bot's slow work: offers and interest (src/queues/bot-work). */
  BOT_WORK: Queue<BotWorkMessage>;
  /** Telegram Bot API token (secret). */
  TELEGRAM_BOT_TOKEN: string;
  /** Sent by Telegram in `X-Telegram-Bot-Api-Secret-Token` with every update (secret). */
  TELEGRAM_WEBHOOK_SECRET: string;
  /** Bot API root: `https://api.telegram.org` in production, a fake API in tests and local runs. */
  TELEGRAM_API_ROOT: string;
  /** The bot's @username, for `t.me` deep links. */
  TELEGRAM_BOT_USERNAME: string;
  /** Key of the AES-GCM encryption of Telegram chat ids (secret). */
  BOT_ENCRYPTION_KEY: string;
  ALLOW_LOCALHOST_WEBHOOKS: string;
  /** Life of the lead call's per-isolate cache of control data, ms (src/usecases/lead-call/control-cache.ts); "0" turns it off. */
  CONTROL_CACHE_TTL_MS?: string;
  /** Ports other than 443 a webhook URL may use, comma-separated (src/domain/webhook-url.ts). */
  WEBHOOK_ALLOWED_PORTS?: string;
  /** Rate limiters (wrangler.toml `[[ratelimits]]`, src/http/middleware/rate-limit.ts). */
  RATE_LIMIT_LEAD_CALL: RateLimit;
  RATE_LIMIT_INTAKE: RateLimit;
  RATE_LIMIT_READS: RateLimit;
  RATE_LIMIT_ADMIN_WRITES: RateLimit;
  RATE_LIMIT_ANONYMOUS: RateLimit;
  /** Static assets (`public/`): the offline API reference UI served at /docs. */
  ASSETS: Fetcher;
  /** Archived closed leads with their events, NDJSON per shard and day (src/storage/lead-archive.ts). */
  ARCHIVE: R2Bucket;
  /**
   * Workers Analytics Engine dataset of raw browsing events (`POST /v1/events`); optional: without
   * it only the daily aggregates in D1 are kept.
   */
  EVENTS?: AnalyticsEngineDataset;
  /** Retention (src/domain/retention.ts, docs/storage.md): days, as whole-number strings. */
  CANDIDATE_RETENTION_DAYS?: string;
  ROLLUP_RETENTION_DAYS?: string;
  LEAD_ARCHIVE_AFTER_DAYS?: string;
  ARCHIVE_LEADS_PER_RUN?: string;
}

/** Who is calling: resolved from the bearer key by the auth middleware. */
export interface Principal {
  /** api key id, or "admin-token" for the bootstrap secret. */
  keyId: string;
  /** `viewer`: an admin who may read (GET) every admin route and change nothing. */
  scope: "admin" | "viewer" | "crm" | "partner" | "site";
  /** The company a crm / partner (or viewer) key belongs to; null for admin keys. */
  companyId: string | null;
  /** `site` keys: the origins whose pages may send events (`POST /v1/events`). */
  allowedOrigins?: readonly string[];
}

export type AppEnv = {
  Bindings: Env;
  /** `sessionToken`: set when the caller came with a console session cookie instead of a bearer key. */
  Variables: {
    principal: Principal;
    requestId: string;
    sessionToken?: string;
    /**
     * The parsed JSON body, set when the personal-data guard read it with the client-facing rules
     * and found nothing: a route may use it instead of parsing and scanning the body again.
     */
    scannedBody?: unknown;
  };
};
