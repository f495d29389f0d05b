import { defineConfig } from "drizzle-kit";

/** The client shards' schema (bindings SHARD_0 … SHARD_{N-1}); see drizzle.config.ts. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/storage/schema/shard.ts",
  out: "./migrations/shard",
  migrations: { prefix: "index" },
});
