/**
 * `client_needs` (client shard): a client's needs with source, confidence and expiry. Every reader
 * here leaves expired rows out (it keeps `expires_at` null or in the future); the daily need computation
 * (src/usecases/needs/knowledge.ts) deletes them.
 */
import { and, asc, eq, gt, inArray, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ClientNeed, NeedSource, NeedStatement } from "../domain/needs/client-needs";
import { runBatch } from "./audit";
import { boundParametersPerRow, chunkRows, type Db } from "./db";
import { clientNeeds, interactions } from "./schema";

/** Rows of one source for one client, replacing what that source said before. */
export interface SourceNeedsWrite {
  clientId: string;
  source: NeedSource;
  statements: readonly NeedStatement[];
}

function notExpired(now: number): SQL {
  return or(isNull(clientNeeds.expiresAt), gt(clientNeeds.expiresAt, now))!;
}

/** The statements that replace each write's source rows of its client (delete, then insert). */
export function replaceSourceNeedsQueries(
  db: Db,
  writes: readonly SourceNeedsWrite[],
  now: number,
): BatchItem<"sqlite">[] {
  const queries: BatchItem<"sqlite">[] = [];
  const bySource = new Map<NeedSource, string[]>();
  for (const write of writes) bySource.set(write.source, [...(bySource.get(write.source) ?? []), write.clientId]);
  for (const [source, clientIds] of bySource) {
    for (const chunk of chunkRows([...new Set(clientIds)], 1, 99)) {
      queries.push(
        db.delete(clientNeeds).where(and(eq(clientNeeds.source, source), inArray(clientNeeds.clientId, chunk))),
      );
    }
  }
  // One row per code and source (the primary key): a code stated twice keeps its last statement.
  const rows = writes.flatMap((write) =>
    [...new Map(write.statements.map((statement) => [statement.code, statement])).values()].map((statement) => ({
      clientId: write.clientId,
      needCode: statement.code,
      source: write.source,
      confidence: statement.confidence,
      observedAt: now,
      expiresAt: statement.expiresAt,
    })),
  );
  for (const chunk of chunkRows(rows, boundParametersPerRow(clientNeeds)))
    queries.push(db.insert(clientNeeds).values(chunk));
  return queries;
}

/** Replaces each write's source rows, in one atomic batch per shard. */
export async function replaceSourceNeeds(db: Db, writes: readonly SourceNeedsWrite[], now: number): Promise<void> {
  await runBatch(db, replaceSourceNeedsQueries(db, writes, now));
}

type ClientNeedRow = typeof clientNeeds.$inferSelect;

function clientNeedOf(row: ClientNeedRow): ClientNeed & { clientId: string } {
  return {
    clientId: row.clientId,
    code: row.needCode,
    source: row.source,
    confidence: row.confidence,
    observedAt: row.observedAt,
    expiresAt: row.expiresAt,
  };
}

/** The active needs of the given clients, by client id (every source). */
export async function activeNeedsOfClients(
  db: Db,
  clientIds: readonly string[],
  now: number,
): Promise<Map<string, ClientNeed[]>> {
  const byClient = new Map<string, ClientNeed[]>();
  for (const chunk of chunkRows([...new Set(clientIds)], 1, 98)) {
    const rows = await db
      .select()
      .from(clientNeeds)
      .where(and(inArray(clientNeeds.clientId, chunk), notExpired(now)))
      .orderBy(asc(clientNeeds.clientId), asc(clientNeeds.needCode), asc(clientNeeds.source));
    for (const row of rows) {
      const { clientId, ...need } = clientNeedOf(row);
      byClient.set(clientId, [...(byClient.get(clientId) ?? []), need]);
    }
  }
  return byClient;
}

/** The active needs of one client. */
export async function activeNeedsOfClient(db: Db, clientId: string, now: number): Promise<ClientNeed[]> {
  return (await activeNeedsOfClients(db, [clientId], now)).get(clientId) ?? [];
}

/** Deletes the rows expired at `now`; answers how many went. */
export async function deleteExpiredNeeds(db: Db, now: number): Promise<number> {
  const deleted = await db
    .delete(clientNeeds)
    .where(lte(clientNeeds.expiresAt, now))
    .returning({ id: clientNeeds.clientId });
  return deleted.length;
}

/**
 * How many of this shard's clients carry (an active need of) ANY of `needCodes`, counted once per
 * client whatever the sources; `minConfidence` leaves weaker statements out. The audiences' filter.
 */
export async function countClientsWithAnyNeed(
  db: Db,
  needCodes: readonly string[],
  now: number,
  minConfidence = 0,
): Promise<number> {
  if (needCodes.length === 0) return 0;
  const [row] = await db
    .select({ clients: sql<number>`COUNT(DISTINCT ${clientNeeds.clientId})` })
    .from(clientNeeds)
    .where(
      and(
        inArray(clientNeeds.needCode, [...new Set(needCodes)]),
        notExpired(now),
        sql`${clientNeeds.confidence} >= ${minConfidence}`,
      ),
    );
  return Number(row?.clients ?? 0);
}

/**
 * One page (ascending client id, after `afterClientId`) of the ids of this shard's clients carrying
 * an active need among `needCodes`: for selecting an audience without loading it whole.
 */
export async function selectClientIdsWithAnyNeed(
  db: Db,
  needCodes: readonly string[],
  now: number,
  page: { afterClientId?: string; limit: number; minConfidence?: number },
): Promise<string[]> {
  if (needCodes.length === 0) return [];
  const rows = await db
    .selectDistinct({ clientId: clientNeeds.clientId })
    .from(clientNeeds)
    .where(
      and(
        inArray(clientNeeds.needCode, [...new Set(needCodes)]),
        notExpired(now),
        sql`${clientNeeds.confidence} >= ${page.minConfidence ?? 0}`,
        page.afterClientId === undefined ? undefined : gt(clientNeeds.clientId, page.afterClientId),
      ),
    )
    .orderBy(asc(clientNeeds.clientId))
    .limit(page.limit);
  return rows.map((row) => row.clientId);
}

/** Counts of one shard for association rules: no client ids, only totals per item and per pair. */
export interface AssociationCounts {
  clients: number;
  /** Clients holding each service (by service id) / carrying each need (by code). */
  serviceClients: Map<string, number>;
  needClients: Map<string, number>;
  /** Clients holding both services: key `from\u0000to` (both orders present). */
  servicePairs: Map<string, number>;
  /** Clients carrying the need and holding the service: key `need\u0000serviceId`. */
  needServicePairs: Map<string, number>;
}

/** The shard's association counts (holdings = interactions with value 1; needs = active CRM and survey rows). */
export async function associationCounts(db: Db, now: number): Promise<AssociationCounts> {
  // Stated needs only: counting inferred ones would let the rules feed on their own inferences.
  const activeNeeds = sql`(SELECT DISTINCT client_id, need_code FROM client_needs
    WHERE source <> 'inferred' AND (expires_at IS NULL OR expires_at > ${now}))`;
  const [clientsRow, services, needs, servicePairs, needPairs] = await Promise.all([
    db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM clients`),
    db.all<{ id: string; n: number }>(
      sql`SELECT ${interactions.serviceId} AS id, COUNT(*) AS n FROM ${interactions} WHERE ${interactions.value} = 1 GROUP BY ${interactions.serviceId}`,
    ),
    db.all<{ id: string; n: number }>(
      sql`SELECT need_code AS id, COUNT(*) AS n FROM ${activeNeeds} GROUP BY need_code`,
    ),
    db.all<{ a: string; b: string; n: number }>(
      sql`SELECT a.service_id AS a, b.service_id AS b, COUNT(*) AS n FROM interactions a
          JOIN interactions b ON b.client_id = a.client_id AND b.value = 1 AND b.service_id <> a.service_id
          WHERE a.value = 1 GROUP BY a.service_id, b.service_id`,
    ),
    db.all<{ a: string; b: string; n: number }>(
      sql`SELECT nd.need_code AS a, i.service_id AS b, COUNT(*) AS n FROM ${activeNeeds} nd
          JOIN interactions i ON i.client_id = nd.client_id AND i.value = 1 GROUP BY nd.need_code, i.service_id`,
    ),
  ]);
  const toMap = (rows: Array<{ id: string; n: number }>) => new Map(rows.map((row) => [row.id, Number(row.n)]));
  const pairMap = (rows: Array<{ a: string; b: string; n: number }>) =>
    new Map(rows.map((row) => [`${row.a}\u0000${row.b}`, Number(row.n)]));
  return {
    clients: Number(clientsRow?.n ?? 0),
    serviceClients: toMap(services),
    needClients: toMap(needs),
    servicePairs: pairMap(servicePairs),
    needServicePairs: pairMap(needPairs),
  };
}

/**
 * Writes `inferred` needs for the clients holding `serviceId` that carry no active `needCode` from
 * any source (one INSERT … SELECT; an earlier inferred row is renewed). Answers the rows written.
 */
export async function inferNeedFromHolding(
  db: Db,
  rule: { serviceId: string; needCode: string; confidence: number },
  now: number,
  expiresAt: number,
): Promise<number> {
  const result =
    await db.run(sql`INSERT INTO client_needs (client_id, need_code, source, confidence, observed_at, expires_at)
    SELECT i.client_id, ${rule.needCode}, 'inferred', ${rule.confidence}, ${now}, ${expiresAt} FROM interactions i
    WHERE i.service_id = ${rule.serviceId} AND i.value = 1
      AND NOT EXISTS (SELECT 1 FROM client_needs n WHERE n.client_id = i.client_id AND n.need_code = ${rule.needCode}
        AND n.source <> 'inferred' AND (n.expires_at IS NULL OR n.expires_at > ${now}))
    ON CONFLICT (client_id, need_code, source) DO UPDATE SET confidence = excluded.confidence,
      observed_at = excluded.observed_at, expires_at = excluded.expires_at`);
  return Number(result.meta.changes ?? 0);
}
