import { defineConfig } from "drizzle-kit";

/**
 * Two databases, two migration histories (docs/storage.md, "Databases"): `npm run db:generate` runs
 * drizzle-kit once per config. This one is the control database (binding DB).
 */
export default defineConfig({
  dialect: "sqlite",
  schema: [
    "./src/storage/schema/control.ts",
    "./src/storage/schema/bot.ts",
    "./src/storage/schema/session.ts",
    "./src/storage/schema/audiences.ts",
  ],
  out: "./migrations/control",
  // Flat `0000_name.sql` files: the layout wrangler and readD1Migrations() read.
  migrations: { prefix: "index" },
});
