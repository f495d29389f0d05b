/**
 * The short survey after consent: an age band, then up to five interests. Its end makes the
 * cold-start profile (a pseudonymous client of the entry company, or the linked CRM client) and
 * queues the first offers.
 */
import { AGE_BAND_LABELS, MESSAGES } from "../../domain/bot/messages";
import { isAgeBand, representativeAge, SURVEY_NEEDS, type SurveyAgeBand, toggleNeed } from "../../domain/bot/survey";
import { DEFAULT_SURVEY_NEED_CONFIDENCE, SURVEY_NEED_TTL_MS } from "../../domain/needs/client-needs";
import type { Env } from "../../env";
import { pseudonymize } from "../../lib/crypto";
import { type BotPersonRow, bumpFunnel, findPersonByTelegramHash, updatePerson } from "../../storage/bot";
import { replaceSourceNeeds } from "../../storage/client-needs";
import { upsertClientWithInteractions } from "../../storage/clients";
import { controlDb, shardOfId, shardOfPseudonym } from "../../storage/shards";
import { earnForEvent } from "../loyalty/ledger";
import { personLookupHash, type TelegramUser } from "./identity";
import { answer, type BotAnswer, type BotButton, type BotReply } from "./replies";

/**
 * Region of a bot client: the survey does not ask where the person lives, so the profile says
 * "the country" (the recommender's region block then carries no signal).
 */
export const BOT_CLIENT_REGION = "ru";
/**
 * The survey asks nothing financial: a bot client's income is unknown, stored as null — not 0, which
 * the recommender and the lead document would read as the lowest income (docs/bot.md).
 */
export const BOT_CLIENT_UNKNOWN_INCOME = null;

export function personNeeds(person: Pick<BotPersonRow, "needs">): string[] {
  const parsed = JSON.parse(person.needs) as unknown;
  return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === "string") : [];
}

function needButtons(chosen: readonly string[]): BotButton[][] {
  const rows: BotButton[][] = [];
  for (let i = 0; i < SURVEY_NEEDS.length; i += 3) {
    rows.push(
      SURVEY_NEEDS.slice(i, i + 3).map(([tag, label]) => ({
        text: chosen.includes(tag) ? `✓ ${label}` : label,
        action: { kind: "need" as const, tag },
      })),
    );
  }
  rows.push([{ text: MESSAGES.needsDoneButton, action: { kind: "needs_done" } }]);
  return rows;
}

/** The question the person is at, or null once the survey is done. */
export function surveyQuestion(person: Pick<BotPersonRow, "step" | "needs">): BotReply | null {
  if (person.step === "survey_age") {
    return {
      text: MESSAGES.askAge,
      buttons: [0, 3].map((start) =>
        AGE_BAND_LABELS.slice(start, start + 3).map(([band, label]) => ({
          text: label,
          action: { kind: "age" as const, band },
        })),
      ),
    };
  }
  if (person.step === "survey_needs") return { text: MESSAGES.askNeeds, buttons: needButtons(personNeeds(person)) };
  return null;
}

async function consentedPerson(env: Env, user: TelegramUser) {
  return findPersonByTelegramHash(controlDb(env), await personLookupHash(env, user));
}

export async function answerAge(env: Env, user: TelegramUser, band: string, now: number): Promise<BotAnswer> {
  const person = await consentedPerson(env, user);
  if (!person || !isAgeBand(band)) return answer([]);
  await updatePerson(
    controlDb(env),
    person.id,
    { ageBand: band, step: person.step === "ready" ? "ready" : "survey_needs" },
    now,
  );
  if (person.step === "ready") return answer([], MESSAGES.surveyDone);
  return answer([surveyQuestion({ step: "survey_needs", needs: person.needs })!]);
}

export async function toggleInterest(env: Env, user: TelegramUser, tag: string, now: number): Promise<BotAnswer> {
  const person = await consentedPerson(env, user);
  if (person?.step !== "survey_needs") return answer([]);
  const next = toggleNeed(personNeeds(person), tag);
  if (!next) return answer([], MESSAGES.tooManyNeeds);
  await updatePerson(controlDb(env), person.id, { needs: JSON.stringify(next) }, now);
  const label = SURVEY_NEEDS.find(([t]) => t === tag)?.[1] ?? tag;
  return answer([], next.includes(tag) ? `✓ ${label}` : `− ${label}`);
}

/**
 * "Done": the cold-start profile becomes a client (unless the person is a linked CRM client, whose
 * CRM profile stays as the CRM sent it) and the first offers are queued.
 */
export async function finishSurvey(
  env: Env,
  user: TelegramUser,
  now: number,
  queueOffers: (personId: string) => Promise<void>,
): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await consentedPerson(env, user);
  if (person?.step !== "survey_needs" || !person.ageBand || !isAgeBand(person.ageBand)) return answer([]);
  const needs = personNeeds(person);
  if (needs.length === 0) return answer([], MESSAGES.needNoNeeds);
  let clientId = person.clientId;
  if (!clientId) {
    const externalHash = await pseudonymize(env.PSEUDONYM_KEY, person.entryCompanyId, `bot:${person.id}`);
    const written = await upsertClientWithInteractions(shardOfPseudonym(env, externalHash).db, {
      companyId: person.entryCompanyId,
      externalHash,
      profile: {
        age: representativeAge(person.ageBand as SurveyAgeBand),
        monthlyIncome: BOT_CLIENT_UNKNOWN_INCOME,
        region: BOT_CLIENT_REGION,
        gender: null,
        needs,
      },
      interactions: [],
      source: "bot",
      now,
    });
    clientId = written.clientId;
  }
  // The survey's answers are the client's `survey` needs (docs/recommender.md "Needs"), renewed by a new survey.
  const statements = needs.map((code) => ({
    code,
    confidence: DEFAULT_SURVEY_NEED_CONFIDENCE,
    expiresAt: now + SURVEY_NEED_TTL_MS,
  }));
  const clientShard = shardOfId(env, clientId);
  if (clientShard) await replaceSourceNeeds(clientShard.db, [{ clientId, source: "survey", statements }], now);
  await updatePerson(db, person.id, { step: "ready", clientId }, now);
  await bumpFunnel(db, person.entryCompanyId, "surveyed");
  await earnForEvent(env, { personId: person.id, event: "survey_completed", key: `survey:${person.id}`, now });
  await queueOffers(person.id);
  return answer([
    { text: MESSAGES.surveyDone, buttons: [[{ text: MESSAGES.inviteButton, action: { kind: "invite" } }]] },
  ]);
}
