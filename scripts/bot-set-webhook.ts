/**
 * Points Telegram at the Worker's webhook (`npm run bot:set-webhook`). Reads from the environment:
 *
 *   TELEGRAM_BOT_TOKEN       the bot's token (as set with `wrangler secret put TELEGRAM_BOT_TOKEN`)
 *   TELEGRAM_WEBHOOK_SECRET  the secret token Telegram will send (as set with `wrangler secret put`)
 *   BOT_WEBHOOK_BASE_URL     the Worker's public https origin, e.g. https://cactubase.example.workers.dev
 *   TELEGRAM_API_ROOT        optional; a fake Bot API for local runs (default https://api.telegram.org)
 *
 * Only `message` and `callback_query` updates are asked for: the bot handles nothing else.
 */
import { Api } from "grammy";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set (see the header of scripts/bot-set-webhook.ts)`);
    process.exit(2);
  }
  return value;
}

const token = required("TELEGRAM_BOT_TOKEN");
const secret = required("TELEGRAM_WEBHOOK_SECRET");
const base = new URL(required("BOT_WEBHOOK_BASE_URL"));
const apiRoot = process.env.TELEGRAM_API_ROOT || "https://api.telegram.org";
if (base.protocol !== "https:" && apiRoot === "https://api.telegram.org") {
  console.error("Telegram only delivers to https webhooks");
  process.exit(2);
}
if (!/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
  console.error("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule)");
  process.exit(2);
}

const api = new Api(token, { apiRoot });
const url = new URL("/v1/telegram/webhook", base).toString();
await api.setWebhook(url, { secret_token: secret, allowed_updates: ["message", "callback_query"] });
await api.setMyCommands([
  { command: "start", description: "Начать" },
  { command: "invite", description: "Пригласить друга" },
  { command: "rewards", description: "Награды за баллы" },
  { command: "stop", description: "Отозвать согласие и удалить данные" },
]);
const info = await api.getWebhookInfo();
console.log(
  JSON.stringify({
    url: info.url,
    pending_update_count: info.pending_update_count,
    last_error: info.last_error_message ?? null,
  }),
);
