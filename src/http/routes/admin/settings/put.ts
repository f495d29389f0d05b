import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { SETTING_KEYS, SETTING_SCOPES } from "../../../../domain/settings";
import type { AppEnv } from "../../../../env";
import { changeSettings } from "../../../../usecases/admin/settings";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { SettingsViewSchema, settingsView } from "./view";

/** Most changes one request may carry. */
export const MAX_SETTING_CHANGES = 500;

export const PutSettingsBody = z
  .strictObject({
    changes: z
      .array(
        z.strictObject({
          scope: z.enum(SETTING_SCOPES),
          scope_id: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .describe("Company id, service id or category; omitted for global"),
          key: z.enum(SETTING_KEYS),
          value: z
            .unknown()
            .describe(
              "The new value (a number, or a RoutingRule object for `routing`); null deletes the override " +
                "(global values can only be replaced)",
            ),
        }),
      )
      .min(1)
      .max(MAX_SETTING_CHANGES),
  })
  .meta({ id: "PutSettingsRequest" });

export class PutSettingsRoute extends ApiRoute {
  override schema = {
    operationId: "putSettings",
    tags: ["Admin: settings"],
    summary: "Change settings (thresholds, caps, windows, routing) at any scope",
    description:
      "All or nothing: every invalid change is reported with its path (key vs scope, value rules, unknown " +
      "company / service / category, duplicates) and nothing is written.",
    request: { body: contentJson(PutSettingsBody) },
    responses: {
      "200": {
        description: "Applied; the settings as they are now",
        ...contentJson(
          z.object({
            applied: z.int().describe("Changes that modified a stored value"),
            unchanged: z.int().describe("Changes that were already in effect"),
            settings: SettingsViewSchema,
          }),
        ),
      },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const { applied, unchanged, settings } = await changeSettings(c.env, principal.keyId, body.changes);
    return { applied, unchanged, settings: settingsView(settings) };
  }
}
