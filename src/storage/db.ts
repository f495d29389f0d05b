import { getTableColumns, type Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof drizzle<typeof schema>>;

const cache = new WeakMap<D1Database, Db>();

/** The drizzle handle for a D1 binding (one per binding and isolate). */
export function getDb(d1: D1Database): Db {
  let db = cache.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    cache.set(d1, db);
  }
  return db;
}

/** D1 refuses a statement with more bound parameters than this: every multi-row statement is chunked under it. */
export const D1_MAX_BOUND_PARAMETERS = 100;

/** Bound parameters one row of `table` can take at most in a multi-row insert: one per column. */
export function boundParametersPerRow(table: Table): number {
  return Object.keys(getTableColumns(table)).length;
}

/** Splits rows into chunks whose statements stay within D1's bound-parameter limit. */
export function chunkRows<T>(rows: T[], columnsPerRow: number, maxParams = D1_MAX_BOUND_PARAMETERS): T[][] {
  const size = Math.max(1, Math.floor(maxParams / columnsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
