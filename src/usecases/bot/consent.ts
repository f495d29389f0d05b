/**
 * Consent first: `/start` shows the notice and asks; only "I agree" stores anything about the
 * person (the person row, the consent record and its first event, in one batch); `/stop` or the
 * withdraw button deletes the person and closes the consent, after which the bot sends nothing.
 */
import { encodeAction } from "../../domain/bot/callbacks";
import { CONSENT_NOTICE_VERSION, CONSENT_PURPOSE, consentNotice } from "../../domain/bot/consent-notice";
import { parseStartPayload } from "../../domain/bot/entry-payload";
import { MESSAGES } from "../../domain/bot/messages";
import { referralProblem } from "../../domain/loyalty/referral-code";
import type { Env } from "../../env";
import { sha256Hex } from "../../lib/crypto";
import { newId } from "../../lib/ids";
import {
  bumpFunnel,
  createConsentedPerson,
  findPersonByTelegramHash,
  listOfferingCompanyNames,
  withdrawPerson,
} from "../../storage/bot";
import { findReferralOf } from "../../storage/bot-referrals";
import { controlDb } from "../../storage/shards";
import { type VerifiedEntry, verifyStartPayload } from "./entry";
import { personLookupHash, sealChatId, type TelegramUser } from "./identity";
import { referralOutcomeText, useReferralCode } from "./referrals";
import { answer, type BotAnswer } from "./replies";
import { surveyQuestion } from "./survey";

async function noticeFor(env: Env, entry: VerifiedEntry): Promise<string> {
  const partners = await listOfferingCompanyNames(controlDb(env));
  return consentNotice({ partners, entryCompany: entry.companyName });
}

/** `/start <payload>`: the notice and its two buttons, or a polite refusal. Stores nothing about the person. */
export async function startConversation(
  env: Env,
  user: TelegramUser,
  payload: string,
  now: number,
): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
  const parsed = parseStartPayload(payload);
  if (person && parsed?.kind === "referral") {
    // Somebody already in the bot opened a friend's (or their own) invitation link.
    return answer([{ text: referralOutcomeText(await useReferralCode(env, person, parsed.code, now)) }]);
  }
  if (person) {
    const question = surveyQuestion(person);
    return answer(question ? [question] : [{ text: MESSAGES.alreadyConsented }]);
  }
  if (payload === "") return answer([{ text: MESSAGES.noEntry }]);
  const entry = await verifyStartPayload(env, payload, now);
  if (!entry) return answer([{ text: MESSAGES.refusedEntry }]);
  const problem = entry.kind === "referral" ? referralEntryProblem(entry) : null;
  if (problem) return answer([{ text: MESSAGES.referralRefused[problem] }]);
  await bumpFunnel(db, entry.companyId, "entered");
  return answer([
    {
      text: await noticeFor(env, entry),
      buttons: [
        [
          { text: MESSAGES.agreeButton, action: { kind: "agree", payload: entry.payload } },
          { text: MESSAGES.refuseButton, action: { kind: "refuse" } },
        ],
      ],
    },
  ]);
}

/** What keeps a newcomer from entering through a referral code (the newcomer cannot own it yet). */
function referralEntryProblem(entry: Extract<VerifiedEntry, { kind: "referral" }>) {
  return referralProblem({
    codeOwnerId: entry.referrerPersonId,
    uses: entry.uses,
    maxUses: entry.maxUses,
    personId: null,
    alreadyReferred: false,
  });
}

/**
 * "I agree": the person, the consent record and its first event (and, for a referral entry, the
 * referral while the code has places left); then the survey's first question.
 */
export async function agree(env: Env, user: TelegramUser, payload: string, now: number): Promise<BotAnswer> {
  const db = controlDb(env);
  const telegramHash = await personLookupHash(env, user);
  if (await findPersonByTelegramHash(db, telegramHash)) return answer([{ text: MESSAGES.alreadyConsented }]);
  const entry = await verifyStartPayload(env, payload, now);
  if (!entry) return answer([{ text: MESSAGES.refusedEntry }]);
  const notice = await noticeFor(env, entry);
  const personId = newId("bp");
  const created = await createConsentedPerson(db, {
    person: {
      id: personId,
      telegramHash,
      chatCipher: await sealChatId(env, user.chatId),
      entryCompanyId: entry.companyId,
      campaign: entry.kind === "company" ? entry.campaign : null,
      clientId: entry.kind === "link" ? entry.clientId : null,
      step: "survey_age",
      needs: "[]",
      createdAt: now,
      updatedAt: now,
    },
    consent: {
      id: newId("bc"),
      personId,
      purpose: CONSENT_PURPOSE,
      noticeVersion: CONSENT_NOTICE_VERSION,
      noticeHash: await sha256Hex(notice),
      channel: "telegram",
      entryPayload: entry.payload,
      grantedAt: now,
    },
    linkTokenHash: entry.kind === "link" ? entry.tokenHash : null,
    referral: entry.kind === "referral" ? { code: entry.code, referrerPersonId: entry.referrerPersonId } : null,
  });
  if (!created) {
    return answer([{ text: entry.kind === "link" ? MESSAGES.refusedEntry : MESSAGES.alreadyConsented }]);
  }
  const question = surveyQuestion({ step: "survey_age", needs: "[]" });
  // The code's last place may have gone between the notice and "I agree": the person is in, unreferred.
  const referralLost = entry.kind === "referral" && (await findReferralOf(db, personId)) === null;
  return answer([
    ...(referralLost ? [{ text: MESSAGES.referralRefused.usage_limit }] : []),
    ...(question ? [question] : []),
  ]);
}

/** "I do not agree": nothing was stored, nothing is. */
export function refuse(): BotAnswer {
  return answer([{ text: MESSAGES.refusedConsent }]);
}

/** `/stop` or the withdraw button: the person's data goes, and no message follows. */
export async function withdraw(env: Env, user: TelegramUser, now: number): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
  if (!person) return answer([]);
  await withdrawPerson(db, person, now);
  return answer([], MESSAGES.withdrawn);
}

/** The callback data of the withdraw button, shown under the survey and offers. */
export const WITHDRAW_BUTTON = { text: MESSAGES.withdrawButton, action: { kind: "withdraw" as const } };
export const encodedWithdraw = encodeAction(WITHDRAW_BUTTON.action);
