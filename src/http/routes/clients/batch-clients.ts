import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { type ClientProfile, clientBatchItemSchema, toStoredProfile } from "../../../domain/client-profile";
import type { ErrorItem } from "../../../domain/errors";
import { assertNoPersonalData } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { resolveServiceCodes, upsertClientsWithInteractions } from "../../../storage/clients";
import { getDb } from "../../../storage/db";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { check, externalIdHash, readJsonBody, validateAll } from "./input";
import { clientBatchResponseSchema } from "./schemas";

/** Most clients accepted in one batch request. */
export const MAX_BATCH_CLIENTS = 500;

const batchRequestSchema = z
  .strictObject({
    clients: z
      .array(clientBatchItemSchema)
      .min(1, { error: "clients must hold at least one client" })
      .max(MAX_BATCH_CLIENTS, { error: `clients may hold at most ${MAX_BATCH_CLIENTS} clients per request` }),
  })
  .meta({ id: "ClientBatchRequest" });

/** The request's outer shape only: each item is validated on its own so that one bad item does not sink the rest. */
const batchEnvelopeSchema = z.strictObject({
  clients: z
    .array(z.unknown(), { error: "clients must be an array of clients" })
    .min(1, { error: "clients must hold at least one client" })
    .max(MAX_BATCH_CLIENTS, { error: `clients may hold at most ${MAX_BATCH_CLIENTS} clients per request` }),
});

type BatchResult = z.infer<typeof clientBatchResponseSchema>["results"][number];
type ValidItem = { index: number; externalId: string; profile: ClientProfile };

export class BatchClientsRoute extends OpenAPIRoute {
  override schema = {
    operationId: "batchClients",
    tags: ["Clients"],
    summary: "Create or update up to 500 client profiles",
    description:
      "Each item is what `PUT /v1/clients/{external_id}` takes, plus its `external_id`.\n\n" +
      "**All-or-nothing for personal data, per item for everything else.** The whole body is first scanned " +
      "for personal data: if any item carries some, the whole request is refused with 422 `personal_data` " +
      "(one error per offending path) and nothing is written, because personal data is never partially " +
      "accepted. A malformed envelope (not an object, unknown top-level field, `clients` missing, empty or " +
      "longer than 500) is refused with 400. Otherwise every item is validated on its own: valid items are " +
      "written and reported `created` or `updated`; invalid ones (schema errors, unknown service codes, an " +
      "`external_id` repeated in the same batch) are reported `invalid` with their errors and not written. " +
      "Each item is written atomically (profile and interactions together). Re-sending a batch is safe: " +
      "unchanged clients are reported `updated` and write nothing. Needs `crm` scope.",
    request: { body: { required: true, content: { "application/json": { schema: batchRequestSchema } } } },
    responses: {
      "200": {
        description: "Per-item results, in request order, and their counts",
        content: { "application/json": { schema: clientBatchResponseSchema } },
      },
      ...errorResponses(400, 403, 409, 413, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "crm");
    const body = await readJsonBody(c);
    assertNoPersonalData(body, ["body"]);
    const { envelope } = validateAll({ envelope: [batchEnvelopeSchema, body, ["body"]] });

    const results: BatchResult[] = new Array(envelope.clients.length);
    const invalid = (index: number, errors: ErrorItem[], externalId?: string) => {
      results[index] = { index, ...(externalId ? { external_id: externalId } : {}), status: "invalid", errors };
    };

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
      valid.push({ index, externalId, profile });
    }

    const db = getDb(c.env.DB);
    const known = await resolveServiceCodes(
      db,
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

    const hashes = await Promise.all(writable.map((item) => externalIdHash(c.env, companyId, item.externalId)));
    const written = await upsertClientsWithInteractions(
      db,
      companyId,
      writable.map((item, i) => ({
        externalHash: hashes[i],
        profile: toStoredProfile(item.profile),
        interactions: Object.entries(item.profile.services ?? {}).map(([code, value]) => {
          const service = known.get(code)!;
          return { serviceId: service.id, modelIndex: service.modelIndex, value };
        }),
        source: "crm" as const,
      })),
    );
    writable.forEach((item, i) => {
      results[item.index] = {
        index: item.index,
        external_id: item.externalId,
        status: written[i].created ? "created" : "updated",
        client_ref: written[i].clientId,
      };
    });

    const summary = { created: 0, updated: 0, invalid: 0 };
    for (const result of results) summary[result.status]++;
    return c.json({ results, summary });
  }
}
