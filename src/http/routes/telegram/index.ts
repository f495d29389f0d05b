import type { Router } from "../../router";
import { TelegramWebhookRoute } from "./webhook";

export const TELEGRAM_WEBHOOK_PATH = "/v1/telegram/webhook";

/** Registers the Telegram webhook (authenticated by Telegram's secret token, not a bearer key). */
export function registerTelegramRoutes(router: Router) {
  router.post(TELEGRAM_WEBHOOK_PATH, TelegramWebhookRoute);
}
