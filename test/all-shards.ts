/**
 * Test-only reads over every client shard at once, so that assertions about client data (which lives
 * in whichever shard its client hashes to) read as they did over one database:
 * - `allShardsD1.prepare(sql).bind(...).all() / first() / raw()` runs on every shard and concatenates;
 *   a query whose select list is only aggregates (COUNT, SUM, TOTAL, MIN, MAX … AS alias) and that has
 *   no GROUP BY is combined into one row; a simple `ORDER BY column [DESC]` is re-applied to the merge;
 * - `run()` runs an UPDATE or DELETE on every shard (it matches rows in the shard that has them);
 *   INSERTs are refused: a row must be written to its client's shard (`shardDbOf`).
 * `allShardsDb()` is a drizzle handle on top of it for selects.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../src/storage/schema";
import { clientShards } from "../src/storage/shards";

type Row = Record<string, unknown>;

const AGGREGATE = /\b(COUNT|SUM|TOTAL|MIN|MAX)\s*\((?:[^()]|\([^()]*\))*\)\s+AS\s+(\w+)/gi;

function combineAggregates(query: string, rows: Row[]): Row[] {
  // `SELECT (SELECT COUNT(*) FROM a) AS x, (SELECT COUNT(*) FROM b) AS y`: every column is a count.
  if (/^\s*SELECT\s+\(\s*SELECT\s+COUNT\s*\(/i.test(query) && rows.length > 0) {
    const combined: Row = {};
    for (const key of Object.keys(rows[0])) combined[key] = rows.reduce((sum, row) => sum + Number(row[key]), 0);
    return [combined];
  }
  if (/\bGROUP\s+BY\b/i.test(query) || !/^\s*SELECT\s+(COUNT|SUM|TOTAL|MIN|MAX)\s*\(/i.test(query)) return rows;
  const kinds = new Map<string, string>();
  for (const match of query.matchAll(AGGREGATE)) kinds.set(match[2], match[1].toUpperCase());
  if (rows.length === 0) return rows;
  const combined: Row = {};
  for (const [alias, kind] of kinds) {
    const values = rows.map((row) => row[alias]).filter((value) => value !== null && value !== undefined) as number[];
    if (kind === "MIN") combined[alias] = values.length ? Math.min(...values) : null;
    else if (kind === "MAX") combined[alias] = values.length ? Math.max(...values) : null;
    else if (kind === "SUM" && values.length === 0) combined[alias] = null;
    else combined[alias] = values.reduce((sum, value) => sum + Number(value), 0);
  }
  return [combined];
}

function reorder(query: string, rows: Row[]): Row[] {
  const match = /\bORDER\s+BY\s+(?:\w+\.)?(\w+)(\s+DESC)?\s*(?:LIMIT\b|$|;)/i.exec(query.trim());
  if (!match) return rows;
  const [, column, desc] = match;
  const sign = desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[column] as string | number;
    const y = b[column] as string | number;
    return x === y ? 0 : x < y ? -sign : sign;
  });
}

class AllShardsStatement {
  constructor(
    private readonly query: string,
    private readonly params: unknown[] = [],
  ) {}

  bind(...params: unknown[]) {
    return new AllShardsStatement(this.query, params);
  }

  private statements() {
    return clientShards(env).map((shard) => shard.d1.prepare(this.query).bind(...this.params));
  }

  async all<T = Row>() {
    const parts = await Promise.all(this.statements().map((statement) => statement.all<Row>()));
    const rows = reorder(
      this.query,
      combineAggregates(
        this.query,
        parts.flatMap((part) => part.results),
      ),
    );
    return { results: rows as T[], success: true, meta: parts[0]?.meta };
  }

  async first<T = Row>(column?: string): Promise<T | null> {
    const { results } = await this.all<Row>();
    const row = results[0];
    if (!row) return null;
    return (column ? row[column] : row) as T;
  }

  async raw<T = unknown[]>(): Promise<T[]> {
    const parts = await Promise.all(this.statements().map((statement) => statement.raw<T>()));
    return parts.flat();
  }

  async run() {
    if (/^\s*INSERT\b/i.test(this.query)) {
      throw new Error("allShardsD1 refuses INSERTs: write a row to its client's shard (shardDbOf / shardOfPseudonym)");
    }
    const parts = await Promise.all(this.statements().map((statement) => statement.run()));
    const changes = parts.reduce((sum, part) => sum + Number(part.meta?.changes ?? 0), 0);
    return { success: true, results: [], meta: { ...parts[0]?.meta, changes } };
  }
}

export const allShardsD1 = {
  prepare: (query: string) => new AllShardsStatement(query),
  batch: () => {
    throw new Error("allShardsD1 has no batch: write through the client's shard");
  },
} as unknown as D1Database;

/** Drizzle on top of {@link allShardsD1}: selects over every shard. */
export const allShardsDb = () => drizzle(allShardsD1, { schema });
