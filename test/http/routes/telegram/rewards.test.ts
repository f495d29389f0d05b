/** Points for rewards in the bot: the survey's points, `/rewards`, redemption, a short balance refused. */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { MESSAGES } from "../../../../src/domain/bot/messages";
import { forgetServingModels } from "../../../../src/storage/model-store";
import { api, resetDatabase } from "../../../harness";
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
import { botMarket, botRows } from "./fixtures";

useFakeTelegram();
beforeEach(async () => {
  await resetDatabase();
  forgetServingModels();
  telegramCalls.length = 0;
});

const person: FakePerson = { userId: 999000111, firstName: "Глеб" };

const send = sendUpdate;

describe("rewards for points", () => {
  it("spends the survey's points on a published reward and refuses what the points do not cover", async () => {
    const m = await botMarket();
    const small = await api("POST", "/v1/admin/bot/rewards", {
      body: { company_id: m.gym.id, kind: "discount", title: "Скидка 10% на абонемент", cost_points: 40 },
    });
    expect(small.status, JSON.stringify(small.body)).toBe(201);
    const big = await api("POST", "/v1/admin/bot/rewards", {
      body: { company_id: m.insurer.id, kind: "cashback", title: "Кешбэк на страховку", cost_points: 100 },
    });
    expect(big.status).toBe(201);
    const refused = await api("POST", "/v1/admin/bot/rewards", {
      body: { company_id: m.gym.id, kind: "bundle", title: "Бонус к вашему доходу", cost_points: 5 },
    });
    expect(refused.status).toBe(400);

    const entry = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry`);
    await send(commandUpdate(person, "start", entry.body.start_payload));
    await send(callbackUpdate(person, buttonsOf(sentMessages(person.userId).at(-1)!)[0].data));
    await send(callbackUpdate(person, "g:45-54"));
    await send(callbackUpdate(person, "n:sport"));
    await send(callbackUpdate(person, "nd"));
    await drain("bot-work");

    await send(commandUpdate(person, "rewards"));
    const list = sentMessages(person.userId)
      .filter((msg) => msg.body.text === MESSAGES.rewardsIntro)
      .at(-1)!;
    const [smallButton, bigButton] = buttonsOf(list);
    expect(smallButton.text).toBe("Скидка 10% на абонемент — 40 баллов");

    await send(callbackUpdate(person, smallButton.data));
    expect(sentTexts(person.userId).at(-1)).toContain("Готово: «Скидка 10% на абонемент» от компании «Gym»");
    await send(callbackUpdate(person, smallButton.data));
    expect(sentTexts(person.userId).at(-1)).toBe(MESSAGES.notEnoughPoints);
    await send(callbackUpdate(person, bigButton.data));
    expect(sentTexts(person.userId).at(-1)).toBe(MESSAGES.notEnoughPoints);

    const rows = await botRows();
    const personEntries = (rows.loyalty_entries as Array<{ account: string; points: number }>).filter((e) =>
      e.account.startsWith("person:"),
    );
    expect(personEntries.map((e) => e.points)).toEqual([50, -40]);
    const redemptions = (await env.DB.prepare("SELECT reward_id, points FROM loyalty_redemptions").all()).results;
    expect(redemptions).toEqual([{ reward_id: small.body.id, points: 40 }]);

    // A withdrawn reward is no longer offered.
    expect((await api("DELETE", `/v1/admin/bot/rewards/${small.body.id}`)).status).toBe(204);
    await send(callbackUpdate(person, smallButton.data));
    expect(sentTexts(person.userId).at(-1)).toBe(MESSAGES.rewardUnavailable);

    // Withdrawal forgets the ledger and unlinks the redemption.
    await send(commandUpdate(person, "stop"));
    expect((await botRows()).loyalty_entries).toHaveLength(0);
    const after = await env.DB.prepare("SELECT person_id FROM loyalty_redemptions").first();
    expect(after).toEqual({ person_id: null });
  });
});
