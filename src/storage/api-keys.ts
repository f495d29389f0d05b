import { and, eq, isNull } from "drizzle-orm";
import { sha256Hex } from "../lib/crypto";
import { newId, randomToken } from "../lib/ids";
import type { Db } from "./db";
import { apiKeys } from "./schema";

export type KeyScope = "admin" | "crm" | "partner";

export interface IssuedKey {
  id: string;
  key: string;
  prefix: string;
  scope: KeyScope;
  companyId: string | null;
  name: string | null;
  createdAt: number;
}

/** Issues a new random key; only its SHA-256 is stored, the clear key is returned once. */
export async function issueApiKey(
  db: Db,
  input: { scope: KeyScope; companyId: string | null; name?: string | null },
  now = Date.now(),
): Promise<IssuedKey> {
  const key = `cb_${input.scope}_${randomToken(40)}`;
  const prefix = key.slice(0, input.scope.length + 8);
  const row = {
    id: newId("key"),
    companyId: input.companyId,
    scope: input.scope,
    name: input.name ?? null,
    prefix,
    hash: await sha256Hex(key),
    createdAt: now,
  };
  await db.insert(apiKeys).values(row);
  return { id: row.id, key, prefix, scope: row.scope, companyId: row.companyId, name: row.name, createdAt: now };
}

/** The active key matching a presented secret, or null. Revoked keys never match. */
export async function findActiveKey(db: Db, presented: string) {
  const hash = await sha256Hex(presented);
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows[0] ?? null;
}

export async function touchApiKey(db: Db, id: string, now = Date.now()) {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
}
