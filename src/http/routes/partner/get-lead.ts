import { contentJson } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../env";
import { getInboxLead } from "../../../usecases/partner-inbox/get-lead";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { inboxLeadSchema, leadIdParams, toInboxLead } from "./inbox";

export class GetInboxLeadRoute extends ApiRoute {
  override schema = {
    operationId: "getPartnerLead",
    tags: ["Partner inbox"],
    summary: "Get one of the company's leads",
    request: { params: leadIdParams },
    responses: {
      "200": { description: "The lead", ...contentJson(inboxLeadSchema) },
      ...errorResponses(403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return toInboxLead(await getInboxLead(c.env, companyId, params.id));
  }
}
