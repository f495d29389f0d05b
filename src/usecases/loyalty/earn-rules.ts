/** Admin: how many points each event earns, and for how long they stay valid. */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { type EarnEvent, type EarnRuleRow, listEarnRules, putEarnRule } from "../../storage/loyalty";
import { controlDb } from "../../storage/shards";

export const EARN_EVENTS = ["survey_completed", "referral_converted", "deal_accepted", "rating_given"] as const;
export const MAX_RULE_POINTS = 100_000;
export const MAX_LIFETIME_DAYS = 3650;

export interface EarnRuleView {
  event: EarnEvent;
  points: number;
  lifetime_days: number;
  active: boolean;
  updated_at: string;
  updated_by: string;
}

function view(row: EarnRuleRow): EarnRuleView {
  return {
    event: row.event,
    points: row.points,
    lifetime_days: row.lifetimeDays,
    active: row.active,
    updated_at: new Date(row.updatedAt).toISOString(),
    updated_by: row.updatedBy,
  };
}

export async function listLoyaltyEarnRules(env: Env): Promise<EarnRuleView[]> {
  return (await listEarnRules(controlDb(env))).map(view);
}

/** @throws DomainError validation_failed */
export async function putLoyaltyEarnRule(
  env: Env,
  input: { event: EarnEvent; points: number; lifetimeDays: number; active: boolean; actor: string; now: number },
): Promise<EarnRuleView> {
  if (!Number.isSafeInteger(input.points) || input.points < 0 || input.points > MAX_RULE_POINTS) {
    throw new DomainError("validation_failed", `points must be a whole number from 0 to ${MAX_RULE_POINTS}`, [
      "body",
      "points",
    ]);
  }
  const row: EarnRuleRow = {
    event: input.event,
    points: input.points,
    lifetimeDays: input.lifetimeDays,
    active: input.active,
    updatedAt: input.now,
    updatedBy: input.actor,
  };
  await putEarnRule(controlDb(env), row);
  return view(row);
}
