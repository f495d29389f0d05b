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

/** D1 allows at most 100 bound parameters per statement: chunk row inserts by this helper. */
export function chunkRows<T>(rows: T[], columnsPerRow: number, maxParams = 100): T[][] {
  const size = Math.max(1, Math.floor(maxParams / columnsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
