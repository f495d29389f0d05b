import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { requireScope } from "../../../lib/auth";
import { AppError, errorResponses } from "../../../lib/errors";
import { type AuditInput, auditEntries, runBatch } from "../../../storage/audit";
import { deleteLinkQueries, linksFrom, upsertLinkQueries } from "../../../storage/cross-services";
import { getDb } from "../../../storage/db";
import { listServiceRefs } from "../../../storage/services";
import { AdminRoute } from "../route";

/** Most cells one request may change. */
export const MAX_LINKS_PER_REQUEST = 1000;

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

export class PutCrossServiceLinksRoute extends AdminRoute {
  override schema = {
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
    const db = getDb(c.env.DB);

    const idByCode = new Map((await listServiceRefs(db)).map((service) => [service.code, service.id]));
    const problems: Array<{ message: string; path: string[] }> = [];
    const firstIndexOfCell = new Map<string, number>();
    body.links.forEach((link, i) => {
      const at = (...rest: string[]) => ["body", "links", String(i), ...rest];
      if (!idByCode.has(link.from)) problems.push({ message: `Unknown service code ${link.from}`, path: at("from") });
      if (!idByCode.has(link.to)) problems.push({ message: `Unknown service code ${link.to}`, path: at("to") });
      if (link.from === link.to) problems.push({ message: "A service cannot be linked to itself", path: at("to") });
      const cell = `${link.from}\u0000${link.to}`;
      const first = firstIndexOfCell.get(cell);
      if (first !== undefined) {
        problems.push({ message: `The cell ${link.from} -> ${link.to} is already set by links[${first}]`, path: at() });
      } else {
        firstIndexOfCell.set(cell, i);
      }
    });
    if (problems.length > 0) throw AppError.many("validation_failed", problems);

    const fromIds = [...new Set(body.links.map((link) => idByCode.get(link.from)!))];
    const stored = new Map(
      (await linksFrom(db, fromIds)).map((row) => [`${row.fromServiceId}\u0000${row.toServiceId}`, row]),
    );

    const now = Date.now();
    const upserts: Array<{
      fromServiceId: string;
      toServiceId: string;
      weight: number;
      note: string | null;
      updatedAt: number;
    }> = [];
    const deletes: Array<{ fromServiceId: string; toServiceId: string }> = [];
    const audits: AuditInput[] = [];
    let unchanged = 0;
    for (const link of body.links) {
      const fromServiceId = idByCode.get(link.from)!;
      const toServiceId = idByCode.get(link.to)!;
      const existing = stored.get(`${fromServiceId}\u0000${toServiceId}`);
      const before = existing ? { from: link.from, to: link.to, weight: existing.weight, note: existing.note } : null;
      const audit = {
        actor: principal.keyId,
        entityType: "cross_service_link",
        entityId: `${link.from}->${link.to}`,
        at: now,
      };
      if (link.weight === 0) {
        if (!existing) {
          unchanged++;
          continue;
        }
        deletes.push({ fromServiceId, toServiceId });
        audits.push({ ...audit, action: "cross_service_link.deleted", before, after: null });
        continue;
      }
      const note = link.note === undefined ? (existing?.note ?? null) : link.note || null;
      if (existing && existing.weight === link.weight && existing.note === note) {
        unchanged++;
        continue;
      }
      upserts.push({ fromServiceId, toServiceId, weight: link.weight, note, updatedAt: now });
      audits.push({
        ...audit,
        action: "cross_service_link.set",
        before,
        after: { from: link.from, to: link.to, weight: link.weight, note },
      });
    }

    await runBatch(db, [
      ...upsertLinkQueries(db, upserts),
      ...deleteLinkQueries(db, deletes),
      ...auditEntries(db, audits),
    ]);
    return { upserted: upserts.length, deleted: deletes.length, unchanged };
  }
}
