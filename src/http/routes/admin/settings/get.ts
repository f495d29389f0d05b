import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { getSettings } from "../../../../usecases/admin/settings";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { SettingsViewSchema, settingsView } from "./view";

export class GetSettingsRoute extends ApiRoute {
  override schema = {
    operationId: "getSettings",
    tags: ["Admin: settings"],
    summary: "Read settings: stored values per scope and the effective value everywhere",
    request: { query: z.strictObject({}) },
    description:
      "Effective values resolve service > company (the service's owner) > global > built-in default, each with " +
      "its `source`; `max_leads_per_request` per source company; routing per category.",
    responses: {
      "200": { description: "Settings", ...contentJson(SettingsViewSchema) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    await this.getValidatedData<typeof this.schema>();
    return settingsView(await getSettings(c.env));
  }
}
