/**
 * Writes a SQL script of multi-row INSERTs for `wrangler d1 execute --file`, straight from rows
 * typed by the drizzle schema (column names come from the schema, so the script cannot drift
 * from it). Values are inlined as SQL literals; statements are kept small enough for SQLite and
 * D1 (at most ROWS_PER_INSERT rows and about MAX_STATEMENT_BYTES each).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/** Rows per INSERT statement. */
const ROWS_PER_INSERT = 200;
/** Soft limit of one statement's length (D1 refuses statements above 100 KB). */
const MAX_STATEMENT_BYTES = 64 * 1024;

/** A SQL literal of a JS value (strings quoted with '' escaping, booleans as 0/1). */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`Cannot write non-finite number ${value} to SQL`);
    return String(value);
  }
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  throw new TypeError(`Cannot write a ${typeof value} to SQL`);
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Appends statements to a .sql file; `close()` when done. */
export class SqlFileWriter {
  private readonly fd: number;
  /** Statements written so far. */
  statements = 0;
  /** Rows inserted so far, per table name. */
  readonly rowCounts = new Map<string, number>();

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }

  /** Writes one statement verbatim (without its trailing semicolon). */
  statement(sql: string): void {
    writeSync(this.fd, `${sql};\n`);
    this.statements++;
  }

  /**
   * Multi-row INSERTs of `rows` into `table`. The columns are those set in the first row; every
   * row must set the same ones (the schema's keys, e.g. `companyId`, not `company_id`).
   */
  insert<T extends SQLiteTable>(table: T, rows: Iterable<T["$inferInsert"]>): void {
    const tableName = getTableName(table);
    const schemaColumns = getTableColumns(table) as Record<string, { name: string }>;
    let keys: string[] | null = null;
    let header = "";
    let tuples: string[] = [];
    let bytes = 0;
    let count = 0;
    const flush = () => {
      if (tuples.length === 0) return;
      this.statement(`${header}\n${tuples.join(",\n")}`);
      tuples = [];
      bytes = 0;
    };
    for (const row of rows) {
      const record = row as Record<string, unknown>;
      if (!keys) {
        keys = Object.keys(record).filter((key) => record[key] !== undefined);
        for (const key of keys) {
          if (!schemaColumns[key]) throw new Error(`Table ${tableName} has no column for key "${key}"`);
        }
        header = `INSERT INTO ${quoteIdentifier(tableName)} (${keys
          .map((key) => quoteIdentifier(schemaColumns[key].name))
          .join(", ")}) VALUES`;
      }
      const tuple = `(${keys.map((key) => sqlLiteral(record[key])).join(", ")})`;
      const tupleBytes = Buffer.byteLength(tuple) + 2;
      if (tuples.length >= ROWS_PER_INSERT || bytes + tupleBytes > MAX_STATEMENT_BYTES) flush();
      tuples.push(tuple);
      bytes += tupleBytes;
      count++;
    }
    flush();
    this.rowCounts.set(tableName, (this.rowCounts.get(tableName) ?? 0) + count);
  }

  close(): void {
    closeSync(this.fd);
  }
}
