import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/storage/schema.ts",
  out: "./migrations",
  // Flat `0000_name.sql` files: the layout wrangler and readD1Migrations() read.
  migrations: { prefix: "index" },
});
