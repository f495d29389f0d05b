import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { MAX_LINKS_PER_REQUEST, putCrossServiceLinks } from "../../../../usecases/admin/cross-services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

export const PutCrossServiceLinksBody = z
  .strictObject({
    links: z
      .array(
        z.strictObject({
          from: z.string().min(1).max(64).describe("Service code"),
          to: z.string().min(1).max(64).describe("Service code (not `from`)"),
          weight: z.number().min(0).max(1).describe("0..1; 0 deletes the link"),
          note: z
            .string()
            .trim()
            .max(500)
            .nullable()
            .optional()
            .describe("Why the services are linked; omitted keeps the stored note, null clears it"),
        }),
      )
      .min(1)
      .max(MAX_LINKS_PER_REQUEST),
  })
  .meta({ id: "PutCrossServiceLinksRequest" });

export class PutCrossServiceLinksRoute extends ApiRoute {
  override schema = {
    operationId: "putCrossServiceLinks",
    tags: ["Admin: cross-service matrix"],
    summary: "Set many cells of the cross-service matrix at once",
    description:
      `Upserts up to ${MAX_LINKS_PER_REQUEST} cells; weight 0 deletes a cell. All or nothing: unknown service ` +
      "codes, self-links and cells listed twice are all reported (each with its path) and nothing is written.",
    request: { body: contentJson(PutCrossServiceLinksBody) },
    responses: {
      "200": {
        description: "Counts of the applied changes",
        ...contentJson(
          z.object({
            upserted: z.int().describe("Cells created or changed"),
            deleted: z.int().describe("Stored cells removed by weight 0"),
            unchanged: z.int().describe("Cells already as requested (including weight 0 on an absent cell)"),
          }),
        ),
      },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const { upserted, deleted, unchanged } = await putCrossServiceLinks(c.env, principal.keyId, body.links);
    return { upserted, deleted, unchanged };
  }
}
