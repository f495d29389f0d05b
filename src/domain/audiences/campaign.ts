/**
 * Partner campaigns (docs/privacy.md "Partner audiences"): an offer text about one of the partner's
 * services, told by the bot to the people of an audience who consented to partner offers, within a
 * schedule and a cap per UTC day. Pure rules: what a valid campaign is and when it may send.
 */
import { offerTextProblems } from "../bot/offer-text";
import { DAY_MS } from "../time";

export const CAMPAIGN_CHANNELS = ["bot"] as const;
export const CAMPAIGN_STATUSES = ["active", "paused"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/** Longest schedule a campaign may have. */
export const MAX_CAMPAIGN_DAYS = 90;
export const MAX_CAMPAIGN_DAILY_CAP = 10_000;

export interface CampaignSchedule {
  startsAt: number;
  endsAt: number;
}

/** Problems of a new campaign's text and schedule (paths under the request body), empty when valid. */
export function campaignProblems(
  input: { text: string } & CampaignSchedule,
  now: number,
): Array<{ message: string; path: string[] }> {
  const problems = offerTextProblems(input.text).map((message) => ({ message, path: ["body", "text"] }));
  if (input.endsAt <= input.startsAt)
    problems.push({ message: "ends_at must be after starts_at", path: ["body", "ends_at"] });
  else if (input.endsAt - input.startsAt > MAX_CAMPAIGN_DAYS * DAY_MS) {
    problems.push({ message: `A campaign runs at most ${MAX_CAMPAIGN_DAYS} days`, path: ["body", "ends_at"] });
  }
  if (input.endsAt <= now) problems.push({ message: "ends_at must be in the future", path: ["body", "ends_at"] });
  return problems;
}

/** Whether a campaign may send now: it and its company active, and now within its schedule. */
export function campaignMaySend(
  campaign: { status: string } & CampaignSchedule,
  companyStatus: string | null,
  now: number,
): boolean {
  return (
    campaign.status === "active" && companyStatus === "active" && campaign.startsAt <= now && now < campaign.endsAt
  );
}

/** How many more messages the campaign may send today, given how many it sent since the UTC day began. */
export function campaignQuotaLeft(dailyCap: number, sentToday: number): number {
  return Math.max(0, dailyCap - sentToday);
}
