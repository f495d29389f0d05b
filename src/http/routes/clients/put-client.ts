import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import { clientIntakeProfileSchema } from "../../../domain/needs/client-needs";
import type { AppEnv } from "../../../env";
import { putClient } from "../../../usecases/client-intake/put-client";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { readJsonBody } from "../../request-body";
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
      "`needs` takes plain codes (confidence 1, no expiry) or `{ code, confidence?, expires_at? }`; they replace the " +
      "needs the CRM sent before, while needs from the bot's survey and the model's inferences stay. The answer " +
      "lists every active need with its source, confidence and expiry.\n\n" +
      "The body and the `external_id` are scanned for personal data before validation; any (a name, phone, " +
      "e-mail, document or card number, address, birth date) refuses the request with 422 `personal_data`, one " +
      "error per offending path, and nothing is stored. The `external_id` itself is stored only as a keyed " +
      "per-company hash. Unknown service codes are refused (400, one error per code); deactivated services are " +
      "accepted as history. Needs `crm` scope.",
    request: {
      params: z.object({ external_id: externalIdSchema }),
      body: { required: true, content: { "application/json": { schema: clientIntakeProfileSchema } } },
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
    const externalId = c.req.param("external_id") ?? "";
    const written = await putClient(c.env, { companyId, externalId, body: await readJsonBody(c) });
    return c.json(toClientRecord(written.client), written.created ? 201 : 200);
  }
}
