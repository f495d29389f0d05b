/** Admin management of the needs taxonomy (audited). */
import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import {
  needCodeSchema,
  needGroupSchema,
  needLabelEnSchema,
  needLabelRuSchema,
} from "../../../domain/vocabularies/needs";
import type { AppEnv } from "../../../env";
import { listVocabularies } from "../../../usecases/vocabularies/list";
import { createNeedTag, updateNeedTag } from "../../../usecases/vocabularies/manage-needs";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { needTagView, needTagViewSchema } from "./schemas";

export const CreateNeedTagBody = z
  .strictObject({
    code: needCodeSchema.describe("Immutable: stored profiles refer to it"),
    label_ru: needLabelRuSchema,
    label_en: needLabelEnSchema,
    group: needGroupSchema,
    active: z.boolean().default(true),
  })
  .meta({ id: "CreateNeedTagRequest" });

export const UpdateNeedTagBody = z
  .strictObject({
    label_ru: needLabelRuSchema.optional(),
    label_en: needLabelEnSchema.optional(),
    group: needGroupSchema.optional(),
    active: z.boolean().optional().describe("false retires the tag: refused on new input, kept on stored clients"),
  })
  .refine((body) => Object.keys(body).length > 0, { error: "Send at least one field to change" })
  .meta({ id: "UpdateNeedTagRequest" });

export class ListNeedTagsRoute extends ApiRoute {
  override schema = {
    operationId: "listNeedTags",
    tags: ["Admin: vocabularies"],
    summary: "The needs taxonomy, retired tags included",
    responses: {
      "200": {
        description: "Every tag",
        ...contentJson(z.object({ needs: z.array(needTagViewSchema) }).meta({ id: "NeedTagList" })),
      },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { needs } = await listVocabularies(c.env, { includeRetired: true });
    return { needs: needs.map(needTagView) };
  }
}

export class CreateNeedTagRoute extends ApiRoute {
  override schema = {
    operationId: "createNeedTag",
    tags: ["Admin: vocabularies"],
    summary: "Add a tag to the needs taxonomy",
    description: "Labels are free text and pass the personal-data guard like every body. Audited.",
    request: { body: contentJson(CreateNeedTagBody) },
    responses: {
      "201": { description: "Created", ...contentJson(needTagViewSchema) },
      ...errorResponses(400, 403, 409, 422),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const tag = await createNeedTag(c.env, principal.keyId, {
      code: body.code,
      labelRu: body.label_ru,
      labelEn: body.label_en,
      group: body.group,
      active: body.active,
    });
    return c.json(needTagView(tag), 201);
  }
}

export class UpdateNeedTagRoute extends ApiRoute {
  override schema = {
    operationId: "updateNeedTag",
    tags: ["Admin: vocabularies"],
    summary: "Change a need tag's labels, group or active flag",
    request: {
      params: z.object({ code: z.string().min(1).max(64).describe("Tag code") }),
      body: contentJson(UpdateNeedTagBody),
    },
    responses: {
      "200": { description: "The tag after the change", ...contentJson(needTagViewSchema) },
      ...errorResponses(400, 403, 404, 422),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const tag = await updateNeedTag(c.env, principal.keyId, params.code, {
      labelRu: body.label_ru,
      labelEn: body.label_en,
      group: body.group,
      active: body.active,
    });
    return needTagView(tag);
  }
}
