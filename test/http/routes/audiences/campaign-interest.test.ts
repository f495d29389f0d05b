/**
 * A campaign offer answered “Интересно” in a real bot conversation becomes a lead for the campaign's
 * own service, even below the rating threshold (the partner chose the audience, the person asked),
 * and counts in the campaign's aggregate results.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { forgetServingModels } from "../../../../src/storage/model-store";
import { runPartnerCampaigns } from "../../../../src/usecases/campaigns/send";
import { allShardsD1 } from "../../../all-shards";
import { api, resetDatabase, seedKey } from "../../../harness";
import { drain } from "../../../queues/outbox";
import {
  buttonsOf,
  callbackUpdate,
  commandUpdate,
  type FakePerson,
  sendUpdate,
  sentMessages,
  telegramCalls,
  useFakeTelegram,
} from "../telegram/fake-telegram";
import { botMarket } from "../telegram/fixtures";

useFakeTelegram();
beforeEach(async () => {
  await resetDatabase();
  forgetServingModels();
  telegramCalls.length = 0;
});

const person: FakePerson = { userId: 888_500_001, firstName: "Ирина" };
const CAMPAIGN_TEXT = "Персональная тренировка в подарок к абонементу на год.";

const send = sendUpdate;

describe("a campaign offer answered in the bot", () => {
  it("becomes a lead for the campaign's service even below the rating threshold, and shows in the results", async () => {
    const m = await botMarket();
    // No lead for the gym pass would pass this threshold in the bot's own offers.
    const strict = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "service", scope_id: m.services.gymPass.id, key: "min_rating", value: 100 }] },
    });
    expect(strict.status, JSON.stringify(strict.body)).toBe(200);
    const entry = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry`);
    await send(commandUpdate(person, "start", entry.body.start_payload));
    const agree = buttonsOf(sentMessages(person.userId).at(-1)!).find((b) => b.text === "Согласен")!;
    await send(callbackUpdate(person, agree.data));
    await send(callbackUpdate(person, "g:35-44"));
    await send(callbackUpdate(person, "n:health"));
    await send(callbackUpdate(person, "nd"));
    await drain("bot-work");

    // The market has 41 clients, fewer than any k: the campaign row is written directly (the API refuses it).
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO partner_campaigns (id, company_id, service_id, title, text, audience, channel, starts_at, ends_at, daily_cap, status, created_at, updated_at)
       VALUES ('cmp_interest', ?, ?, 'Год в зале', ?, '{"age_bands":["35-44"]}', 'bot', ?, ?, 10, 'active', ?, ?)`,
    )
      .bind(m.gym.id, m.services.gymPass.id, CAMPAIGN_TEXT, now - 60_000, now + 86_400_000, now, now)
      .run();
    const before = sentMessages(person.userId).length;
    const run = await runPartnerCampaigns(env, now);
    expect(run.sent).toBe(1);
    const message = sentMessages(person.userId).at(-1)!;
    expect(sentMessages(person.userId)).toHaveLength(before + 1);
    expect(message.body.text).toContain(CAMPAIGN_TEXT);

    await send(callbackUpdate(person, buttonsOf(message).find((b) => b.text === "Интересно")!.data));
    await drain("bot-work");
    const offer = await env.DB.prepare(
      "SELECT response, lead_id FROM bot_offers WHERE campaign_id = 'cmp_interest'",
    ).first<{
      response: string;
      lead_id: string | null;
    }>();
    expect(offer?.response).toBe("interested");
    expect(offer?.lead_id).toMatch(/^ld_/);
    const lead = await allShardsD1
      .prepare("SELECT service_id, target_company_id FROM leads WHERE id = ?")
      .bind(offer!.lead_id)
      .first();
    expect(lead).toEqual({ service_id: m.services.gymPass.id, target_company_id: m.gym.id });

    const gymKey = (await seedKey("partner", m.gym.id)).key;
    const view = await api("GET", "/v1/partner/campaigns/cmp_interest", { key: gymKey });
    expect(view.status).toBe(200);
    expect(view.body.results).toEqual({ reached: 1, interested: 1, deals: 0 });
  });
});
