/**
 * The D1 schema of CactuBase (drizzle, sqlite dialect): the control database's tables and a client
 * shard's tables, in files of their own because they live in different databases (src/storage/shards.ts,
 * docs/storage.md). Migrations: `migrations/control/` and `migrations/shard/`.
 */
export * from "./schema/audiences";
export * from "./schema/bot";
export * from "./schema/control";
export * from "./schema/session";
export * from "./schema/shard";
