import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import { findPersonalDataInIdentifier, personalDataError } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { linkAnonymousIdentity } from "../../../usecases/site-events/link-identity";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";

export const LinkIdentityBody = z
  .strictObject({
    anonymous_id: z
      .string()
      .min(8)
      .max(100)
      .describe("The visitor's anonymous id from the snippet (`cactubase.anonymousId()` on the page)"),
  })
  .meta({ id: "LinkIdentityRequest" });

export const LinkIdentityResultSchema = z
  .object({
    linked: z.literal(true),
    created: z.boolean().describe("False when the same link existed already (the call is idempotent)"),
    folded: z.int().describe("Days × services of the visitor's earlier browsing moved to the client by this call"),
  })
  .meta({ id: "LinkIdentityResult" });

/** `POST /v1/clients/{external_id}/identities` */
export class LinkIdentityRoute extends ApiRoute {
  override schema = {
    operationId: "linkClientIdentity",
    tags: ["Clients"],
    summary: "Link a website visitor's anonymous id to one of the CRM's clients",
    description:
      "Call it from the company's backend when a visitor signs in on the site. Both ids are stored as keyed hashes " +
      "only. The visitor's browsing so far is folded into the client, and later events count for the client. " +
      "Idempotent; an anonymous id already linked to another client is 409 `conflict`; an unknown client 404. " +
      "Needs `crm` scope.",
    request: { params: z.object({ external_id: externalIdSchema }), body: contentJson(LinkIdentityBody) },
    responses: {
      "200": { description: "The link (existing or new)", ...contentJson(LinkIdentityResultSchema) },
      ...errorResponses(400, 403, 404, 409, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "crm");
    const raw = c.req.param("external_id") ?? "";
    const findings = findPersonalDataInIdentifier(raw, ["params", "external_id"]);
    if (findings.length > 0) throw personalDataError(findings);
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const result = await linkAnonymousIdentity(c.env, {
      companyId,
      externalId: params.external_id,
      anonymousId: body.anonymous_id,
    });
    return c.json({ linked: true as const, ...result }, 200);
  }
}
