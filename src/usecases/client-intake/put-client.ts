/**
 * `PUT /v1/clients/{external_id}`: one CRM client's anonymized profile and interactions, created or
 * replaced. The CRM id and the body are scanned for personal data before any validation (a name in
 * a field is refused as personal data, not as a malformed value), and nothing is stored on refusal.
 */
import { externalIdSchema, toStoredProfile } from "../../domain/client-profile";
import { DomainError } from "../../domain/errors";
import { clientIntakeProfileSchema, crmNeedStatements } from "../../domain/needs/client-needs";
import { findPersonalData, findPersonalDataInIdentifier, personalDataError } from "../../domain/personal-data";
import { validateAll } from "../../domain/validation";
import type { Env } from "../../env";
import { activeNeedsOfClient, replaceSourceNeedsQueries } from "../../storage/client-needs";
import { getClientInteractions, upsertClientWithInteractions } from "../../storage/clients";
import { controlDb, shardOfPseudonym } from "../../storage/shards";
import { profileInVocabularies } from "../vocabularies/profile";
import { type ClientRecord, clientRecordOf } from "./client-record";
import { resolveKnownServices } from "./known-services";
import { clientPseudonym } from "./pseudonym";

export interface PutClientRequest {
  companyId: string;
  /** The path's `external_id`, as sent. */
  externalId: string;
  /** The parsed JSON body, not yet validated. */
  body: unknown;
}

/**
 * Creates or updates the client; `created` tells which.
 * @throws DomainError `personal_data`, `validation_failed` (also for unknown service codes),
 * `conflict` (lost races to concurrent writes), `unavailable` (no pseudonym key).
 */
export async function putClient(
  env: Env,
  request: PutClientRequest,
): Promise<{ created: boolean; client: ClientRecord }> {
  const findings = [
    ...findPersonalDataInIdentifier(request.externalId, ["params", "external_id"]),
    ...findPersonalData(request.body, ["body"]),
  ];
  if (findings.length > 0) throw personalDataError(findings);
  const { externalId, profile: validated } = validateAll({
    externalId: [externalIdSchema, request.externalId, ["params", "external_id"]],
    profile: [clientIntakeProfileSchema, request.body, ["body"]],
  });
  const now = Date.now();
  const needs = crmNeedStatements(validated.needs, now, ["body"]);
  if (needs.errors.length > 0) throw DomainError.many("validation_failed", needs.errors);
  const profile = await profileInVocabularies(env, { ...validated, needs: needs.codes }, ["body"]);

  const control = controlDb(env);
  const services = Object.entries(profile.services ?? {});
  const [known, externalHash] = await Promise.all([
    resolveKnownServices(
      control,
      services.map(([code]) => code),
    ),
    clientPseudonym(env, request.companyId, externalId),
  ]);
  const shard = shardOfPseudonym(env, externalHash).db;
  const written = await upsertClientWithInteractions(
    shard,
    {
      companyId: request.companyId,
      externalHash,
      profile: toStoredProfile(profile),
      interactions: services.map(([code, value]) => {
        const service = known.get(code)!;
        return { serviceId: service.id, modelIndex: service.modelIndex, value };
      }),
      source: "crm",
    },
    // In the same batch, the CRM's needs replace what it said before (omitted needs clear them;
    // survey and inferred needs stay).
    (clientId) => replaceSourceNeedsQueries(shard, [{ clientId, source: "crm", statements: needs.statements }], now),
  );
  const [interactions, activeNeeds] = await Promise.all([
    getClientInteractions({ shard, control }, written.clientId),
    activeNeedsOfClient(shard, written.clientId, now),
  ]);
  return { created: written.created, client: clientRecordOf(written.client, interactions, activeNeeds, now) };
}
