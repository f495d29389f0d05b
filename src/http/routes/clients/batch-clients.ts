import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../env";
import {
  clientBatchRequestSchema,
  MAX_BATCH_CLIENTS,
  putClientBatch,
} from "../../../usecases/client-intake/batch-clients";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { readJsonBody } from "../../request-body";
import { clientBatchResponseSchema, toClientBatchResponse } from "./schemas";

export class BatchClientsRoute extends OpenAPIRoute {
  override schema = {
    operationId: "batchClients",
    tags: ["Clients"],
    summary: `Create or update up to ${MAX_BATCH_CLIENTS} client profiles`,
    description:
      "Each item is what `PUT /v1/clients/{external_id}` takes, plus its `external_id`.\n\n" +
      "**All-or-nothing for personal data, per item for everything else.** The whole body is first scanned " +
      "for personal data: if any item carries some, the whole request is refused with 422 `personal_data` " +
      "(one error per offending path) and nothing is written, because personal data is never partially " +
      "accepted. A malformed envelope (not an object, unknown top-level field, `clients` missing, empty or " +
      `longer than ${MAX_BATCH_CLIENTS}) is refused with 400. Otherwise every item is validated on its own: valid items are ` +
      "written and reported `created` or `updated`; invalid ones (schema errors, unknown service codes, an " +
      "`external_id` repeated in the same batch) are reported `invalid` with their errors and not written. " +
      "Each item is written atomically (profile and interactions together). Re-sending a batch is safe: " +
      "unchanged clients are reported `updated` and write nothing. Needs `crm` scope.",
    request: { body: { required: true, content: { "application/json": { schema: clientBatchRequestSchema } } } },
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
    const batch = await putClientBatch(c.env, { companyId, body: await readJsonBody(c) });
    return c.json(toClientBatchResponse(batch));
  }
}
