import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { clientProfileSchema, externalIdSchema, toStoredProfile } from "../../../domain/client-profile";
import { findPersonalData, findPersonalDataInIdentifier, personalDataError } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { getClientInteractions, resolveServiceCodes, upsertClientWithInteractions } from "../../../storage/clients";
import { getDb } from "../../../storage/db";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { assertKnownServiceCodes, externalIdHash, readJsonBody, validateAll } from "./input";
import { clientRecordSchema, toClientRecord } from "./schemas";

export class PutClientRoute extends OpenAPIRoute {
  override schema = {
    operationId: "putClient",
    tags: ["Clients"],
    summary: "Create or update an anonymized client profile",
    description:
      "The CRM sends the anonymized profile of one of its clients, keyed by its own client id. The profile is " +
      "replaced (omitted `gender` and `needs` are cleared); `services` records interactions and is merged: " +
      "services not named keep their current value, and every value that changes is appended to the " +
      "interaction history. Re-sending the same client changes nothing.\n\n" +
      "The body and the `external_id` are scanned for personal data before validation; any (a name, phone, " +
      "e-mail, document or card number, address, birth date) refuses the request with 422 `personal_data`, one " +
      "error per offending path, and nothing is stored. The `external_id` itself is stored only as a keyed " +
      "per-company hash. Unknown service codes are refused (400, one error per code); deactivated services are " +
      "accepted as history. Needs `crm` scope.",
    request: {
      params: z.object({ external_id: externalIdSchema }),
      body: { required: true, content: { "application/json": { schema: clientProfileSchema } } },
    },
    responses: {
      "200": {
        description: "The client existed and was updated (or was already up to date)",
        content: { "application/json": { schema: clientRecordSchema } },
      },
      "201": { description: "The client was created", content: { "application/json": { schema: clientRecordSchema } } },
      ...errorResponses(400, 403, 409, 413, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "crm");
    const rawExternalId = c.req.param("external_id") ?? "";
    const body = await readJsonBody(c);

    const findings = [
      ...findPersonalDataInIdentifier(rawExternalId, ["params", "external_id"]),
      ...findPersonalData(body, ["body"]),
    ];
    if (findings.length > 0) throw personalDataError(findings);

    const { externalId, profile } = validateAll({
      externalId: [externalIdSchema, rawExternalId, ["params", "external_id"]],
      profile: [clientProfileSchema, body, ["body"]],
    });

    const db = getDb(c.env.DB);
    const services = Object.entries(profile.services ?? {});
    const known = await resolveServiceCodes(
      db,
      services.map(([code]) => code),
    );
    assertKnownServiceCodes(
      services.map(([code]) => code),
      (code) => known.has(code),
    );

    const written = await upsertClientWithInteractions(db, {
      companyId,
      externalHash: await externalIdHash(c.env, companyId, externalId),
      profile: toStoredProfile(profile),
      interactions: services.map(([code, value]) => {
        const service = known.get(code)!;
        return { serviceId: service.id, modelIndex: service.modelIndex, value };
      }),
      source: "crm",
    });
    const interactions = await getClientInteractions(db, written.clientId);
    return c.json(toClientRecord(written.client, interactions), written.created ? 201 : 200);
  }
}
