import { contentJson } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../env";
import { acknowledgeInboxLead } from "../../../usecases/partner-inbox/ack-lead";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { inboxLeadSchema, leadIdParams, toInboxLead } from "./inbox";

export class AckLeadRoute extends ApiRoute {
  override schema = {
    operationId: "acknowledgePartnerLead",
    tags: ["Partner inbox"],
    summary: "Acknowledge receipt of a lead (idempotent)",
    description:
      "Confirms the company has the lead: a `queued`, `delivered` or `failed` lead becomes `acknowledged` and " +
      "is never pushed again. Repeating the call changes nothing; a lead with a reported outcome keeps it.",
    request: { params: leadIdParams },
    responses: {
      "200": { description: "The lead after acknowledgement", ...contentJson(inboxLeadSchema) },
      ...errorResponses(403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return toInboxLead(await acknowledgeInboxLead(c.env, companyId, params.id));
  }
}
