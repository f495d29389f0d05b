/**
 * `POST /v1/clients/{external_id}/identities`: the company's backend tells which CRM client a
 * website visitor is (after the visitor signed in on the site). Both sides stay pseudonymous: the
 * anonymous id and the CRM id are stored only as keyed hashes. The visitor's browsing so far (kept
 * per anonymous id, bounded) is folded into the client's daily counts, and later events go to the
 * client directly.
 *
 * Idempotent: linking the same pair again changes nothing (and finishes a fold an earlier call
 * could not). An anonymous id already linked to another client of the company is `conflict`: one
 * browser is one visitor, and silently moving its history would mix two clients.
 */
import { DomainError } from "../../domain/errors";
import { BROWSING_RETENTION_DAYS, dayNumber } from "../../domain/site-events";
import type { Env } from "../../env";
import {
  addBrowsingQueries,
  browsingOf,
  deleteAnonymousBrowsingQuery,
  insertLinkQuery,
  linkOf,
} from "../../storage/browsing";
import { findClientByExternalHash } from "../../storage/clients";
import { shardOfPseudonym } from "../../storage/shards";
import { clientPseudonym } from "../client-intake/pseudonym";
import { anonymousHashOf } from "./ingest";

export interface LinkResult {
  /** True when this call made the link; false when it existed already. */
  created: boolean;
  /** Daily browsing rows of the visitor folded into the client by this call. */
  folded: number;
}

export async function linkAnonymousIdentity(
  env: Env,
  input: { companyId: string; externalId: string; anonymousId: string },
  now = Date.now(),
): Promise<LinkResult> {
  const { companyId } = input;
  const clientHash = await clientPseudonym(env, companyId, input.externalId);
  const clientShard = shardOfPseudonym(env, clientHash);
  const client = await findClientByExternalHash(clientShard.db, companyId, clientHash);
  if (!client) {
    throw new DomainError(
      "not_found",
      "No client with this external_id: send it with PUT /v1/clients/{external_id} first",
      ["params", "external_id"],
    );
  }
  const anonymousHash = await anonymousHashOf(env.PSEUDONYM_KEY, companyId, input.anonymousId);
  const anonymousShard = shardOfPseudonym(env, anonymousHash);
  const anonymousDb = anonymousShard.db;

  const existing = await linkOf(anonymousDb, companyId, anonymousHash);
  if (existing && existing.clientHash !== clientHash) {
    throw new DomainError("conflict", "This anonymous id is already linked to another client of the company", [
      "body",
      "anonymous_id",
    ]);
  }
  const fromDay = dayNumber(now) - BROWSING_RETENTION_DAYS;
  const rows = await browsingOf(anonymousDb, { companyId, kind: "anonymous", hash: anonymousHash }, fromDay);
  const counts = rows.map((row) => ({
    companyId,
    subjectKind: "client" as const,
    subjectHash: clientHash,
    serviceId: row.serviceId,
    day: row.day,
    events: row.events,
  }));
  const link = insertLinkQuery(anonymousDb, { companyId, anonymousHash, clientHash, linkedAt: now });
  const removeAnonymous = deleteAnonymousBrowsingQuery(anonymousDb, companyId, anonymousHash);
  if (clientShard === anonymousShard) {
    // One shard: the link, the fold and the removal are one atomic batch.
    await anonymousDb.batch([link, ...addBrowsingQueries(anonymousDb, counts), removeAnonymous]);
  } else {
    // Two shards: add to the client first, then link and remove. A failure in between leaves the
    // anonymous rows in place and the link unmade, so a retry folds them (at worst counted twice).
    const adds = addBrowsingQueries(clientShard.db, counts);
    if (adds.length > 0) await clientShard.db.batch(adds as [(typeof adds)[0], ...typeof adds]);
    await anonymousDb.batch([link, removeAnonymous]);
  }
  return { created: existing === null, folded: rows.length };
}
