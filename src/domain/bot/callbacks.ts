/**
 * The `callback_data` of the bot's inline buttons (Telegram: at most 64 bytes). Every button the bot
 * shows is one of these; anything else is ignored.
 */
import { isAgeBand, isSurveyNeed } from "./survey";

export type BotAction =
  | { kind: "agree"; payload: string }
  | { kind: "refuse" }
  | { kind: "age"; band: string }
  | { kind: "need"; tag: string }
  | { kind: "needs_done" }
  | { kind: "interested"; offerId: string }
  | { kind: "not_for_me"; offerId: string }
  | { kind: "withdraw" }
  | { kind: "rate"; offerId: string; stars: number }
  | { kind: "redeem"; rewardId: string }
  | { kind: "invite" };

export const CALLBACK_DATA_MAX_BYTES = 64;

export function encodeAction(action: BotAction): string {
  switch (action.kind) {
    case "agree":
      return `a:${action.payload}`;
    case "refuse":
      return "r";
    case "age":
      return `g:${action.band}`;
    case "need":
      return `n:${action.tag}`;
    case "needs_done":
      return "nd";
    case "interested":
      return `i:${action.offerId}`;
    case "not_for_me":
      return `x:${action.offerId}`;
    case "withdraw":
      return "w";
    case "rate":
      return `q:${action.offerId}:${action.stars}`;
    case "redeem":
      return `rw:${action.rewardId}`;
    case "invite":
      return "inv";
  }
}

export function decodeAction(data: string): BotAction | null {
  if (new TextEncoder().encode(data).length > CALLBACK_DATA_MAX_BYTES) return null;
  const colon = data.indexOf(":");
  const head = colon < 0 ? data : data.slice(0, colon);
  const rest = colon < 0 ? "" : data.slice(colon + 1);
  switch (head) {
    case "a":
      return rest ? { kind: "agree", payload: rest } : null;
    case "r":
      return { kind: "refuse" };
    case "g":
      return isAgeBand(rest) ? { kind: "age", band: rest } : null;
    case "n":
      return isSurveyNeed(rest) ? { kind: "need", tag: rest } : null;
    case "nd":
      return { kind: "needs_done" };
    case "i":
      return /^bo_[0-9a-z]{20}$/.test(rest) ? { kind: "interested", offerId: rest } : null;
    case "x":
      return /^bo_[0-9a-z]{20}$/.test(rest) ? { kind: "not_for_me", offerId: rest } : null;
    case "w":
      return { kind: "withdraw" };
    case "inv":
      return { kind: "invite" };
    case "rw":
      return /^rw_[0-9a-z]{20}$/.test(rest) ? { kind: "redeem", rewardId: rest } : null;
    case "q": {
      const match = /^(bo_[0-9a-z]{20}):([1-5])$/.exec(rest);
      return match ? { kind: "rate", offerId: match[1], stars: Number(match[2]) } : null;
    }
    default:
      return null;
  }
}
