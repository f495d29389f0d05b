/**
 * Entry into the bot: the deep link and QR code of a company (admin), and the check of a `/start`
 * payload (the bot). A payload names a company (and campaign) under an HMAC, or a one-time CRM link.
 */
import { renderSVG } from "uqr";
import {
  CAMPAIGN_PATTERN,
  type CompanyEntry,
  ENTRY_MAC_LENGTH,
  entryMacMessage,
  formatCompanyEntry,
  formatReferralEntry,
  isEntryCompanyId,
  parseStartPayload,
} from "../../domain/bot/entry-payload";
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { derivedMacBase64Url, sha256Hex, timingSafeEqual } from "../../lib/crypto";
import { findUsableLink, getPerson } from "../../storage/bot";
import { getReferralCode } from "../../storage/bot-referrals";
import { getCompany } from "../../storage/companies";
import { controlDb } from "../../storage/shards";

const ENTRY_MAC_PURPOSE = "bot-entry";

export interface BotEntryLink {
  deep_link: string;
  start_payload: string;
  qr_svg: string;
}

function entryMac(env: Env, companyId: string, campaign: string | null): Promise<string> {
  return derivedMacBase64Url(env.PSEUDONYM_KEY, ENTRY_MAC_PURPOSE, entryMacMessage(companyId, campaign), 12);
}

export function deepLink(env: Env, payload: string): string {
  return `https://t.me/${env.TELEGRAM_BOT_USERNAME}?start=${payload}`;
}

/** `GET /v1/admin/companies/{id}/bot-entry`. @throws DomainError not_found, validation_failed, unavailable */
export async function botEntryLink(env: Env, companyId: string, campaign: string | null): Promise<BotEntryLink> {
  if (!env.PSEUDONYM_KEY || !env.TELEGRAM_BOT_USERNAME) {
    throw new DomainError("unavailable", "The Telegram bot is not configured on this deployment");
  }
  if (campaign !== null && !CAMPAIGN_PATTERN.test(campaign)) {
    throw new DomainError("validation_failed", "campaign must be 1 to 16 characters of A-Z a-z 0-9", [
      "query",
      "campaign",
    ]);
  }
  const company = await getCompany(controlDb(env), companyId);
  if (!company || !isEntryCompanyId(company.id)) throw new DomainError("not_found", `Company ${companyId} not found`);
  const payload = formatCompanyEntry(company.id, campaign, await entryMac(env, company.id, campaign));
  const link = deepLink(env, payload);
  return { deep_link: link, start_payload: payload, qr_svg: renderSVG(link) };
}

export type VerifiedEntry =
  | { kind: "company"; companyId: string; companyName: string; campaign: string | null; payload: string }
  | { kind: "link"; companyId: string; companyName: string; clientId: string; tokenHash: string; payload: string }
  | {
      kind: "referral";
      /** The referrer's entry company: the friend enters where the referrer did. */
      companyId: string;
      companyName: string;
      code: string;
      referrerPersonId: string;
      uses: number;
      maxUses: number;
      payload: string;
    };

async function verifyCompanyEntry(env: Env, entry: CompanyEntry) {
  const expected = await entryMac(env, entry.companyId, entry.campaign);
  return expected.length === ENTRY_MAC_LENGTH && timingSafeEqual(expected, entry.mac);
}

/**
 * The entry a payload stands for, or null when it is forged, unknown, used, expired or names a
 * company that is not active. A referral payload stands for the code's owner's entry company; its
 * usage limit is the caller's to check. Reads only; stores nothing.
 */
export async function verifyStartPayload(env: Env, payload: string, now: number): Promise<VerifiedEntry | null> {
  const parsed = parseStartPayload(payload);
  if (!parsed) return null;
  const db = controlDb(env);
  if (parsed.kind === "company") {
    if (!(await verifyCompanyEntry(env, parsed))) return null;
    const company = await getCompany(db, parsed.companyId);
    if (company?.status !== "active") return null;
    return { kind: "company", companyId: company.id, companyName: company.name, campaign: parsed.campaign, payload };
  }
  if (parsed.kind === "referral") {
    const control = controlDb(env);
    const code = await getReferralCode(control, parsed.code);
    const referrer = code ? await getPerson(control, code.personId) : null;
    if (!code || !referrer) return null;
    const company = await getCompany(control, referrer.entryCompanyId);
    if (company?.status !== "active") return null;
    return {
      kind: "referral",
      companyId: company.id,
      companyName: company.name,
      code: code.code,
      referrerPersonId: referrer.id,
      uses: code.uses,
      maxUses: code.maxUses,
      payload: formatReferralEntry(code.code),
    };
  }
  const tokenHash = await sha256Hex(parsed.token);
  const link = await findUsableLink(db, tokenHash, now);
  if (!link) return null;
  const company = await getCompany(db, link.companyId);
  if (company?.status !== "active") return null;
  return {
    kind: "link",
    companyId: company.id,
    companyName: company.name,
    clientId: link.clientId,
    tokenHash,
    payload,
  };
}
