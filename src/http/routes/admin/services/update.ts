import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { auditEntryIfChanged, runBatch } from "../../../../storage/audit";
import { getDb } from "../../../../storage/db";
import { getServiceByCode, nextUpdatedAt, type ServiceRow, updateServiceQuery } from "../../../../storage/services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { ServiceSchema, serviceView, slugSchema } from "../schemas";

/** Body of PATCH /v1/admin/services/{code}; `code` and `company_id` are immutable and refused. */
export const UpdateServiceBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    category: slugSchema.optional(),
    description: z.string().trim().max(2000).nullable().optional(),
    active: z.boolean().optional().describe("false stops recommending the service; it keeps its model index"),
  })
  .refine((body) => Object.keys(body).length > 0, { error: "Send at least one field to change" })
  .meta({ id: "UpdateServiceRequest" });

export class UpdateServiceRoute extends ApiRoute {
  override schema = {
    operationId: "updateService",
    tags: ["Admin: services"],
    summary: "Update a service (name, category, description, active)",
    request: {
      params: z.object({ code: z.string().min(1).max(64).describe("Service code") }),
      body: contentJson(UpdateServiceBody),
    },
    responses: {
      "200": { description: "The updated service", ...contentJson(ServiceSchema) },
      ...errorResponses(400, 403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const db = getDb(c.env.DB);
    const current = await getServiceByCode(db, params.code);
    if (!current) throw new DomainError("not_found", `Service ${params.code} not found`);

    const now = Date.now();
    const changes: Partial<ServiceRow> & { updatedAt: number } = { updatedAt: nextUpdatedAt(current.updatedAt, now) };
    if (body.name !== undefined) changes.name = body.name;
    if (body.category !== undefined) changes.category = body.category;
    if (body.description !== undefined) changes.description = body.description;
    if (body.active !== undefined) changes.active = body.active;
    const updated: ServiceRow = { ...current, ...changes };

    const [rows] = (await runBatch(db, [
      updateServiceQuery(db, current.id, current.updatedAt, changes),
      auditEntryIfChanged(db, {
        actor: principal.keyId,
        action: "service.updated",
        entityType: "service",
        entityId: current.id,
        before: serviceView(current),
        after: serviceView(updated),
        at: now,
      }),
    ])) as [ServiceRow[], unknown];
    if (rows.length === 0) {
      throw new DomainError("conflict", `Service ${current.code} was changed concurrently; read it again and retry`);
    }
    return serviceView(rows[0]);
  }
}
