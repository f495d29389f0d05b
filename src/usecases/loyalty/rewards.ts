/**
 * Rewards companies publish for points (discount codes, bundles, cashback entitlements: the company
 * pays, the platform records) and their redemption in the bot: a spend in the person's ledger
 * (oldest points first, refused when short) and a redemption record.
 */
import { MESSAGES } from "../../domain/bot/messages";
import { offerTextProblems } from "../../domain/bot/offer-text";
import { DomainError, isDomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { newId } from "../../lib/ids";
import { findPersonByTelegramHash } from "../../storage/bot";
import { getCompany } from "../../storage/companies";
import {
  countRedemptions,
  getReward,
  insertRedemption,
  insertReward,
  listRewards,
  type RewardRow,
  setRewardActive,
} from "../../storage/loyalty";
import { controlDb } from "../../storage/shards";
import { personLookupHash, type TelegramUser } from "../bot/identity";
import { answer, type BotAnswer } from "../bot/replies";
import { applyLoyaltyOperation } from "./ledger";

export const REWARD_KINDS = ["discount", "bundle", "cashback"] as const;
/** Rewards listed in the bot at once. */
const REWARDS_SHOWN = 10;

export interface RewardView {
  id: string;
  company_id: string;
  kind: RewardRow["kind"];
  title: string;
  cost_points: number;
  active: boolean;
}

const view = (r: RewardRow): RewardView => ({
  id: r.id,
  company_id: r.companyId,
  kind: r.kind,
  title: r.title,
  cost_points: r.costPoints,
  active: r.active,
});

/** @throws DomainError not_found (company), validation_failed (title speaks of finances) */
export async function publishReward(
  env: Env,
  input: { companyId: string; kind: RewardRow["kind"]; title: string; costPoints: number; now: number },
): Promise<RewardView> {
  const problems = offerTextProblems(input.title);
  if (problems.length > 0) {
    throw DomainError.many(
      "validation_failed",
      problems.map((message) => ({ message, path: ["body", "title"] })),
    );
  }
  const db = controlDb(env);
  if (!(await getCompany(db, input.companyId))) {
    throw new DomainError("not_found", `Company ${input.companyId} not found`, ["body", "company_id"]);
  }
  const row: RewardRow = {
    id: newId("rw"),
    companyId: input.companyId,
    kind: input.kind,
    title: input.title.trim(),
    costPoints: input.costPoints,
    active: true,
    createdAt: input.now,
    updatedAt: input.now,
  };
  await insertReward(db, row);
  return view(row);
}

export async function listRewardViews(env: Env): Promise<RewardView[]> {
  return (await listRewards(controlDb(env))).map(view);
}

/** @throws DomainError not_found */
export async function withdrawReward(env: Env, id: string, now: number): Promise<void> {
  if (!(await setRewardActive(controlDb(env), id, false, now)))
    throw new DomainError("not_found", `Reward ${id} not found`);
}

/** `/rewards` in the bot: the active rewards with a button each. */
export async function showRewards(env: Env, user: TelegramUser): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
  if (!person) return answer([{ text: MESSAGES.noEntry }]);
  const rewards = (await listRewards(db, { activeOnly: true })).slice(0, REWARDS_SHOWN);
  if (rewards.length === 0) return answer([{ text: MESSAGES.noRewards }]);
  return answer([
    {
      text: MESSAGES.rewardsIntro,
      buttons: rewards.map((r) => [
        { text: MESSAGES.rewardButton(r.title, r.costPoints), action: { kind: "redeem", rewardId: r.id } },
      ]),
    },
  ]);
}

/** A reward's button: the points are spent (oldest first) and the redemption recorded. */
export async function redeemReward(env: Env, user: TelegramUser, rewardId: string, now: number): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
  const reward = await getReward(db, rewardId);
  if (!person || !reward?.active) return answer([], MESSAGES.rewardUnavailable);
  const company = await getCompany(db, reward.companyId);
  const key = `redeem:${reward.id}:${person.id}:${(await countRedemptions(db, reward.id, person.id)) + 1}`;
  try {
    await applyLoyaltyOperation(env, person.id, {
      kind: "spend",
      key,
      personId: person.id,
      points: reward.costPoints,
      at: now,
      companyId: reward.companyId,
      reason: `reward:${reward.id}`,
    });
  } catch (error) {
    if (isDomainError(error, "unprocessable")) return answer([], MESSAGES.notEnoughPoints);
    throw error;
  }
  await insertRedemption(db, {
    key,
    rewardId: reward.id,
    companyId: reward.companyId,
    personId: person.id,
    points: reward.costPoints,
    at: now,
  });
  return answer([{ text: MESSAGES.redeemed(reward.title, company?.name ?? "") }]);
}
