/**
 * The cross-service matrix: the admins' hand-made business links between services
 * ("a mortgage client needs property insurance"). A cell with weight 0 is never stored.
 */
import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { boundParametersPerRow, chunkRows, type Db } from "./db";
import { crossServiceLinks, services } from "./schema";

export type CrossServiceLinkRow = typeof crossServiceLinks.$inferSelect;

/** A stored link with the codes of both services. */
export interface CrossServiceLinkView {
  fromServiceId: string;
  toServiceId: string;
  from: string;
  to: string;
  weight: number;
  note: string | null;
  updatedAt: number;
}

const fromService = alias(services, "from_service");
const toService = alias(services, "to_service");

/**
 * Every stored link, ordered by (from code, to code); with `serviceId`, only the links that start
 * or end at that service.
 */
export async function listCrossServiceLinks(db: Db, filter: { serviceId?: string } = {}) {
  const rows: CrossServiceLinkView[] = await db
    .select({
      fromServiceId: crossServiceLinks.fromServiceId,
      toServiceId: crossServiceLinks.toServiceId,
      from: fromService.code,
      to: toService.code,
      weight: crossServiceLinks.weight,
      note: crossServiceLinks.note,
      updatedAt: crossServiceLinks.updatedAt,
    })
    .from(crossServiceLinks)
    .innerJoin(fromService, eq(fromService.id, crossServiceLinks.fromServiceId))
    .innerJoin(toService, eq(toService.id, crossServiceLinks.toServiceId))
    .where(
      filter.serviceId === undefined
        ? undefined
        : or(
            eq(crossServiceLinks.fromServiceId, filter.serviceId),
            eq(crossServiceLinks.toServiceId, filter.serviceId),
          ),
    )
    .orderBy(asc(fromService.code), asc(toService.code));
  return rows;
}

/** The stored links that start at any of `fromServiceIds` (chunked under D1's parameter limit). */
export async function linksFrom(db: Db, fromServiceIds: readonly string[]): Promise<CrossServiceLinkRow[]> {
  const out: CrossServiceLinkRow[] = [];
  for (const chunk of chunkRows([...fromServiceIds], 1)) {
    out.push(...(await db.select().from(crossServiceLinks).where(inArray(crossServiceLinks.fromServiceId, chunk))));
  }
  return out;
}

/** Upserts of links (weight > 0), chunked under D1's bound-parameter limit. */
export function upsertLinkQueries(db: Db, rows: ReadonlyArray<typeof crossServiceLinks.$inferInsert>) {
  return chunkRows([...rows], boundParametersPerRow(crossServiceLinks)).map((chunk) =>
    db
      .insert(crossServiceLinks)
      .values(chunk)
      .onConflictDoUpdate({
        target: [crossServiceLinks.fromServiceId, crossServiceLinks.toServiceId],
        set: {
          weight: sql`excluded.weight`,
          note: sql`excluded.note`,
          updatedAt: sql`excluded.updated_at`,
        },
      }),
  );
}

/** Deletes of links (weight 0), chunked: 2 bound parameters per cell. */
export function deleteLinkQueries(db: Db, cells: ReadonlyArray<{ fromServiceId: string; toServiceId: string }>) {
  return chunkRows([...cells], 2).map((chunk) =>
    db
      .delete(crossServiceLinks)
      .where(
        or(
          ...chunk.map((cell) =>
            and(
              eq(crossServiceLinks.fromServiceId, cell.fromServiceId),
              eq(crossServiceLinks.toServiceId, cell.toServiceId),
            ),
          ),
        ),
      ),
  );
}
