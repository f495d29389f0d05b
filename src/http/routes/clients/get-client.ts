import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import type { AppEnv } from "../../../env";
import { getClient } from "../../../usecases/client-intake/get-client";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
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
    const client = await getClient(c.env, { companyId, externalId: c.req.param("external_id") ?? "" });
    return c.json(toClientRecord(client));
  }
}
