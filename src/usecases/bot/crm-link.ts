/**
 * `POST /v1/clients/{external_id}/bot-link`: a one-time deep link for one of the CRM's clients. Who
 * opens it and agrees becomes that pseudonymous client in the bot. Only the token's hash is stored.
 */
import { formatLinkEntry, LINK_TOKEN_LENGTH } from "../../domain/bot/entry-payload";
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { pseudonymize, sha256Hex } from "../../lib/crypto";
import { randomToken } from "../../lib/ids";
import { insertLink } from "../../storage/bot";
import { findClientByExternalHash } from "../../storage/clients";
import { controlDb, shardOfPseudonym } from "../../storage/shards";
import { deepLink } from "./entry";

/** How long a CRM link stays usable. */
export const BOT_LINK_TTL_MS = 7 * 86_400_000;

export interface BotLink {
  deep_link: string;
  start_payload: string;
  expires_at: string;
}

/** @throws DomainError not_found (no such client of this company), unavailable (bot not configured) */
export async function createBotLink(env: Env, companyId: string, externalId: string, now: number): Promise<BotLink> {
  if (!env.PSEUDONYM_KEY || !env.TELEGRAM_BOT_USERNAME) {
    throw new DomainError("unavailable", "The Telegram bot is not configured on this deployment");
  }
  const db = controlDb(env);
  const externalHash = await pseudonymize(env.PSEUDONYM_KEY, companyId, externalId);
  const client = await findClientByExternalHash(shardOfPseudonym(env, externalHash).db, companyId, externalHash);
  if (!client) throw new DomainError("not_found", "No client with this external_id", ["params", "external_id"]);
  const token = randomToken(LINK_TOKEN_LENGTH);
  const expiresAt = now + BOT_LINK_TTL_MS;
  await insertLink(db, {
    tokenHash: await sha256Hex(token),
    companyId,
    clientId: client.id,
    createdAt: now,
    expiresAt,
  });
  const payload = formatLinkEntry(token);
  return { deep_link: deepLink(env, payload), start_payload: payload, expires_at: new Date(expiresAt).toISOString() };
}
