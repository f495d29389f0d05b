import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { iso } from "../../../../domain/time";
import type { AppEnv } from "../../../../env";
import { listCrossServiceLinks } from "../../../../usecases/admin/cross-services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

export const CrossServiceLinkSchema = z
  .object({
    from: z.string().describe("Code of the service the client has"),
    to: z.string().describe("Code of the linked service the client likely needs"),
    weight: z.number().describe("Strength of the business link, 0 < weight <= 1"),
    note: z.string().nullable(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "CrossServiceLink" });

export class ListCrossServiceLinksRoute extends ApiRoute {
  override schema = {
    operationId: "listCrossServiceLinks",
    tags: ["Admin: cross-service matrix"],
    summary: "Read the cross-service matrix (stored cells only)",
    request: {
      query: z.strictObject({
        service: z.string().min(1).max(64).optional().describe("Only links from or to this service code"),
      }),
    },
    responses: {
      "200": {
        description: "Stored links ordered by (from, to); absent cells have weight 0",
        ...contentJson(z.object({ links: z.array(CrossServiceLinkSchema) })),
      },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const links = await listCrossServiceLinks(c.env, { serviceCode: query.service });
    return {
      links: links.map((link) => ({
        from: link.from,
        to: link.to,
        weight: link.weight,
        note: link.note,
        updated_at: iso(link.updatedAt),
      })),
    };
  }
}
