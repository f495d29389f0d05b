/**
 * `POST /v1/clients:batch`: up to {@link MAX_BATCH_CLIENTS} clients in one request. Personal data
 * anywhere refuses the whole request (it is never partially accepted); a malformed envelope is
 * refused as a whole; otherwise each item is validated and written on its own, so one bad item
 * does not sink the rest.
 */
import { z } from "zod";
import { type ClientProfile, toStoredProfile } from "../../domain/client-profile";
import type { ErrorItem } from "../../domain/errors";
import {
  clientIntakeBatchItemSchema as clientBatchItemSchema,
  crmNeedStatements,
  type NeedStatement,
} from "../../domain/needs/client-needs";
import { assertNoPersonalData } from "../../domain/personal-data";
import { check, validateAll } from "../../domain/validation";
import type { Env } from "../../env";
import { replaceSourceNeeds } from "../../storage/client-needs";
import { resolveServiceCodes, upsertClientsWithInteractions } from "../../storage/clients";
import { type ClientShard, controlDb, shardOfPseudonym } from "../../storage/shards";
import { vocabularyChecker } from "../vocabularies/profile";
import { clientPseudonym } from "./pseudonym";

/** Most clients accepted in one batch request. */
export const MAX_BATCH_CLIENTS = 500;

/** The documented request: every item as `PUT /v1/clients/{external_id}` takes it, plus its `external_id`. */
export const clientBatchRequestSchema = z
  .strictObject({
    clients: z
      .array(clientBatchItemSchema)
      .min(1, { error: "clients must hold at least one client" })
      .max(MAX_BATCH_CLIENTS, { error: `clients may hold at most ${MAX_BATCH_CLIENTS} clients per request` }),
  })
  .meta({ id: "ClientBatchRequest" });

/** The request's outer shape only: each item is validated on its own. */
const batchEnvelopeSchema = z.strictObject({
  clients: z
    .array(z.unknown(), { error: "clients must be an array of clients" })
    .min(1, { error: "clients must hold at least one client" })
    .max(MAX_BATCH_CLIENTS, { error: `clients may hold at most ${MAX_BATCH_CLIENTS} clients per request` }),
});

/** What happened to one item, in request order. */
export type ClientBatchItemResult =
  | { index: number; externalId: string; status: "created" | "updated"; clientRef: string }
  | { index: number; externalId?: string; status: "invalid"; errors: ErrorItem[] };

export interface ClientBatchResult {
  results: ClientBatchItemResult[];
  summary: { created: number; updated: number; invalid: number };
}

type ValidItem = { index: number; externalId: string; profile: ClientProfile; needs: NeedStatement[] };

/**
 * Writes the batch's valid items.
 * @throws DomainError `personal_data` (anywhere in the body), `validation_failed` (the envelope),
 * `unavailable` (no pseudonym key).
 */
export async function putClientBatch(
  env: Env,
  request: { companyId: string; body: unknown },
): Promise<ClientBatchResult> {
  assertNoPersonalData(request.body, ["body"]);
  const { envelope } = validateAll({ envelope: [batchEnvelopeSchema, request.body, ["body"]] });

  const results: ClientBatchItemResult[] = new Array(envelope.clients.length);
  const invalid = (index: number, errors: ErrorItem[], externalId?: string) => {
    results[index] = { index, ...(externalId ? { externalId } : {}), status: "invalid", errors };
  };

  const vocabularies = await vocabularyChecker(env);
  const now = Date.now();
  const valid: ValidItem[] = [];
  const firstIndexById = new Map<string, number>();
  for (const [index, raw] of envelope.clients.entries()) {
    const basePath = ["body", "clients", String(index)];
    const checked = check(clientBatchItemSchema, raw, basePath);
    if (!checked.ok) {
      // Echo the item's external_id only when it is itself valid, so the CRM can match the result.
      const rawId =
        typeof raw === "object" && raw !== null ? (raw as { external_id?: unknown }).external_id : undefined;
      const validId = check(clientBatchItemSchema.shape.external_id, rawId, []);
      invalid(index, checked.errors, validId.ok ? validId.data : undefined);
      continue;
    }
    const { external_id: externalId, ...profile } = checked.data;
    const first = firstIndexById.get(externalId);
    if (first !== undefined) {
      const message = `This external_id was already sent at index ${first} of this batch; send each client once`;
      invalid(index, [{ code: "validation_failed", message, path: [...basePath, "external_id"] }], externalId);
      continue;
    }
    firstIndexById.set(externalId, index);
    const needs = crmNeedStatements(profile.needs, now, basePath);
    const inVocabulary = vocabularies.check({ ...profile, needs: needs.codes }, basePath);
    if (!inVocabulary.ok || needs.errors.length > 0) {
      invalid(index, [...needs.errors, ...(inVocabulary.ok ? [] : inVocabulary.errors)], externalId);
      continue;
    }
    valid.push({ index, externalId, profile: inVocabulary.profile, needs: needs.statements });
  }

  const known = await resolveServiceCodes(
    controlDb(env),
    valid.flatMap((item) => Object.keys(item.profile.services ?? {})),
  );
  const writable = valid.filter((item) => {
    const unknown = Object.keys(item.profile.services ?? {}).filter((code) => !known.has(code));
    if (unknown.length === 0) return true;
    invalid(
      item.index,
      unknown.map((code) => ({
        code: "validation_failed",
        message: "Unknown service code",
        path: ["body", "clients", String(item.index), "services", code],
      })),
      item.externalId,
    );
    return false;
  });

  const hashes = await Promise.all(writable.map((item) => clientPseudonym(env, request.companyId, item.externalId)));
  // Each shard writes its own clients (each client fully or not at all), all shards at once.
  const byShard = new Map<ClientShard, number[]>();
  hashes.forEach((hash, i) => {
    const shard = shardOfPseudonym(env, hash);
    const members = byShard.get(shard);
    if (members) members.push(i);
    else byShard.set(shard, [i]);
  });
  await Promise.all(
    [...byShard].map(async ([shard, members]) => {
      const written = await upsertClientsWithInteractions(
        shard.db,
        request.companyId,
        members.map((i) => ({
          externalHash: hashes[i],
          profile: toStoredProfile(writable[i].profile),
          interactions: Object.entries(writable[i].profile.services ?? {}).map(([code, value]) => {
            const service = known.get(code)!;
            return { serviceId: service.id, modelIndex: service.modelIndex, value };
          }),
          source: "crm" as const,
        })),
      );
      // The CRM's needs replace what it said before (survey and inferred needs stay).
      await replaceSourceNeeds(
        shard.db,
        members.map((i, position) => ({
          clientId: written[position].clientId,
          source: "crm",
          statements: writable[i].needs,
        })),
        now,
      );
      members.forEach((i, position) => {
        const item = writable[i];
        results[item.index] = {
          index: item.index,
          externalId: item.externalId,
          status: written[position].created ? "created" : "updated",
          clientRef: written[position].clientId,
        };
      });
    }),
  );

  const summary = { created: 0, updated: 0, invalid: 0 };
  for (const result of results) summary[result.status]++;
  return { results, summary };
}
