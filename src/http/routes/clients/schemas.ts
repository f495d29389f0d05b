/** Response schemas of the client routes and the serialisation of a stored client. */
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import { NEED_SOURCES } from "../../../domain/needs/client-needs";
import { iso, isoOrNull } from "../../../domain/time";
import type { ClientBatchResult } from "../../../usecases/client-intake/batch-clients";
import type { ClientRecord } from "../../../usecases/client-intake/client-record";
import { errorItemSchema } from "../../errors";

export const clientInteractionSchema = z
  .object({
    service_code: z.string(),
    value: z.union([z.literal(1), z.literal(-1)]).meta({ description: "1 uses the service, -1 offered and declined" }),
    source: z.enum(["crm", "deal", "partner", "import", "bot"]).meta({ description: "Who reported the current value" }),
    at: z.iso.datetime().meta({ description: "When the current value was recorded" }),
  })
  .meta({ id: "ClientInteraction" });

export const storedClientProfileSchema = z
  .object({
    age: z.int(),
    monthly_income: z
      .int()
      .nullable()
      .meta({ description: "RUB per month, whole rubles; null when unknown (a client who came through the bot)" }),
    region: z.string(),
    gender: z.enum(["female", "male"]).nullable(),
    needs: z.array(z.string()),
  })
  .meta({ id: "ClientProfile" });

export const clientNeedSchema = z
  .object({
    code: z.string().meta({ description: "Code of the needs taxonomy" }),
    source: z.enum(NEED_SOURCES).meta({
      description: "`crm` (sent by the CRM), `survey` (the bot's survey) or `inferred` (the model, from services held)",
    }),
    confidence: z.number().meta({ description: "How sure the source is, greater than 0 and at most 1" }),
    observed_at: z.iso.datetime().meta({ description: "When the source stated (or the model inferred) it" }),
    expires_at: z.iso.datetime().nullable().meta({ description: "When it stops counting; null = never" }),
  })
  .meta({ id: "ClientNeed" });

export const clientRecordSchema = z
  .object({
    client_ref: z.string().meta({
      description: "CactuBase's pseudonymous id of the client (`cl_…`); it reveals nothing about the CRM id",
      example: "cl_8f3kq2m9x7c4v1b6n5zt",
    }),
    profile: storedClientProfileSchema,
    interactions: z.array(clientInteractionSchema).meta({ description: "Current interaction values, by service" }),
    needs: z.array(clientNeedSchema).meta({
      description:
        "The client's active needs from every source, strongest first (expired ones are left out); `profile.needs` " +
        "keeps the codes the CRM sent",
    }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime().meta({ description: "Last change of the profile or of an interaction" }),
  })
  .meta({ id: "Client" });

export const clientBatchResultSchema = z
  .object({
    index: z.int().meta({ description: "Position of the client in the request's `clients` array" }),
    external_id: externalIdSchema.optional().meta({ description: "The item's external_id, when it was valid" }),
    status: z.enum(["created", "updated", "invalid"]),
    client_ref: z.string().optional().meta({ description: "Present for created and updated clients" }),
    errors: z.array(errorItemSchema).optional().meta({ description: "Why an invalid item was not written" }),
  })
  .meta({ id: "ClientBatchResult" });

export const clientBatchResponseSchema = z
  .object({
    results: z.array(clientBatchResultSchema),
    summary: z.object({ created: z.int(), updated: z.int(), invalid: z.int() }),
  })
  .meta({ id: "ClientBatchResponse" });

export type ClientRecordBody = z.infer<typeof clientRecordSchema>;

/** The API view of a stored client and its current interactions. */
export function toClientRecord(client: ClientRecord): ClientRecordBody {
  return {
    client_ref: client.clientRef,
    profile: {
      age: client.profile.age,
      monthly_income: client.profile.monthlyIncome,
      region: client.profile.region,
      gender: client.profile.gender,
      needs: client.profile.needs,
    },
    interactions: client.interactions.map((interaction) => ({
      service_code: interaction.serviceCode,
      value: interaction.value,
      source: interaction.source,
      at: iso(interaction.at),
    })),
    needs: client.needs.map((need) => ({
      code: need.code,
      source: need.source,
      confidence: need.confidence,
      observed_at: iso(need.observedAt),
      expires_at: isoOrNull(need.expiresAt),
    })),
    created_at: iso(client.createdAt),
    updated_at: iso(client.updatedAt),
  };
}

/** The API view of a batch's per-item results. */
export function toClientBatchResponse(batch: ClientBatchResult): z.infer<typeof clientBatchResponseSchema> {
  return {
    results: batch.results.map((result) =>
      result.status === "invalid"
        ? {
            index: result.index,
            ...(result.externalId !== undefined ? { external_id: result.externalId } : {}),
            status: result.status,
            errors: result.errors,
          }
        : { index: result.index, external_id: result.externalId, status: result.status, client_ref: result.clientRef },
    ),
    summary: batch.summary,
  };
}
