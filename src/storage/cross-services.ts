/**
 * The cross-service matrix: the admins' hand-made business links between services
 * ("a mortgage client needs property insurance"). A cell with weight 0 is never stored.
 */
import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { type AuditInput, auditEntries, runBatch } from "./audit";
import { boundParametersPerRow, chunkRows, type Db } from "./db";
import { crossServiceLinks, services } from "./schema";
import { listServiceRefs } from "./services";

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

/** Most cells one write may change. */
export const MAX_LINKS_PER_REQUEST = 1000;

/** One requested cell, by service code. `note` undefined keeps the stored note, null clears it. */
export interface CrossServiceLinkInput {
  from: string;
  to: string;
  /** 0..1; 0 deletes the cell. */
  weight: number;
  note?: string | null;
}

export type CrossServiceWriteResult =
  | { ok: true; upserted: number; deleted: number; unchanged: number }
  | { ok: false; problems: Array<{ message: string; path: string[] }> };

/**
 * Sets many cells at once, all or nothing: unknown codes, self-links and cells listed twice are
 * all reported (paths like ["links", "3", "from"]) and nothing is written; otherwise every
 * change and one audit entry per changed cell go out in a single atomic batch.
 */
export async function putCrossServiceLinks(
  db: Db,
  links: ReadonlyArray<CrossServiceLinkInput>,
  actor: string,
  now = Date.now(),
): Promise<CrossServiceWriteResult> {
  const idByCode = new Map((await listServiceRefs(db)).map((service) => [service.code, service.id]));
  const problems: Array<{ message: string; path: string[] }> = [];
  const firstIndexOfCell = new Map<string, number>();
  links.forEach((link, i) => {
    const at = (...rest: string[]) => ["links", String(i), ...rest];
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
  if (problems.length > 0) return { ok: false, problems };

  const fromIds = [...new Set(links.map((link) => idByCode.get(link.from)!))];
  const stored = new Map(
    (await linksFrom(db, fromIds)).map((row) => [`${row.fromServiceId}\u0000${row.toServiceId}`, row]),
  );

  const upserts: CrossServiceLinkRow[] = [];
  const deletes: Array<{ fromServiceId: string; toServiceId: string }> = [];
  const audits: AuditInput[] = [];
  let unchanged = 0;
  for (const link of links) {
    const fromServiceId = idByCode.get(link.from)!;
    const toServiceId = idByCode.get(link.to)!;
    const existing = stored.get(`${fromServiceId}\u0000${toServiceId}`);
    const before = existing ? { from: link.from, to: link.to, weight: existing.weight, note: existing.note } : null;
    const audit = { actor, entityType: "cross_service_link", entityId: `${link.from}->${link.to}`, at: now };
    if (link.weight === 0) {
      if (existing) {
        deletes.push({ fromServiceId, toServiceId });
        audits.push({ ...audit, action: "cross_service_link.deleted", before, after: null });
      } else {
        unchanged++;
      }
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
  return { ok: true, upserted: upserts.length, deleted: deletes.length, unchanged };
}
