/**
 * The admin's cross-service matrix use cases: read the stored cells, and set many cells at once,
 * all or nothing. A cell with weight 0 is never stored.
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { type AuditInput, auditEntries, runBatch } from "../../storage/audit";
import * as linkTable from "../../storage/cross-services";
import { getServiceByCode, listServiceRefs } from "../../storage/services";
import { controlDb } from "../../storage/shards";

/** Most cells one write may change. */
export const MAX_LINKS_PER_REQUEST = 1000;

/** A stored cell, by service code. */
export interface CrossServiceLinkRecord {
  from: string;
  to: string;
  weight: number;
  note: string | null;
  /** Epoch ms. */
  updatedAt: number;
}

/** One requested cell, by service code. `note` undefined keeps the stored note, null clears it. */
export interface CrossServiceLinkInput {
  from: string;
  to: string;
  /** 0..1; 0 deletes the cell. */
  weight: number;
  note?: string | null;
}

export interface CrossServiceWriteCounts {
  upserted: number;
  deleted: number;
  unchanged: number;
}

/**
 * Every stored cell ordered by (from, to); with `serviceCode`, only the cells that start or end
 * at that service (an unknown code is `validation_failed`).
 */
export async function listCrossServiceLinks(
  env: Env,
  filter: { serviceCode?: string },
): Promise<CrossServiceLinkRecord[]> {
  const db = controlDb(env);
  let serviceId: string | undefined;
  if (filter.serviceCode !== undefined) {
    const service = await getServiceByCode(db, filter.serviceCode);
    if (!service) {
      throw new DomainError("validation_failed", `Unknown service code ${filter.serviceCode}`, ["query", "service"]);
    }
    serviceId = service.id;
  }
  const links = await linkTable.listCrossServiceLinks(db, { serviceId });
  return links.map(({ from, to, weight, note, updatedAt }) => ({ from, to, weight, note, updatedAt }));
}

/**
 * Sets many cells at once, all or nothing: unknown codes, self-links and cells listed twice are
 * all reported (`validation_failed`, paths like ["body", "links", "3", "from"]) and nothing is
 * written; otherwise every change and one audit entry per changed cell go out in one atomic batch.
 */
export async function putCrossServiceLinks(
  env: Env,
  actor: string,
  links: ReadonlyArray<CrossServiceLinkInput>,
  now = Date.now(),
): Promise<CrossServiceWriteCounts> {
  const db = controlDb(env);
  const idByCode = new Map((await listServiceRefs(db)).map((service) => [service.code, service.id]));
  const problems = linkProblems(links, idByCode);
  if (problems.length > 0) throw DomainError.many("validation_failed", problems);

  const fromIds = [...new Set(links.map((link) => idByCode.get(link.from)!))];
  const stored = new Map(
    (await linkTable.linksFrom(db, fromIds)).map((row) => [`${row.fromServiceId}\u0000${row.toServiceId}`, row]),
  );

  const upserts: linkTable.CrossServiceLinkRow[] = [];
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
    ...linkTable.upsertLinkQueries(db, upserts),
    ...linkTable.deleteLinkQueries(db, deletes),
    ...auditEntries(db, audits),
  ]);
  return { upserted: upserts.length, deleted: deletes.length, unchanged };
}

/** Every reason the requested cells cannot be written, each at its path in the request body. */
function linkProblems(
  links: ReadonlyArray<CrossServiceLinkInput>,
  idByCode: ReadonlyMap<string, string>,
): Array<{ message: string; path: string[] }> {
  const problems: Array<{ message: string; path: string[] }> = [];
  const firstIndexOfCell = new Map<string, number>();
  links.forEach((link, i) => {
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
  return problems;
}
