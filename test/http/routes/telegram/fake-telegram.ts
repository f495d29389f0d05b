/**
 * A fake Telegram Bot API at the HTTP boundary (msw, at `TELEGRAM_API_ROOT`), and builders of the
 * updates Telegram would post to the webhook. The real grammY runs in between.
 */
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { type SetupServer, setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { api } from "../../../harness";

export const BOT_ID = 4242;
export const WEBHOOK_SECRET = "test-telegram-webhook-secret-0123456789";

export interface TelegramCall {
  method: string;
  body: Record<string, any>;
}

/** Every call the Worker made to the fake API, in order. */
export const telegramCalls: TelegramCall[] = [];

let messageId = 1000;

export const telegramHandlers = [
  http.post(`${env.TELEGRAM_API_ROOT}/bot${env.TELEGRAM_BOT_TOKEN}/:method`, async ({ params, request }) => {
    const method = String(params.method);
    const text = await request.text();
    const body = text ? (JSON.parse(text) as Record<string, any>) : {};
    telegramCalls.push({ method, body });
    if (method === "getMe") {
      return HttpResponse.json({
        ok: true,
        result: {
          id: BOT_ID,
          is_bot: true,
          first_name: "CactuBase",
          username: env.TELEGRAM_BOT_USERNAME,
          can_join_groups: false,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        },
      });
    }
    if (method === "sendMessage") {
      return HttpResponse.json({
        ok: true,
        result: {
          message_id: messageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: body.chat_id, type: "private" },
          text: body.text,
        },
      });
    }
    if (method === "answerCallbackQuery") return HttpResponse.json({ ok: true, result: true });
    return HttpResponse.json({ ok: false, error_code: 404, description: `Not Found: ${method}` }, { status: 404 });
  }),
];

/** Who pressed each callback query (its answer names only the query). */
const callbackUser = new Map<string, number>();

/** The calls about one person: messages to the chat and answers to the person's button presses. */
export function callsFor(userId: number): TelegramCall[] {
  return telegramCalls.filter(
    (call) =>
      (call.method === "sendMessage" && call.body.chat_id === userId) ||
      (call.method === "answerCallbackQuery" && callbackUser.get(call.body.callback_query_id) === userId),
  );
}

/** The texts the bot sent to one person (messages and button toasts), in order. */
export function sentTexts(userId: number): string[] {
  return callsFor(userId).flatMap((call) => (call.body.text ? [String(call.body.text)] : []));
}

export function sentMessages(chatId?: number) {
  return telegramCalls.filter(
    (call) => call.method === "sendMessage" && (chatId === undefined || call.body.chat_id === chatId),
  );
}

/** The callback data of every inline button of a sent message. */
export function buttonsOf(call: TelegramCall): Array<{ text: string; data: string }> {
  const rows = (call.body.reply_markup?.inline_keyboard ?? []) as Array<Array<{ text: string; callback_data: string }>>;
  return rows.flat().map((b) => ({ text: b.text, data: b.callback_data }));
}

let nextUpdateId = 1;

export interface FakePerson {
  userId: number;
  firstName: string;
}

function from(person: FakePerson) {
  return { id: person.userId, is_bot: false, first_name: person.firstName, language_code: "ru" };
}

function chat(person: FakePerson) {
  return { id: person.userId, type: "private", first_name: person.firstName };
}

export function commandUpdate(person: FakePerson, command: string, argument = "") {
  const text = argument ? `/${command} ${argument}` : `/${command}`;
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextUpdateId,
      date: Math.floor(Date.now() / 1000),
      from: from(person),
      chat: chat(person),
      text,
      entities: [{ type: "bot_command", offset: 0, length: command.length + 1 }],
    },
  };
}

export function textUpdate(person: FakePerson, text: string) {
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextUpdateId,
      date: Math.floor(Date.now() / 1000),
      from: from(person),
      chat: chat(person),
      text,
    },
  };
}

export function callbackUpdate(person: FakePerson, data: string) {
  callbackUser.set(`cq-${nextUpdateId + 1}`, person.userId);
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: `cq-${nextUpdateId}`,
      from: from(person),
      chat_instance: "ci-1",
      data,
      message: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: chat(person), text: "…" },
    },
  };
}

/** Posts an update to the webhook as Telegram does. */
export function postUpdate(update: unknown, secret: string | null = WEBHOOK_SECRET) {
  return api("POST", "/v1/telegram/webhook", {
    key: null,
    body: update,
    headers: secret === null ? {} : { "x-telegram-bot-api-secret-token": secret },
  });
}

/**
 * Serves the fake Telegram API for the calling test file: unhandled requests fail the test, and a
 * handler a test adds with `server.use` is dropped after it.
 */
export function useFakeTelegram(): SetupServer {
  const server = setupServer(...telegramHandlers);
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers(...telegramHandlers));
  afterAll(() => server.close());
  return server;
}

/** Posts an update to the bot's webhook and expects it accepted (200). */
export async function sendUpdate(update: unknown): Promise<void> {
  const res = await postUpdate(update);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
