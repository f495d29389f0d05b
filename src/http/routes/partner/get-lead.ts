import { contentJson } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../env";
import { getDb } from "../../../storage/db";
import { findCompanyLead } from "../../../storage/leads";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { inboxLeadSchema, leadIdParams, leadNotFound, toInboxLead } from "./inbox";

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
    const row = await findCompanyLead(getDb(c.env.DB), companyId, params.id);
    if (!row) throw leadNotFound(params.id);
    return toInboxLead(row);
  }
}
