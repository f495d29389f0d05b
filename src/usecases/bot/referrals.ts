/**
 * Referrals in the bot: a person asks for an invitation ("Пригласить друга" or /invite) and gets
 * one code of their own with a deep link carrying it; a friend enters through the link (or types the
 * code) and is recorded as referred when agreeing. The rules (no self-referral, one referral per
 * person, newcomers only, the code's usage limit) are src/domain/loyalty/referral-code.ts; the
 * reward follows the friend's first accepted deal (deal-rewards.ts). Control-database tables only.
 */
import { formatReferralEntry } from "../../domain/bot/entry-payload";
import { MESSAGES } from "../../domain/bot/messages";
import { DomainError } from "../../domain/errors";
import {
  DEFAULT_REFERRAL_MAX_USES,
  linkSafeReferralCodeFromBytes,
  MAX_REFERRAL_MAX_USES,
  parseReferralCode,
  REFERRAL_CODE_LENGTH,
  type ReferralProblem,
  referralProblem,
} from "../../domain/loyalty/referral-code";
import type { Env } from "../../env";
import { type BotPersonRow, findPersonByTelegramHash } from "../../storage/bot";
import {
  claimReferral,
  findReferralOf,
  getReferralCode,
  getReferralCodeOfPerson,
  insertReferralCode,
  personHasAcceptedDeal,
  type ReferralCodeRow,
  setReferralCodeMaxUses,
} from "../../storage/bot-referrals";
import { controlDb } from "../../storage/shards";
import { deepLink } from "./entry";
import { personLookupHash, type TelegramUser } from "./identity";
import { answer, type BotAnswer } from "./replies";

/** Draws before giving up on finding a free, link-safe code (each draw fails with p ≈ 0.14 + collisions). */
const MAX_CODE_DRAWS = 20;

function randomCodeCandidate(): string | null {
  return linkSafeReferralCodeFromBytes(crypto.getRandomValues(new Uint8Array(REFERRAL_CODE_LENGTH)));
}

/** The person's code, issued on the first request. */
export async function referralCodeFor(env: Env, personId: string, now: number): Promise<ReferralCodeRow> {
  const db = controlDb(env);
  for (let draw = 0; draw < MAX_CODE_DRAWS; draw++) {
    const existing = await getReferralCodeOfPerson(db, personId);
    if (existing) return existing;
    const code = randomCodeCandidate();
    if (!code) continue;
    await insertReferralCode(db, {
      code,
      personId,
      maxUses: DEFAULT_REFERRAL_MAX_USES,
      uses: 0,
      createdAt: now,
      updatedAt: now,
    });
  }
  const existing = await getReferralCodeOfPerson(db, personId);
  if (existing) return existing;
  throw new DomainError("unavailable", "Could not issue a referral code; try again");
}

/** "Пригласить друга" / `/invite`: the person's code and the deep link carrying it. */
export async function inviteFriend(env: Env, user: TelegramUser, now: number): Promise<BotAnswer> {
  const person = await findPersonByTelegramHash(controlDb(env), await personLookupHash(env, user));
  if (!person) return answer([{ text: MESSAGES.noEntry }]);
  const code = await referralCodeFor(env, person.id, now);
  return answer([{ text: MESSAGES.invite(code.code, deepLink(env, formatReferralEntry(code.code))) }]);
}

export type ReferralOutcome = { recorded: true } | { recorded: false; problem: ReferralProblem | "unknown_code" };

/** Records that `person` was referred through `code`, or says why not. */
export async function useReferralCode(
  env: Env,
  person: Pick<BotPersonRow, "id">,
  typedCode: string,
  now: number,
): Promise<ReferralOutcome> {
  const db = controlDb(env);
  const canonical = parseReferralCode(typedCode);
  const code = canonical ? await getReferralCode(db, canonical) : null;
  if (!code) return { recorded: false, problem: "unknown_code" };
  const [previous, hasAcceptedDeal] = await Promise.all([
    findReferralOf(db, person.id),
    personHasAcceptedDeal(db, person.id),
  ]);
  const problem = referralProblem({
    codeOwnerId: code.personId,
    uses: code.uses,
    maxUses: code.maxUses,
    personId: person.id,
    alreadyReferred: previous !== null,
    hasAcceptedDeal,
  });
  if (problem) return { recorded: false, problem };
  const recorded = await claimReferral(db, {
    referredPersonId: person.id,
    code: code.code,
    referrerPersonId: code.personId,
    now,
  });
  // Lost a race: the last place went to somebody else, or another code was recorded meanwhile.
  if (!recorded)
    return { recorded: false, problem: (await findReferralOf(db, person.id)) ? "already_referred" : "usage_limit" };
  return { recorded: true };
}

export function referralOutcomeText(outcome: ReferralOutcome): string {
  if (outcome.recorded) return MESSAGES.referralAccepted;
  return outcome.problem === "unknown_code" ? MESSAGES.referralUnknown : MESSAGES.referralRefused[outcome.problem];
}

/**
 * A code a person typed: for somebody in the bot, the referral is recorded (or refused); for
 * somebody new it is the same entry as the code's deep link (`enter` shows the consent notice).
 */
export async function typedReferralCode(
  env: Env,
  user: TelegramUser,
  code: string,
  now: number,
  enter: (payload: string) => Promise<BotAnswer>,
): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
  if (person) return answer([{ text: referralOutcomeText(await useReferralCode(env, person, code, now)) }]);
  const stored = await getReferralCode(db, code);
  if (!stored) return answer([{ text: MESSAGES.referralUnknown }]);
  return enter(formatReferralEntry(stored.code));
}

export interface ReferralCodeView {
  code: string;
  uses: number;
  max_uses: number;
}

/** `PUT /v1/admin/bot/referral-codes/{code}`: a code's usage limit. @throws DomainError validation_failed, not_found */
export async function setReferralCodeLimit(
  env: Env,
  typedCode: string,
  maxUses: number,
  now: number,
): Promise<ReferralCodeView> {
  if (!Number.isSafeInteger(maxUses) || maxUses < 0 || maxUses > MAX_REFERRAL_MAX_USES) {
    throw new DomainError("validation_failed", `max_uses must be a whole number from 0 to ${MAX_REFERRAL_MAX_USES}`, [
      "body",
      "max_uses",
    ]);
  }
  const code = parseReferralCode(typedCode);
  if (!code) {
    throw new DomainError(
      "validation_failed",
      "Not a referral code: 9 Crockford base32 symbols, the last a check symbol",
      ["params", "code"],
    );
  }
  const row = await setReferralCodeMaxUses(controlDb(env), code, maxUses, now);
  if (!row) throw new DomainError("not_found", `Referral code ${code} not found`, ["params", "code"]);
  return { code: row.code, uses: row.uses, max_uses: row.maxUses };
}
