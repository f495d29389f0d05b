import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { newId } from "../../../../lib/ids";
import { auditEntry, runBatch } from "../../../../storage/audit";
import { getCompany } from "../../../../storage/companies";
import { getDb } from "../../../../storage/db";
import {
  getServiceByCode,
  insertServiceQuery,
  isUniqueViolation,
  nextModelIndex,
  type ServiceRow,
} from "../../../../storage/services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema, ServiceSchema, serviceView, slugSchema } from "../schemas";

export const CreateServiceBody = z
  .strictObject({
    code: slugSchema.describe("Unique lowercase slug, e.g. `mortgage` or `property-insurance`; immutable"),
    name: z.string().trim().min(1).max(200),
    category: slugSchema.describe("Lowercase slug; services of one category compete for the same client"),
    company_id: companyIdSchema.describe("The company that sells the service (must exist); immutable"),
    description: z.string().trim().max(2000).nullable().optional(),
    active: z.boolean().default(true),
  })
  .meta({ id: "CreateServiceRequest" });

/** Concurrent creations may pick the same model index; the unique index refuses all but one. */
const MODEL_INDEX_ATTEMPTS = 5;

export class CreateServiceRoute extends ApiRoute {
  override schema = {
    operationId: "createService",
    tags: ["Admin: services"],
    summary: "Add a service to the catalog",
    description: "The service gets the next free `model_index` (its interaction-matrix column), never reused.",
    request: { body: contentJson(CreateServiceBody) },
    responses: {
      "201": { description: "Created", ...contentJson(ServiceSchema) },
      ...errorResponses(400, 403, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const db = getDb(c.env.DB);
    const company = await getCompany(db, body.company_id);
    if (!company) {
      throw new DomainError("validation_failed", `Unknown company ${body.company_id}`, ["body", "company_id"]);
    }
    const codeTaken = () =>
      new DomainError("conflict", `A service with code ${body.code} already exists`, ["body", "code"]);
    if (await getServiceByCode(db, body.code)) throw codeTaken();

    const id = newId("svc");
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const row: ServiceRow = {
        id,
        code: body.code,
        name: body.name,
        category: body.category,
        companyId: company.id,
        description: body.description ?? null,
        active: body.active,
        modelIndex: await nextModelIndex(db),
        createdAt: now,
        updatedAt: now,
      };
      try {
        await runBatch(db, [
          insertServiceQuery(db, row),
          auditEntry(db, {
            actor: principal.keyId,
            action: "service.created",
            entityType: "service",
            entityId: id,
            before: null,
            after: serviceView(row),
            at: now,
          }),
        ]);
        return c.json(serviceView(row), 201);
      } catch (error) {
        if (isUniqueViolation(error, "services.code")) throw codeTaken();
        if (isUniqueViolation(error, "services.model_index") && attempt < MODEL_INDEX_ATTEMPTS) continue;
        throw error;
      }
    }
  }
}
