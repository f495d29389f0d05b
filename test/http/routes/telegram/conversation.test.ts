/**
 * Whole conversations with the bot, offline: updates posted to the webhook as Telegram posts them,
 * the real grammY in the Worker, a fake Bot API (msw) answering its calls, the real queue.
 */
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, it } from "vitest";
import { forgetServingModels } from "../../../../src/storage/model-store";
import { askForQualityRatings } from "../../../../src/usecases/bot/quality-ratings";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, resetDatabase, seedKey, shardD1Of } from "../../../harness";
import { drain } from "../../../queues/outbox";
import {
  buttonsOf,
  callbackUpdate,
  callsFor,
  commandUpdate,
  type FakePerson,
  postUpdate,
  sendUpdate,
  sentMessages,
  sentTexts,
  telegramCalls,
  textUpdate,
  useFakeTelegram,
} from "./fake-telegram";
import { botMarket, botRows, count, INSURER_ENDPOINT } from "./fixtures";

const server = useFakeTelegram();
beforeEach(async () => {
  await resetDatabase();
  forgetServingModels();
  telegramCalls.length = 0;
});

/**
 * A new person per test: queue jobs of an earlier test may still send to its own person while the
 * next test runs, so every assertion looks at one chat only.
 */
let anna: FakePerson = { userId: 777000100, firstName: "Анна" };
beforeEach(() => {
  anna = { userId: anna.userId + 1, firstName: "Анна" };
});

async function entryPayload(companyId: string, campaign?: string) {
  const res = await api("GET", `/v1/admin/companies/${companyId}/bot-entry${campaign ? `?campaign=${campaign}` : ""}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { deep_link: string; start_payload: string; qr_svg: string };
}

const send = sendUpdate;

function lastButtons() {
  const messages = sentMessages(anna.userId);
  return buttonsOf(messages[messages.length - 1]);
}

/** Entry → consent → survey; returns when the person's first offer has arrived. */
async function consentAndSurvey(person: FakePerson, payload: string) {
  await send(commandUpdate(person, "start", payload));
  const agreeButton = lastButtons().find((b) => b.text === "Согласен");
  if (!agreeButton) throw new Error(`no consent notice; the bot said ${JSON.stringify(sentTexts(person.userId))}`);
  await send(callbackUpdate(person, agreeButton.data));
  await send(callbackUpdate(person, "g:25-34"));
  await send(callbackUpdate(person, "n:housing"));
  await send(callbackUpdate(person, "n:insurance"));
  await send(callbackUpdate(person, "nd"));
  // The offers job runs on the bot-work queue: the test delivers it as the runtime would.
  await drain("bot-work");
  expect(sentMessages(person.userId).some((m) => buttonsOf(m).some((b) => b.text === "Интересно"))).toBe(true);
}

describe("the bot's entry and consent", () => {
  it("gives each company a signed deep link and QR code", async () => {
    const m = await botMarket();
    const entry = await entryPayload(m.bank.id, "spring26");
    expect(entry.start_payload.length).toBeLessThanOrEqual(64);
    expect(entry.start_payload).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(entry.deep_link).toBe(`https://t.me/${env.TELEGRAM_BOT_USERNAME}?start=${entry.start_payload}`);
    expect(entry.qr_svg).toContain("<svg");
    expect((await api("GET", "/v1/admin/companies/co_00000000000000000000/bot-entry")).status).toBe(404);
    const badCampaign = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry?campaign=${"x".repeat(17)}`);
    expect(badCampaign.status).toBe(400);
    expect(errorCode(badCampaign)).toBe("validation_failed");
  });

  it("shows the notice first and stores nothing about the person before I agree", async () => {
    const m = await botMarket();
    const { start_payload } = await entryPayload(m.bank.id);
    await send(commandUpdate(anna, "start", start_payload));
    const [notice] = sentMessages(anna.userId);
    expect(notice.body.text).toContain("Оператор данных");
    expect(notice.body.text).toContain("Insurer");
    expect(notice.body.text).toContain("/stop");
    expect(buttonsOf(notice).map((b) => b.text)).toEqual(["Согласен", "Не согласен"]);
    expect(await count("bot_persons")).toBe(0);
    expect(await count("bot_consents")).toBe(0);

    await send(callbackUpdate(anna, "r"));
    expect(sentTexts(anna.userId).at(-1)).toContain("ничего не сохранили");
    expect(await count("bot_persons")).toBe(0);
  });

  it("refuses a forged or unknown payload politely and stores nothing", async () => {
    const m = await botMarket();
    const { start_payload } = await entryPayload(m.bank.id);
    const forgedMac = `${start_payload.slice(0, -1)}${start_payload.endsWith("A") ? "B" : "A"}`;
    const otherCompany = start_payload.replace(m.bank.id.slice(3), m.gym.id.slice(3));
    for (const payload of [forgedMac, otherCompany, "c_garbage", "l_0123456789abcdefghjkmnpq"]) {
      await send(commandUpdate(anna, "start", payload));
      expect(sentTexts(anna.userId).at(-1)).toContain("ссылка недействительна");
      // Pressing a hand-made "I agree" with a forged payload is refused the same way.
      await send(callbackUpdate(anna, `a:${payload}`));
      expect(sentTexts(anna.userId).at(-1)).toContain("ссылка недействительна");
    }
    expect(await count("bot_persons")).toBe(0);
    expect(await count("bot_consents")).toBe(0);
    expect(await count("bot_funnel")).toBe(0);
  });

  it("refuses a wrong or missing secret token with 401 in the error envelope, before any effect", async () => {
    await botMarket();
    for (const secret of [null, "wrong", "test-telegram-webhook-secret-012345678X"]) {
      const res = await postUpdate(commandUpdate(anna, "start"), secret);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, errors: [expect.objectContaining({ code: "unauthorized" })] });
    }
    expect(await count("bot_updates")).toBe(0);
    expect(callsFor(anna.userId)).toHaveLength(0);
  });

  it("gives a re-sent update exactly one effect", async () => {
    const m = await botMarket();
    const { start_payload } = await entryPayload(m.bank.id);
    await send(commandUpdate(anna, "start", start_payload));
    const agree = callbackUpdate(anna, lastButtons()[0].data);
    await send(agree);
    const callsAfterFirst = callsFor(anna.userId).length;
    await send(agree);
    await send(agree);
    expect(callsFor(anna.userId).length).toBe(callsAfterFirst);
    expect(await count("bot_persons")).toBe(1);
    expect(await count("bot_consent_events")).toBe(1);
  });

  it("runs entry → consent → survey → offer, with no clear Telegram id stored", async () => {
    const m = await botMarket();
    const { start_payload } = await entryPayload(m.bank.id, "spring26");
    await consentAndSurvey(anna, start_payload);

    const offer = sentMessages(anna.userId).find((msg) => buttonsOf(msg).some((b) => b.text === "Интересно"))!;
    expect(offer.body.chat_id).toBe(anna.userId);
    const rows = await botRows();
    expect(rows.bot_persons).toHaveLength(1);
    const person = rows.bot_persons[0] as Record<string, unknown>;
    expect(person.step).toBe("ready");
    expect(person.age_band).toBe("25-34");
    expect(JSON.parse(String(person.needs))).toEqual(["housing", "insurance"]);
    expect(rows.bot_consents).toHaveLength(1);
    expect(rows.bot_consents[0]).toMatchObject({
      purpose: "personalised_offers_and_loyalty",
      channel: "telegram",
      entry_payload: start_payload,
      withdrawn_at: null,
    });
    expect(rows.bot_offers).toHaveLength(1);
    // The survey asks nothing financial: the client's income is stored as unknown, not as 0.
    expect(rows.bot_clients).toEqual([expect.objectContaining({ age: 30, monthly_income: null, region: "ru" })]);
    // The survey's answers are the client's needs from source `survey` (confidence 0.8, a year of life).
    const clientId = String((rows.bot_clients[0] as { id: string }).id);
    const surveyNeeds = await shardD1Of(clientId)
      .prepare(
        "SELECT need_code, source, confidence, expires_at - observed_at AS life FROM client_needs WHERE client_id = ? ORDER BY need_code",
      )
      .bind(clientId)
      .all();
    expect(surveyNeeds.results).toEqual([
      { need_code: "housing", source: "survey", confidence: 0.8, life: 365 * 86_400_000 },
      { need_code: "insurance", source: "survey", confidence: 0.8, life: 365 * 86_400_000 },
    ]);
    // The survey earned the admin's 50 points: one transfer, two entries summing to zero.
    expect(rows.loyalty_operations).toHaveLength(1);
    expect(rows.loyalty_entries.map((e) => (e as { account: string; points: number }).points)).toEqual([-50, 50]);
    expect((rows.loyalty_entries[1] as { account: string }).account).toBe(`person:${person.id}`);
    // Nothing identifying in clear: neither the user id nor the first name appears in any stored row.
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(String(anna.userId));
    expect(stored).not.toContain(anna.firstName);
    const funnel = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-funnel`);
    expect(funnel.body.stages).toMatchObject({ entered: 1, consented: 1, surveyed: 1, offered: 1 });
  });

  it("turns Interested into a lead routed like the CRM call and delivered to the partner", async () => {
    const m = await botMarket();
    const received: Array<{ body: string; headers: Record<string, string> }> = [];
    server.use(
      http.post(INSURER_ENDPOINT, async ({ request }) => {
        received.push({ body: await request.text(), headers: Object.fromEntries(request.headers) });
        return HttpResponse.json({ ok: true });
      }),
    );
    const { start_payload } = await entryPayload(m.bank.id);
    await consentAndSurvey(anna, start_payload);
    const offer = sentMessages(anna.userId).find((msg) => buttonsOf(msg).some((b) => b.text === "Интересно"))!;
    expect(offer.body.text).toContain("Страхование квартиры");
    expect(offer.body.text).toContain("— Insurer");
    const interested = buttonsOf(offer).find((b) => b.text === "Интересно")!;
    await send(callbackUpdate(anna, interested.data));
    await drain("bot-work");
    expect(sentTexts(anna.userId)).toContain(
      "Спасибо! Мы передали ваш интерес компании «Insurer». Она свяжется с вами.",
    );
    const [botOffer] = (await botRows()).bot_offers as Array<{ response: string; lead_id: string; service_id: string }>;
    expect(botOffer.response).toBe("interested");
    expect(botOffer.lead_id).toMatch(/^ld_/);
    const lead = await allShardsD1
      .prepare("SELECT * FROM leads WHERE id = ?")
      .bind(botOffer.lead_id)
      .first<Record<string, any>>();
    expect(lead).toMatchObject({
      service_id: m.services.insurance.id,
      target_company_id: m.insurer.id,
      source_company_id: m.bank.id,
    });

    // It is enqueued for delivery like any lead; the existing delivery path pushes it, signed, to the insurer.
    expect(await count("lead_events", `WHERE lead_id = '${botOffer.lead_id}' AND type = 'enqueued'`)).toBe(1);
    await drain("lead-dispatch");
    expect(received).toHaveLength(1);
    const payload = new Webhook(m.insurer.webhookSecret!).verify(received[0].body, received[0].headers) as Record<
      string,
      any
    >;
    expect(payload.lead_id).toBe(botOffer.lead_id);
    expect(payload.service.code).toBe("property-ins");
    // The partner is told the income is unspecified, not that the client earns under 30k.
    expect(payload.client.income_band).toBe("unspecified");
    expect(JSON.stringify(payload)).not.toContain(String(anna.userId));

    // A second press changes nothing.
    await send(callbackUpdate(anna, interested.data));
    expect(sentTexts(anna.userId).at(-1)).toContain("Вы уже ответили");
    expect(
      await count("leads", `WHERE service_id = '${m.services.insurance.id}' AND client_id = '${lead!.client_id}'`),
    ).toBe(1);
    // The partner's accepted deal shows in the entry company's bot funnel.
    const insurerPartner = await seedKey("partner", m.insurer.id);
    const outcome = await api("POST", `/v1/partner/leads/${botOffer.lead_id}/outcome`, {
      key: insurerPartner.key,
      body: { outcome: "accepted", amount: 12_000 },
    });
    expect(outcome.status, JSON.stringify(outcome.body)).toBeLessThan(300);
    const funnel = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-funnel`);
    expect(funnel.body.stages).toMatchObject({ interested: 1, deals: 1 });

    // After the accepted deal the bot asks once for 1–5 stars; the answer makes the company's rating.
    await api("PUT", "/v1/admin/bot/earn-rules/rating_given", { body: { points: 10, lifetime_days: 90 } });
    expect(await askForQualityRatings(env, Date.now())).toEqual({ asked: 1 });
    expect(await askForQualityRatings(env, Date.now())).toEqual({ asked: 0 });
    const ask = sentMessages(anna.userId).at(-1)!;
    expect(ask.body.text).toContain("Оцените");
    expect(buttonsOf(ask)).toHaveLength(5);
    const four = buttonsOf(ask)[3];
    await send(callbackUpdate(anna, four.data));
    expect(sentTexts(anna.userId).at(-1)).toBe("Спасибо за оценку!");
    await send(callbackUpdate(anna, buttonsOf(ask)[0].data));
    expect(sentTexts(anna.userId).at(-1)).toContain("Вы уже ответили");
    const rating = await api("GET", `/v1/admin/companies/${m.insurer.id}/quality-rating`);
    expect(rating.body).toEqual({ company_id: m.insurer.id, ratings: 1, mean_stars: 4 });
    const points = (await botRows()).loyalty_entries as Array<{ account: string; points: number }>;
    expect(points.filter((e) => e.account.startsWith("person:")).map((e) => e.points)).toEqual([50, 10]);
  });

  it("withdrawal deletes the person, closes the consent and sends nothing more", async () => {
    const m = await botMarket();
    const { start_payload } = await entryPayload(m.bank.id);
    await consentAndSurvey(anna, start_payload);
    const messagesBefore = sentMessages(anna.userId).length;
    await send(commandUpdate(anna, "stop"));
    const rows = await botRows();
    expect(rows.bot_persons).toHaveLength(0);
    expect(rows.bot_consents[0]).toMatchObject({ withdrawn_at: expect.any(Number) });
    expect(rows.bot_consent_events.map((e) => (e as { event: string }).event)).toEqual(["granted", "withdrawn"]);
    expect(rows.bot_offers.every((o) => (o as { person_id: unknown }).person_id === null)).toBe(true);
    expect(rows.loyalty_operations).toHaveLength(0);
    expect(rows.loyalty_entries).toHaveLength(0);
    // An old button or a message after withdrawal gets no message and changes nothing.
    await send(callbackUpdate(anna, "g:35-44"));
    await send(textUpdate(anna, "привет"));
    expect(sentMessages(anna.userId).length).toBe(messagesBefore + 1);
    expect(sentTexts(anna.userId).at(-1)).toContain("отсканируйте QR-код");
    expect(await count("bot_persons")).toBe(0);
  });
});
