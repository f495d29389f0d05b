/**
 * The `/start` payload of the bot's deep links (`https://t.me/<bot>?start=<payload>`). Telegram allows
 * at most 64 characters of `A-Za-z0-9_-`. Two kinds:
 *
 * - company entry (QR code): `c_<company id body>[_<campaign>]_<mac>`, where the mac is a truncated
 *   HMAC of the company and campaign, so nobody can mint an entry for a company or a campaign;
 * - CRM link: `l_<token>`, a random one-time token whose hash the link table holds;
 * - referral: `r_<referral code>`, a person's invitation code (its check symbol refuses typos; the
 *   code's owner and limits are looked up by the caller).
 *
 * Pure: the mac itself is computed by the caller (src/lib/crypto.ts) over `entryMacMessage`.
 */
import { parseReferralCode } from "../loyalty/referral-code";

export const START_PAYLOAD_MAX_LENGTH = 64;
/** Characters of the truncated mac (base64url of 12 bytes: 96 bits). */
export const ENTRY_MAC_LENGTH = 16;
export const CAMPAIGN_PATTERN = /^[A-Za-z0-9]{1,16}$/;
export const LINK_TOKEN_LENGTH = 24;

const COMPANY_ID = /^co_([0-9a-z]{20})$/;
const PAYLOAD_ALPHABET = /^[A-Za-z0-9_-]{1,64}$/;

export interface CompanyEntry {
  kind: "company";
  companyId: string;
  campaign: string | null;
  mac: string;
}

export interface LinkEntry {
  kind: "link";
  token: string;
}

export interface ReferralEntry {
  kind: "referral";
  /** The canonical code. */
  code: string;
}

export type StartPayload = CompanyEntry | LinkEntry | ReferralEntry;

/** The message the entry mac signs: versioned, so a format change invalidates old codes on purpose. */
export function entryMacMessage(companyId: string, campaign: string | null): string {
  return `bot-entry:v1:${companyId}:${campaign ?? ""}`;
}

/** Whether a company id can be carried in a payload (ids minted by `newId("co")`). */
export function isEntryCompanyId(companyId: string): boolean {
  return COMPANY_ID.test(companyId);
}

export function formatCompanyEntry(companyId: string, campaign: string | null, mac: string): string {
  const body = COMPANY_ID.exec(companyId)?.[1];
  if (!body) throw new RangeError("company id cannot be carried in a start payload");
  if (campaign !== null && !CAMPAIGN_PATTERN.test(campaign)) throw new RangeError("invalid campaign");
  const payload = ["c", body, ...(campaign ? [campaign] : []), mac].join("_");
  if (payload.length > START_PAYLOAD_MAX_LENGTH) throw new RangeError("payload too long");
  return payload;
}

export function formatLinkEntry(token: string): string {
  return `l_${token}`;
}

export function formatReferralEntry(code: string): string {
  if (parseReferralCode(code) !== code) throw new RangeError("not a canonical referral code");
  if (!PAYLOAD_ALPHABET.test(code)) throw new RangeError("referral code cannot be carried in a start payload");
  return `r_${code}`;
}

/** Reads a payload's shape; null for anything that is not one of ours (the mac is checked by the caller). */
export function parseStartPayload(payload: string): StartPayload | null {
  if (!PAYLOAD_ALPHABET.test(payload)) return null;
  const parts = payload.split("_");
  if (parts[0] === "l" && parts.length === 2 && /^[0-9a-z]+$/.test(parts[1]) && parts[1].length === LINK_TOKEN_LENGTH) {
    return { kind: "link", token: parts[1] };
  }
  if (parts[0] === "r" && parts.length === 2) {
    const code = parseReferralCode(parts[1]);
    return code ? { kind: "referral", code } : null;
  }
  // The mac is base64url and may itself hold "_" or "-": it is read by position, from the end.
  const mac = payload.slice(-ENTRY_MAC_LENGTH);
  const head = payload.slice(0, -ENTRY_MAC_LENGTH - 1);
  if (payload[payload.length - ENTRY_MAC_LENGTH - 1] !== "_") return null;
  const headMatch = /^c_([0-9a-z]{20})(?:_([A-Za-z0-9]{1,16}))?$/.exec(head);
  if (!headMatch) return null;
  const body = headMatch[1];
  const campaign = headMatch[2] ?? null;
  return { kind: "company", companyId: `co_${body}`, campaign, mac };
}
