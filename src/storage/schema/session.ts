/**
 * Console sign-in sessions (control database), re-exported by `../schema.ts`. A session stands for the API key it was exchanged for: it carries the
 * key's id, scope and company, never the key, and only the SHA-256 of its own token.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    id: text("id").primaryKey(),
    /** SHA-256 (hex) of the cookie's token: a database leak gives no usable session. */
    tokenHash: text("token_hash").notNull(),
    /** The key the session was opened with (`key_…`, or "admin-token" for the bootstrap secret). */
    keyId: text("key_id").notNull(),
    scope: text("scope", { enum: ["admin", "viewer", "partner"] }).notNull(),
    companyId: text("company_id"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("console_sessions_token_hash_unique").on(t.tokenHash),
    index("console_sessions_expires_idx").on(t.expiresAt),
  ],
);
