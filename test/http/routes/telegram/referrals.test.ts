/**
 * Referrals and the points of accepted deals, as whole conversations: updates posted to the webhook
 * as Telegram posts them, the real grammY, a fake Bot API (msw), the real queues drained as the
 * runtime would, partners reporting outcomes through their API.
 */
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { MESSAGES } from "../../../../src/domain/bot/messages";
import { forgetServingModels } from "../../../../src/storage/model-store";
import { rewardAcceptedDeal } from "../../../../src/usecases/bot/deal-rewards";
import { askForQualityRatings } from "../../../../src/usecases/bot/quality-ratings";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, resetDatabase, seedKey } from "../../../harness";
import { drain } from "../../../queues/outbox";
import {
  buttonsOf,
  callbackUpdate,
  commandUpdate,
  type FakePerson,
  postUpdate,
  sentMessages,
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
  transcript.length = 0;
  server.use(http.post(INSURER_ENDPOINT, () => HttpResponse.json({ ok: true })));
});

/** New people per test: queue jobs of an earlier test may still write to their own chats. */
let nextUserId = 881_000_000;
function person(firstName: string): FakePerson {
  nextUserId += 1;
  return { userId: nextUserId, firstName };
}

/** Every message in and out, in order, for the closing note. */
const transcript: string[] = [];
const names = new Map<number, string>();

async function post(who: FakePerson, update: unknown, shown: string) {
  names.set(who.userId, who.firstName);
  const seen = telegramCalls.length;
  transcript.push(`${who.firstName} → ${shown}`);
  const res = await postUpdate(update);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  noteReplies(seen);
}

function noteReplies(since: number) {
  for (const call of telegramCalls.slice(since)) {
    if (call.method !== "sendMessage" && !(call.method === "answerCallbackQuery" && call.body.text)) continue;
    const to = call.method === "sendMessage" ? (names.get(call.body.chat_id) ?? "?") : "(toast)";
    const buttons = buttonsOf(call).map((b) => `[${b.text}]`);
    transcript.push(
      `bot → ${to}: ${String(call.body.text).replaceAll("\n", " ⏎ ")}${buttons.length ? ` ${buttons.join(" ")}` : ""}`,
    );
  }
}

async function drainBotWork() {
  const seen = telegramCalls.length;
  await drain("bot-work");
  noteReplies(seen);
}

const lastMessage = (who: FakePerson) => sentMessages(who.userId).at(-1)!;
const lastText = (who: FakePerson) => String(lastMessage(who).body.text);

async function press(who: FakePerson, buttonText: string) {
  const message = sentMessages(who.userId)
    .filter((m) => buttonsOf(m).some((b) => b.text === buttonText))
    .at(-1);
  if (!message) throw new Error(`${who.firstName} has no button ${buttonText}`);
  const button = buttonsOf(message).find((b) => b.text === buttonText)!;
  await post(who, callbackUpdate(who, button.data), `[${buttonText}]`);
}

/** Entry → consent → survey, through `payload` (a company's QR code or a friend's link). */
async function enterAndSurvey(who: FakePerson, payload: string) {
  await post(who, commandUpdate(who, "start", payload), `/start ${payload}`);
  await press(who, "Согласен");
  await press(who, "25–34");
  await press(who, "Жильё");
  await press(who, "Страхование");
  await press(who, "Готово");
  await drainBotWork();
}

/** "Интересно" on the person's latest offer; answers the lead made. */
async function interested(who: FakePerson): Promise<string> {
  await press(who, "Интересно");
  await drainBotWork();
  const rows = (
    await env.DB.prepare("SELECT lead_id FROM bot_offers WHERE lead_id IS NOT NULL ORDER BY responded_at").all<{
      lead_id: string;
    }>()
  ).results;
  const leadId = rows.at(-1)?.lead_id;
  expect(leadId).toMatch(/^ld_/);
  await drain("lead-dispatch");
  return leadId!;
}

async function partnerAccepts(partnerKey: string, leadId: string) {
  transcript.push(`partner API → POST /v1/partner/leads/${leadId}/outcome {"outcome":"accepted","amount":12000}`);
  const res = await api("POST", `/v1/partner/leads/${leadId}/outcome`, {
    key: partnerKey,
    body: { outcome: "accepted", amount: 12_000 },
  });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  await drainBotWork();
}

async function pointsOf(id: string): Promise<Array<{ reason: string; points: number }>> {
  const ops = (
    await env.DB.prepare("SELECT body FROM loyalty_operations WHERE person_id = ? ORDER BY seq").bind(id).all<{
      body: string;
    }>()
  ).results.map((r) => JSON.parse(r.body) as { reason: string; points: number });
  return ops.map((o) => ({ reason: o.reason, points: o.points }));
}

async function setRules() {
  for (const [event, points] of [
    ["deal_accepted", 30],
    ["referral_converted", 100],
  ] as const) {
    const res = await api("PUT", `/v1/admin/bot/earn-rules/${event}`, { body: { points, lifetime_days: 365 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

describe("deal_accepted points", () => {
  it("are posted once the partner reports the bot's lead accepted, and never twice", async () => {
    const m = await botMarket();
    await setRules();
    const partner = await seedKey("partner", m.insurer.id);
    const anna = person("Анна");
    const entry = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry`);
    await enterAndSurvey(anna, entry.body.start_payload);
    const leadId = await interested(anna);
    expect(sentMessages(anna.userId).map((msg) => msg.body.text)).toContain(MESSAGES.interested("Insurer"));

    await partnerAccepts(partner.key, leadId);
    const annaId = (await botRows()).bot_persons[0].id as string;
    expect(await pointsOf(annaId)).toEqual([
      { reason: "survey_completed", points: 50 },
      { reason: "deal_accepted", points: 30 },
    ]);
    expect(lastText(anna)).toBe(MESSAGES.dealRewarded);
    expect(await count("bot_offers", "WHERE accepted_at IS NOT NULL")).toBe(1);

    // Replays change nothing: the same report again, the job run again, the cron's safety net.
    const messages = sentMessages(anna.userId).length;
    await partnerAccepts(partner.key, leadId);
    expect(await rewardAcceptedDeal(env, leadId, Date.now() + 5000)).toEqual({
      dealPoints: 0,
      referralPoints: 0,
      messages: [],
    });
    await askForQualityRatings(env, Date.now());
    expect(await pointsOf(annaId)).toHaveLength(2);
    expect(await count("loyalty_entries", `WHERE transfer_key = 'deal_accepted:${leadId}'`)).toBe(2);
    // Only the quality-rating question followed.
    expect(sentMessages(anna.userId).length).toBe(messages + 1);
    expect(lastText(anna)).toContain("Оцените");
  });

  it("are not posted for a declined outcome or a lead the bot did not make", async () => {
    const m = await botMarket();
    await setRules();
    const partner = await seedKey("partner", m.insurer.id);
    const vera = person("Вера");
    const entry = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry`);
    await enterAndSurvey(vera, entry.body.start_payload);
    const leadId = await interested(vera);
    const res = await api("POST", `/v1/partner/leads/${leadId}/outcome`, {
      key: partner.key,
      body: { outcome: "declined" },
    });
    expect(res.status).toBeLessThan(300);
    await drain("bot-work");
    expect(await rewardAcceptedDeal(env, leadId, Date.now())).toBeNull();
    expect(await rewardAcceptedDeal(env, "ld_00000000000000000000", Date.now())).toBeNull();
    const veraId = (await botRows()).bot_persons[0].id as string;
    expect((await pointsOf(veraId)).map((p) => p.reason)).toEqual(["survey_completed"]);
  });
});

describe("referrals", () => {
  it("A invites B; B enters through A's link; B's first accepted deal rewards A once; self-referral and over-limit are refused", async () => {
    const m = await botMarket();
    await setRules();
    const partner = await seedKey("partner", m.insurer.id);
    const anna = person("Анна");
    const boris = person("Борис");
    const clara = person("Клара");
    const dmitry = person("Дмитрий");
    const entry = await api("GET", `/v1/admin/companies/${m.bank.id}/bot-entry`);
    await enterAndSurvey(anna, entry.body.start_payload);

    // A asks for an invitation: one code of her own, the same every time.
    await press(anna, "Пригласить друга");
    const invitation = lastText(anna);
    const link = /https:\/\/t\.me\/\S+\?start=(r_[0-9A-Z]{9})/.exec(invitation);
    expect(link, invitation).not.toBeNull();
    const payload = link![1];
    const code = payload.slice(2);
    expect(invitation).toContain(`Ваш код приглашения: ${code}`);
    await post(anna, commandUpdate(anna, "invite"), "/invite");
    expect(lastText(anna)).toBe(invitation);
    expect(await count("bot_referral_codes")).toBe(1);

    // Self-referral: A opens her own link, or types her own code.
    await post(anna, commandUpdate(anna, "start", payload), `/start ${payload}`);
    expect(lastText(anna)).toBe(MESSAGES.referralRefused.self_referral);
    await post(anna, textUpdate(anna, code.toLowerCase()), code.toLowerCase());
    expect(lastText(anna)).toBe(MESSAGES.referralRefused.self_referral);
    expect(await count("bot_referrals")).toBe(0);

    // B enters through A's link: the consent notice of A's entry company, then the survey.
    await enterAndSurvey(boris, payload);
    const [referral] = (await env.DB.prepare("SELECT * FROM bot_referrals").all<Record<string, unknown>>()).results;
    const annaId = String(referral.referrer_person_id);
    const borisId = String(referral.referred_person_id);
    expect(referral).toMatchObject({ code, converted_lead_id: null });
    const borisRow = await env.DB.prepare("SELECT entry_company_id FROM bot_persons WHERE id = ?")
      .bind(borisId)
      .first();
    expect(borisRow).toEqual({ entry_company_id: m.bank.id });
    // A second code for B is refused: one referral per person.
    await post(boris, textUpdate(boris, code), code);
    expect(lastText(boris)).toBe(MESSAGES.referralRefused.already_referred);

    // Nothing for A before B's deal: not at B's consent, not at B's interest.
    const firstLead = await interested(boris);
    expect((await pointsOf(annaId)).map((p) => p.reason)).toEqual(["survey_completed"]);

    // B's first accepted deal: B earns deal_accepted, A earns referral_converted, once.
    await partnerAccepts(partner.key, firstLead);
    expect(await pointsOf(borisId)).toEqual([
      { reason: "survey_completed", points: 50 },
      { reason: "deal_accepted", points: 30 },
    ]);
    expect(await pointsOf(annaId)).toEqual([
      { reason: "survey_completed", points: 50 },
      { reason: "referral_converted", points: 100 },
    ]);
    expect(lastText(anna)).toBe(MESSAGES.referralRewarded);
    expect(
      await env.DB.prepare("SELECT converted_lead_id FROM bot_referrals WHERE referred_person_id = ?")
        .bind(borisId)
        .first(),
    ).toEqual({ converted_lead_id: firstLead });

    // B's next accepted deal earns B again, but A is not rewarded twice.
    const offers = sentMessages(boris.userId).filter((msg) => buttonsOf(msg).some((b) => b.text === "Интересно"));
    expect(offers.length, "the next offer follows the first Interested").toBe(2);
    const secondLead = await interested(boris);
    expect(secondLead).not.toBe(firstLead);
    const target = await allShardsD1
      .prepare("SELECT target_company_id FROM leads WHERE id = ?")
      .bind(secondLead)
      .first<{ target_company_id: string }>();
    await partnerAccepts((await seedKey("partner", target!.target_company_id)).key, secondLead);
    expect((await pointsOf(borisId)).map((p) => p.reason)).toEqual([
      "survey_completed",
      "deal_accepted",
      "deal_accepted",
    ]);
    expect(await rewardAcceptedDeal(env, firstLead, Date.now() + 60_000)).toMatchObject({
      dealPoints: 0,
      referralPoints: 0,
    });
    expect((await pointsOf(annaId)).filter((p) => p.reason === "referral_converted")).toHaveLength(1);

    // The admin lowers A's code to 2 people: C (typing the code) is the second and last, D is refused.
    const limited = await api("PUT", `/v1/admin/bot/referral-codes/${code.toLowerCase()}`, { body: { max_uses: 2 } });
    expect(limited.status, JSON.stringify(limited.body)).toBe(200);
    expect(limited.body).toEqual({ code, uses: 1, max_uses: 2 });
    await post(
      clara,
      textUpdate(clara, `${code.slice(0, 4)}-${code.slice(4)}`),
      `${code.slice(0, 4)}-${code.slice(4)}`,
    );
    expect(lastText(clara)).toContain("Оператор данных");
    await press(clara, "Согласен");
    expect(await count("bot_referrals")).toBe(2);
    const personsBefore = await count("bot_persons");
    await post(dmitry, commandUpdate(dmitry, "start", payload), `/start ${payload}`);
    expect(lastText(dmitry)).toBe(MESSAGES.referralRefused.usage_limit);
    await post(dmitry, callbackUpdate(dmitry, `a:${payload}`), "[Согласен] (hand-made)");
    expect(await count("bot_persons")).toBe(personsBefore + 1);
    expect(await count("bot_referrals")).toBe(2);
    expect(sentMessages(dmitry.userId).some((msg) => msg.body.text === MESSAGES.referralRefused.usage_limit)).toBe(
      true,
    );
    expect(await env.DB.prepare("SELECT uses, max_uses FROM bot_referral_codes").first()).toEqual({
      uses: 2,
      max_uses: 2,
    });

    // A mistyped code is refused by its check symbol before any lookup.
    const typo = code.slice(0, 3) + (code[3] === "7" ? "8" : "7") + code.slice(4);
    await post(dmitry, textUpdate(dmitry, typo), typo);
    expect(lastText(dmitry)).toBe(MESSAGES.help);

    // The stored rows of the conversation: no Telegram id or name in clear anywhere.
    const rows = {
      ...(await botRows()),
      bot_referral_codes: (await env.DB.prepare("SELECT * FROM bot_referral_codes").all()).results,
      bot_referrals: (await env.DB.prepare("SELECT * FROM bot_referrals").all()).results,
    };
    const stored = JSON.stringify(rows);
    for (const who of [anna, boris, clara, dmitry]) {
      expect(stored).not.toContain(String(who.userId));
      expect(stored).not.toContain(who.firstName);
    }
    // For the closing note (stderr is shown with TEST_LOGS=1).
    console.error(`TRANSCRIPT\n${transcript.join("\n")}`);
    console.error(`STORED ROWS\n${JSON.stringify(rows, null, 1)}`);

    // A withdraws: her code and the referrals she is part of go with her.
    await post(anna, commandUpdate(anna, "stop"), "/stop");
    expect(await count("bot_referral_codes")).toBe(0);
    expect(await count("bot_referrals")).toBe(0);
    await post(dmitry, commandUpdate(dmitry, "start", payload), `/start ${payload}`);
    expect(lastText(dmitry)).toBe(MESSAGES.referralUnknown);
  });

  it("the admin's code limit: bad input is 400, an unknown code 404, nothing changes", async () => {
    const m = await botMarket();
    const bad = await api("PUT", "/v1/admin/bot/referral-codes/000000012", { body: { max_uses: 3 } });
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe("validation_failed");
    const unknown = await api("PUT", "/v1/admin/bot/referral-codes/000000011", { body: { max_uses: 3 } });
    expect(unknown.status).toBe(404);
    const range = await api("PUT", "/v1/admin/bot/referral-codes/000000011", { body: { max_uses: 5000 } });
    expect(range.status).toBe(400);
    const partner = await seedKey("partner", m.insurer.id);
    expect(
      (await api("PUT", "/v1/admin/bot/referral-codes/000000011", { key: partner.key, body: { max_uses: 3 } })).status,
    ).toBe(403);
  });
});
