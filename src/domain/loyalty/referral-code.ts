/**
 * Referral codes: Crockford base32 with its check symbol (mod 37), so a mistyped code is refused
 * before any lookup. Reading is forgiving as Crockford intends: case, hyphens, I/L → 1, O → 0.
 * The rules of using a code (one per person, usage limits, no self-referral, reward after the
 * referred person's first accepted deal) are in `referralProblem`.
 */

const SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** The 5 extra check symbols for values 32..36. */
const CHECK_SYMBOLS = `${SYMBOLS}*~$=U`;
export const REFERRAL_CODE_LENGTH = 8;
/** How many people one code may bring in unless an admin sets another limit for it. */
export const DEFAULT_REFERRAL_MAX_USES = 5;
/** The highest per-code limit an admin may set. */
export const MAX_REFERRAL_MAX_USES = 1000;

/** Body of `length` symbols from random bytes (one symbol per byte, 5 bits each). */
export function referralCodeFromBytes(bytes: Uint8Array): string {
  let body = "";
  for (const b of bytes.subarray(0, REFERRAL_CODE_LENGTH)) body += SYMBOLS[b & 31];
  if (body.length !== REFERRAL_CODE_LENGTH) throw new RangeError(`need ${REFERRAL_CODE_LENGTH} random bytes`);
  return body + checkSymbol(body);
}

/**
 * A code to hand out, or null when its check symbol is one of `* ~ $ =`: those are valid Crockford
 * check symbols, but Telegram's `/start` payload allows only `A-Za-z0-9_-`, so such a code could not
 * ride in a deep link. The caller draws new bytes (about 1 draw in 9 is refused).
 */
export function linkSafeReferralCodeFromBytes(bytes: Uint8Array): string | null {
  const code = referralCodeFromBytes(bytes);
  return /^[0-9A-Z]+$/.test(code) ? code : null;
}

function numericValue(body: string): bigint {
  let value = 0n;
  for (const ch of body) value = value * 32n + BigInt(SYMBOLS.indexOf(ch));
  return value;
}

export function checkSymbol(body: string): string {
  return CHECK_SYMBOLS[Number(numericValue(body) % 37n)];
}

/** The canonical form of what a person typed: upper case, no hyphens or spaces, I/L → 1, O → 0. */
export function normalizeReferralCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
}

/** The canonical code when it is well formed and its check symbol matches, else null. */
export function parseReferralCode(typed: string): string | null {
  const code = normalizeReferralCode(typed);
  if (code.length !== REFERRAL_CODE_LENGTH + 1) return null;
  const body = code.slice(0, -1);
  if (![...body].every((ch) => SYMBOLS.includes(ch))) return null;
  return checkSymbol(body) === code.slice(-1) ? code : null;
}

export interface ReferralUse {
  codeOwnerId: string;
  /** How many people the code already brought in, and at most how many it may. */
  uses: number;
  maxUses: number;
  /** The person using the code (null: somebody who has not agreed yet, so nobody's own code). */
  personId: string | null;
  /** Whether that person was referred before. */
  alreadyReferred: boolean;
  /** Whether that person already had a deal accepted: a referral is for newcomers, whose first deal pays. */
  hasAcceptedDeal?: boolean;
}

export type ReferralProblem = "self_referral" | "already_referred" | "already_customer" | "usage_limit";

/** Why a code may not be used, or null when it may. */
export function referralProblem(use: ReferralUse): ReferralProblem | null {
  if (use.codeOwnerId === use.personId) return "self_referral";
  if (use.alreadyReferred) return "already_referred";
  if (use.hasAcceptedDeal) return "already_customer";
  if (use.uses >= use.maxUses) return "usage_limit";
  return null;
}

/** The referrer earns only once the referred person's first deal is accepted. */
export function referralRewardDue(referredAcceptedDeals: number): boolean {
  return referredAcceptedDeals >= 1;
}
