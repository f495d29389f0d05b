import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { createUrlRule, deleteUrlRule, listUrlRules } from "../../../../usecases/admin/url-rules";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema } from "../schemas";

export const UrlRuleSchema = z
  .object({
    id: z.string().describe("`url_…`"),
    company_id: z.string(),
    prefix: z.string().describe("Normalized URL prefix: origin and path, no query or fragment"),
    service: z.string().describe("Service code a matching page shows interest in"),
    created_at: z.string(),
  })
  .meta({ id: "UrlRule" });

export const CreateUrlRuleBody = z
  .strictObject({
    prefix: z
      .string()
      .min(1)
      .max(500)
      .describe("Absolute URL prefix, e.g. `https://shop.example/mortgage` (https except localhost; no query)"),
    service: z.string().min(1).max(64).describe("Catalog service code"),
  })
  .meta({ id: "CreateUrlRuleRequest" });

const ruleIdSchema = z.string().min(1).max(64).describe("Rule id (`url_…`)");

export class ListUrlRulesRoute extends ApiRoute {
  override schema = {
    operationId: "listUrlRules",
    tags: ["Admin: website"],
    summary: "List a company's URL rules (page URL prefix → service)",
    request: { params: z.object({ id: companyIdSchema }) },
    responses: {
      "200": { description: "The rules, by prefix", ...contentJson(z.object({ url_rules: z.array(UrlRuleSchema) })) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return { url_rules: await listUrlRules(c.env, params.id) };
  }
}

export class CreateUrlRuleRoute extends ApiRoute {
  override schema = {
    operationId: "createUrlRule",
    tags: ["Admin: website"],
    summary: "Add a URL rule: pages under the prefix count as interest in the service",
    description:
      "The longest matching prefix wins. The prefix is normalized like the pages it matches (lowercase origin, " +
      "query and fragment refused). Audited as `url_rule.created`.",
    request: { params: z.object({ id: companyIdSchema }), body: contentJson(CreateUrlRuleBody) },
    responses: {
      "201": { description: "The rule", ...contentJson(UrlRuleSchema) },
      ...errorResponses(400, 403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    return c.json(await createUrlRule(c.env, principal.keyId, params.id, body), 201);
  }
}

export class DeleteUrlRuleRoute extends ApiRoute {
  override schema = {
    operationId: "deleteUrlRule",
    tags: ["Admin: website"],
    summary: "Delete a URL rule",
    description: "Audited as `url_rule.deleted`. Browsing counted before stays counted.",
    request: { params: z.object({ id: companyIdSchema, rule_id: ruleIdSchema }) },
    responses: {
      "204": { description: "Deleted" },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    await deleteUrlRule(c.env, principal.keyId, params.id, params.rule_id);
    return c.body(null, 204);
  }
}
