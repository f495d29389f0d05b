import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { MESSAGES } from "../../../../src/domain/bot/messages";
import { forgetServingModels } from "../../../../src/storage/model-store";
import { api, errorCode, resetDatabase, shardD1Of } from "../../../harness";
import { drain } from "../../../queues/outbox";
import {
  buttonsOf,
  callbackUpdate,
  commandUpdate,
  type FakePerson,
  sendUpdate,
  sentMessages,
  sentTexts,
  telegramCalls,
  useFakeTelegram,
} from "./fake-telegram";
import { botMarket, botRows, count } from "./fixtures";

useFakeTelegram();
let person: FakePerson = { userId: 888000100, firstName: "Борис" };
beforeEach(async () => {
  await resetDatabase();
  forgetServingModels();
  telegramCalls.length = 0;
  person = { userId: person.userId + 1, firstName: "Борис" };
});

const send = sendUpdate;

function offers() {
  return sentMessages(person.userId).filter((m) => buttonsOf(m).some((b) => b.text === "Интересно"));
}

async function throughSurvey(payload: string) {
  await send(commandUpdate(person, "start", payload));
  const agree = buttonsOf(sentMessages(person.userId).at(-1)!).find((b) => b.text === "Согласен");
  if (!agree) throw new Error(`no consent notice; the bot said ${JSON.stringify(sentTexts(person.userId))}`);
  await send(callbackUpdate(person, agree.data));
  await send(callbackUpdate(person, "g:35-44"));
  await send(callbackUpdate(person, "n:housing"));
  await send(callbackUpdate(person, "n:insurance"));
  await send(callbackUpdate(person, "nd"));
  await drain("bot-work");
}

const CRM_INCOME = 187_345;
const CRM_AGE = 37;

describe("offers through the bot", () => {
  it("links a CRM client once, keeps its CRM profile, and never tells a profile number or finances", async () => {
    const m = await botMarket();
    const put = await api("PUT", "/v1/clients/crm-linked-1", {
      key: m.crm,
      body: { age: CRM_AGE, monthly_income: CRM_INCOME, region: "msk", needs: ["housing"], services: { mortgage: 1 } },
    });
    expect(put.status).toBe(201);
    const link = await api("POST", "/v1/clients/crm-linked-1/bot-link", { key: m.crm });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    expect(link.body.start_payload).toMatch(/^l_[0-9a-z]{24}$/);
    expect(link.body.deep_link).toContain(link.body.start_payload);
    expect((await api("POST", "/v1/clients/unknown-client/bot-link", { key: m.crm })).status).toBe(404);
    expect(errorCode(await api("POST", "/v1/clients/crm-linked-1/bot-link", { key: null }))).toBe("unauthorized");

    await throughSurvey(link.body.start_payload);
    expect(offers().length).toBeGreaterThan(0);
    const rows = await botRows();
    expect(rows.bot_persons).toHaveLength(1);
    const client = rows.bot_clients[0] as Record<string, unknown>;
    // The CRM's profile stays as the CRM sent it: the survey does not overwrite it.
    expect(client).toMatchObject({ age: CRM_AGE, monthly_income: CRM_INCOME });

    // The link worked once.
    const other: FakePerson = { userId: person.userId + 500, firstName: "Вера" };
    await send(commandUpdate(other, "start", link.body.start_payload));
    expect(sentTexts(other.userId).at(-1)).toBe(MESSAGES.refusedEntry);

    // Everything the bot sent this person: no number from the profile, nothing about finances.
    const texts = sentTexts(person.userId);
    expect(texts.length).toBeGreaterThan(4);
    for (const text of texts) {
      expect(text).not.toMatch(/187[\s ]?345/);
      expect(text).not.toMatch(new RegExp(`(^|\\D)${CRM_AGE}(\\D|$)`));
      expect(text.toLowerCase()).not.toMatch(/доход|зарплат|баланс|остаток|income|salary|balance/);
    }
  });

  it("offers nothing from a paused partner", async () => {
    const m = await botMarket();
    const paused = await api("PATCH", `/v1/admin/companies/${m.insurer.id}`, { body: { status: "paused" } });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    const entry = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry`);
    await throughSurvey(entry.body.start_payload);
    expect(sentTexts(person.userId)).toContain(MESSAGES.surveyDone);
    // Another partner's offer comes instead.
    expect(offers().length).toBeGreaterThan(0);
    const offered = (await botRows()).bot_offers as Array<{ company_id: string }>;
    expect(offered.every((o) => o.company_id !== m.insurer.id)).toBe(true);
    for (const offer of offers()) expect(offer.body.text).not.toContain("Insurer");
  });

  it("records a decline as the client's declined interaction, never offers it again and stops at the daily cap", async () => {
    const m = await botMarket();
    const entry = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry`);
    await throughSurvey(entry.body.start_payload);
    expect(offers()).toHaveLength(1);
    const first = offers()[0];
    await send(callbackUpdate(person, buttonsOf(first).find((b) => b.text === "Не для меня")!.data));
    expect(sentTexts(person.userId)).toContain(MESSAGES.declined);
    const declined = (await botRows()).bot_offers.find(
      (o) => (o as { response: string | null }).response === "declined",
    ) as { service_id: string; person_id: string };
    // The person is in the control database, its client's cells in the client's shard.
    const stored = await env.DB.prepare("SELECT client_id FROM bot_persons").first<{ client_id: string }>();
    const cell = await shardD1Of(stored!.client_id)
      .prepare("SELECT value, source FROM interactions WHERE service_id = ? AND client_id = ?")
      .bind(declined.service_id, stored!.client_id)
      .first();
    expect(cell).toEqual({ value: -1, source: "bot" });

    // The next offer follows the decline, for another service; then the daily cap (2) holds.
    await drain("bot-work");
    expect(offers()).toHaveLength(2);
    const second = offers()[1];
    expect(second.body.text).not.toBe(first.body.text);
    await send(callbackUpdate(person, buttonsOf(second).find((b) => b.text === "Не для меня")!.data));
    await drain("bot-work");
    expect(offers()).toHaveLength(2);
    expect(await count("bot_offers")).toBe(2);
  });
});
