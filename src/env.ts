import type { BotWorkMessage } from "./queues/bot-work/message";
import type { LeadDispatchMessage } from "./queues/lead-dispatch/message";
import type { ModelRebuildStepMessage } from "./queues/model-rebuild/message";

/** Bindings and secrets of the Worker (see wrangler.toml and `.dev.vars`). */
export interface Env {
  DB: D1Database;
  /** Versioned binary model artefacts and the pointer to the current one (docs/storage.md). */
  MODEL: KVNamespace;
  /** Lead delivery: one message per lead to push to its company's webhook (src/queues/lead-dispatch/). */
  LEAD_DISPATCH: Queue<LeadDispatchMessage>;
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
}

/** Who is calling: resolved from the bearer key by the auth middleware. */
export interface Principal {
  /** api key id, or "admin-token" for the bootstrap secret. */
  keyId: string;
  /** `viewer`: an admin who may read (GET) every admin route and change nothing. */
  scope: "admin" | "viewer" | "crm" | "partner";
  /** The company a crm / partner (or viewer) key belongs to; null for admin keys. */
  companyId: string | null;
}

export type AppEnv = {
  Bindings: Env;
  /** `sessionToken`: set when the caller came with a console session cookie instead of a bearer key. */
  Variables: { principal: Principal; requestId: string; sessionToken?: string };
};
