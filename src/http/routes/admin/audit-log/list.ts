import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { iso } from "../../../../domain/time";
import type { AppEnv } from "../../../../env";
import { listAuditLog } from "../../../../usecases/admin/audit-log";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

export const AuditEntrySchema = z
  .object({
    id: z.int(),
    at: z.iso.datetime(),
    actor: z.string().describe("Key id of the admin (`key_…` or `admin-token`)"),
    action: z.string().describe("e.g. `company.updated`, `api_key.revoked`, `setting.set`"),
    entity_type: z.string().describe("company | api_key | service | cross_service_link | setting | …"),
    entity_id: z.string(),
    before: z.unknown().describe("Snapshot before the change (null for creations); never contains secrets"),
    after: z.unknown().describe("Snapshot after the change (null for deletions)"),
  })
  .meta({ id: "AuditEntry" });

export class ListAuditLogRoute extends ApiRoute {
  override schema = {
    operationId: "listAuditLog",
    tags: ["Admin: audit log"],
    summary: "Read the audit log, newest first",
    request: {
      query: z.strictObject({
        entity_type: z.string().min(1).max(64).optional(),
        entity_id: z.string().min(1).max(200).optional(),
        actor: z.string().min(1).max(64).optional().describe("Only entries by this key id"),
        limit: z.int().min(1).max(200).default(50),
        cursor: z
          .string()
          .regex(/^[1-9][0-9]{0,15}$/, { error: "Not a cursor returned by this endpoint" })
          .optional()
          .describe("`next_cursor` of the previous page"),
      }),
    },
    responses: {
      "200": {
        description: "One page of entries; `next_cursor` is null on the last page",
        ...contentJson(z.object({ entries: z.array(AuditEntrySchema), next_cursor: z.string().nullable() })),
      },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const { entries, nextBeforeId } = await listAuditLog(c.env, {
      entityType: query.entity_type,
      entityId: query.entity_id,
      actor: query.actor,
      beforeId: query.cursor === undefined ? undefined : Number(query.cursor),
      limit: query.limit,
    });
    return {
      entries: entries.map((entry) => ({
        id: entry.id,
        at: iso(entry.at),
        actor: entry.actor,
        action: entry.action,
        entity_type: entry.entityType,
        entity_id: entry.entityId,
        before: entry.before,
        after: entry.after,
      })),
      next_cursor: nextBeforeId === null ? null : String(nextBeforeId),
    };
  }
}
