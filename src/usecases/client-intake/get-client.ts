/** `GET /v1/clients/{external_id}`: one of the caller's clients, as stored. */
import { externalIdSchema } from "../../domain/client-profile";
import { DomainError } from "../../domain/errors";
import { findPersonalDataInIdentifier, personalDataError } from "../../domain/personal-data";
import { validateAll } from "../../domain/validation";
import type { Env } from "../../env";
import { activeNeedsOfClient } from "../../storage/client-needs";
import { type ClientRow, findClientByExternalHash, getClientInteractions } from "../../storage/clients";
import { controlDb, shardOfId, shardOfPseudonym } from "../../storage/shards";
import { type ClientRecord, clientRecordOf } from "./client-record";
import { clientPseudonym } from "./pseudonym";

/**
 * The stored client the company sent under `externalId` (validated here: the CRM id is scanned for
 * personal data first).
 * @throws DomainError `personal_data`, `validation_failed`, `not_found`, `unavailable`.
 */
export async function getClient(env: Env, request: { companyId: string; externalId: string }): Promise<ClientRecord> {
  const findings = findPersonalDataInIdentifier(request.externalId, ["params", "external_id"]);
  if (findings.length > 0) throw personalDataError(findings);
  const { externalId } = validateAll({ externalId: [externalIdSchema, request.externalId, ["params", "external_id"]] });
  const client = await findCompanyClient(env, request.companyId, externalId);
  const shard = shardOfId(env, client.id)!;
  const now = Date.now();
  const [interactions, needs] = await Promise.all([
    getClientInteractions({ shard: shard.db, control: controlDb(env) }, client.id),
    activeNeedsOfClient(shard.db, client.id, now),
  ]);
  return clientRecordOf(client, interactions, needs, now);
}

/**
 * The company's client with this (valid) CRM id. The hash is keyed per company, so another
 * company's client with the same CRM id is simply not found.
 * @throws DomainError `not_found` at ["params", "external_id"], `unavailable`.
 */
export async function findCompanyClient(env: Env, companyId: string, externalId: string): Promise<ClientRow> {
  const hash = await clientPseudonym(env, companyId, externalId);
  const client = await findClientByExternalHash(shardOfPseudonym(env, hash).db, companyId, hash);
  if (!client) throw new DomainError("not_found", "No client with this external_id", ["params", "external_id"]);
  return client;
}
