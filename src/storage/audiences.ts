/**
 * SQL of partner audiences (docs/privacy.md "Partner audiences", docs/storage.md): counting the
 * clients of a shard that match fixed-bucket criteria, the overlap of two audiences for the
 * differencing guard, and the per-partner query log. Every list of values travels as ONE bound JSON
 * parameter read with `json_each`, so a filter costs at most one parameter per dimension however
 * many values it lists (D1 allows 100 per statement), and client ids never leave the database as
 * results of a count.
 */
import { and, eq, gte, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "./db";
import { audienceQueries, botConsents, botPersons } from "./schema";

/** An audience filter resolved to stored values: age ranges, gender and region codes, need tags, service ids. */
export interface AudienceCriteria {
  ageRanges: ReadonlyArray<readonly [number, number]>;
  genders: readonly string[];
  regions: readonly string[];
  needs: readonly string[];
  serviceIds: readonly string[];
}

const jsonList = (values: readonly unknown[]) => JSON.stringify(values);

/**
 * The needs condition on the client row `c`: a need the client stated (CRM or bot survey, not the
 * model's inferred ones) in `client_needs`, not expired by the database clock. Inferred needs are
 * guesses; an audience sold to a partner counts only what clients said.
 */
export function needsCondition(needs: readonly string[]): SQL {
  return sql`EXISTS (SELECT 1 FROM client_needs n WHERE n.client_id = c.id AND n.source IN ('crm', 'survey')
    AND (n.expires_at IS NULL OR n.expires_at > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
    AND n.need_code IN (SELECT value FROM json_each(${jsonList(needs)})))`;
}

/** The WHERE condition of criteria on the client row `c` (TRUE for empty criteria). */
export function audienceCondition(criteria: AudienceCriteria): SQL {
  const parts: SQL[] = [];
  if (criteria.ageRanges.length > 0) {
    parts.push(
      sql`EXISTS (SELECT 1 FROM json_each(${jsonList(criteria.ageRanges)}) r WHERE c.age BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]'))`,
    );
  }
  if (criteria.genders.length > 0) {
    parts.push(sql`c.gender IN (SELECT value FROM json_each(${jsonList(criteria.genders)}))`);
  }
  if (criteria.regions.length > 0) {
    parts.push(sql`c.region IN (SELECT value FROM json_each(${jsonList(criteria.regions)}))`);
  }
  if (criteria.needs.length > 0) parts.push(needsCondition(criteria.needs));
  if (criteria.serviceIds.length > 0) {
    parts.push(
      sql`EXISTS (SELECT 1 FROM interactions i WHERE i.client_id = c.id AND i.value = 1 AND i.service_id IN (SELECT value FROM json_each(${jsonList(criteria.serviceIds)})))`,
    );
  }
  return parts.length === 0 ? sql`1` : sql.join(parts, sql` AND `);
}

/** One shard's share of an audience: how many clients match, and how many of them are among `reachableIds`. */
export async function countAudience(
  db: Db,
  criteria: AudienceCriteria,
  reachableIds: readonly string[],
): Promise<{ matching: number; reachable: number }> {
  const row = await db.get<{ matching: number; reachable: number | null }>(sql`
    SELECT count(*) AS matching,
      sum(CASE WHEN c.id IN (SELECT value FROM json_each(${jsonList(reachableIds)})) THEN 1 ELSE 0 END) AS reachable
    FROM clients c WHERE ${audienceCondition(criteria)}`);
  return { matching: row?.matching ?? 0, reachable: row?.reachable ?? 0 };
}

/**
 * One shard's counts of an earlier audience B and of A ∩ B (the conjunction of both filters), for
 * all clients and for the reachable ones: what the differencing guard needs, and nothing else.
 */
export async function countOverlap(
  db: Db,
  current: AudienceCriteria,
  earlier: AudienceCriteria,
  reachableIds: readonly string[],
): Promise<{ earlier: number; both: number; earlierReachable: number; bothReachable: number }> {
  const reachable = sql`c.id IN (SELECT value FROM json_each(${jsonList(reachableIds)}))`;
  const inCurrent = audienceCondition(current);
  const row = await db.get<{ earlier: number; both: number | null; er: number | null; br: number | null }>(sql`
    SELECT count(*) AS earlier,
      sum(CASE WHEN ${inCurrent} THEN 1 ELSE 0 END) AS both,
      sum(CASE WHEN ${reachable} THEN 1 ELSE 0 END) AS er,
      sum(CASE WHEN ${reachable} AND ${inCurrent} THEN 1 ELSE 0 END) AS br
    FROM clients c WHERE ${audienceCondition(earlier)}`);
  return {
    earlier: row?.earlier ?? 0,
    both: row?.both ?? 0,
    earlierReachable: row?.er ?? 0,
    bothReachable: row?.br ?? 0,
  };
}

/** Which of `clientIds` (clients of this shard) match the criteria: a campaign's recipients. */
export async function matchingClientIds(
  db: Db,
  criteria: AudienceCriteria,
  clientIds: readonly string[],
): Promise<string[]> {
  if (clientIds.length === 0) return [];
  const rows = await db.all<{ id: string }>(sql`
    SELECT c.id AS id FROM clients c
    WHERE c.id IN (SELECT value FROM json_each(${jsonList(clientIds)})) AND ${audienceCondition(criteria)}`);
  return rows.map((row) => row.id);
}

/**
 * Bot persons who may get partner offers: a live (not withdrawn) consent of `purpose` and a
 * pseudonymous client. One row per person.
 */
export async function listConsentedBotPersons(
  db: Db,
  purpose: string,
): Promise<Array<{ personId: string; clientId: string }>> {
  const rows = await db
    .selectDistinct({ personId: botPersons.id, clientId: botPersons.clientId })
    .from(botPersons)
    .innerJoin(botConsents, eq(botConsents.personId, botPersons.id))
    .where(and(eq(botConsents.purpose, purpose), isNull(botConsents.withdrawnAt), isNotNull(botPersons.clientId)));
  return rows.map((row) => ({ personId: row.personId, clientId: row.clientId! }));
}

export type AudienceQueryRow = typeof audienceQueries.$inferSelect;
export type AudienceQueryOutcome = AudienceQueryRow["outcome"];

/** How many audience queries a partner made since `since` (every outcome counts against the budget). */
export async function countAudienceQueriesSince(db: Db, companyId: string, since: number): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(audienceQueries)
    .where(and(eq(audienceQueries.companyId, companyId), gte(audienceQueries.createdAt, since)));
  return row[0]?.n ?? 0;
}

/** The partner's queries since `since` whose counts were shown: the ones the guard compares with. */
export async function listAnsweredAudienceQueries(db: Db, companyId: string, since: number) {
  return db
    .select()
    .from(audienceQueries)
    .where(
      and(
        eq(audienceQueries.companyId, companyId),
        gte(audienceQueries.createdAt, since),
        inArray(audienceQueries.outcome, ["answered"]),
      ),
    );
}

export async function insertAudienceQuery(db: Db, row: typeof audienceQueries.$inferInsert): Promise<void> {
  await db.insert(audienceQueries).values(row);
}

/** Deletes queries older than `before` (the guard looks back 90 days); returns how many went. */
export async function pruneAudienceQueries(db: Db, before: number): Promise<number> {
  const result = await db.run(sql`DELETE FROM audience_queries WHERE created_at < ${before}`);
  return result.meta.changes ?? 0;
}
