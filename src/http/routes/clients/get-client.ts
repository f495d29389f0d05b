import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import { DomainError } from "../../../domain/errors";
import { findPersonalDataInIdentifier, personalDataError } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { findClientByExternalHash, getClientInteractions } from "../../../storage/clients";
import { getDb } from "../../../storage/db";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { externalIdHash, validateAll } from "./input";
import { clientRecordSchema, toClientRecord } from "./schemas";

export class GetClientRoute extends OpenAPIRoute {
  override schema = {
    operationId: "getClient",
    tags: ["Clients"],
    summary: "Read one of the caller's clients",
    description:
      "The stored anonymized profile and current interactions of a client the calling CRM sent before. " +
      "Clients of other companies are never visible (404). Needs `crm` scope.",
    request: { params: z.object({ external_id: externalIdSchema }) },
    responses: {
      "200": { description: "The client", content: { "application/json": { schema: clientRecordSchema } } },
      ...errorResponses(400, 403, 404, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "crm");
    const rawExternalId = c.req.param("external_id") ?? "";
    const findings = findPersonalDataInIdentifier(rawExternalId, ["params", "external_id"]);
    if (findings.length > 0) throw personalDataError(findings);
    const { externalId } = validateAll({ externalId: [externalIdSchema, rawExternalId, ["params", "external_id"]] });

    const db = getDb(c.env.DB);
    // The hash is keyed per company, so another company's client with the same CRM id is simply not found.
    const client = await findClientByExternalHash(db, companyId, await externalIdHash(c.env, companyId, externalId));
    if (!client) throw new DomainError("not_found", "No client with this external_id", ["params", "external_id"]);
    return c.json(toClientRecord(client, await getClientInteractions(db, client.id)));
  }
}
