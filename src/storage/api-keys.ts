import { and, asc, eq, isNull } from "drizzle-orm";
import { sha256Hex } from "../lib/crypto";
import { newId, randomToken } from "../lib/ids";
import type { Db } from "./db";
import { apiKeys } from "./schema";

export type KeyScope = "admin" | "viewer" | "crm" | "partner" | "site";

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
  const { row, issued } = await newApiKey(input, now);
  await db.insert(apiKeys).values(row);
  return issued;
}

/**
 * A new random key without writing it: the row to insert (hash only) and the clear key to show
 * once. Lets a caller insert the key in the same batch as its audit entry.
 */
export async function newApiKey(
  input: { scope: KeyScope; companyId: string | null; name?: string | null; allowedOrigins?: readonly string[] | null },
  now = Date.now(),
): Promise<{ row: NewApiKeyRow; issued: IssuedKey }> {
  const key = `cb_${input.scope}_${randomToken(40)}`;
  const prefix = key.slice(0, input.scope.length + 8);
  const row: NewApiKeyRow = {
    id: newId("key"),
    companyId: input.companyId,
    scope: input.scope,
    name: input.name ?? null,
    allowedOrigins: input.allowedOrigins ? JSON.stringify(input.allowedOrigins) : null,
    prefix,
    hash: await sha256Hex(key),
    createdAt: now,
  };
  return {
    row,
    issued: { id: row.id, key, prefix, scope: row.scope, companyId: row.companyId, name: row.name, createdAt: now },
  };
}

/** A key row as first inserted (never used, not revoked). */
export type NewApiKeyRow = Omit<typeof apiKeys.$inferSelect, "lastUsedAt" | "revokedAt">;

/** The insert of a key built by `newApiKey` (to batch with its audit entry). */
export function insertApiKeyQuery(db: Db, row: NewApiKeyRow) {
  return db.insert(apiKeys).values(row);
}

/** An api key row without its hash: what may be shown or audited. */
export type ApiKeyInfo = Omit<typeof apiKeys.$inferSelect, "hash">;

const apiKeyInfoColumns = {
  id: apiKeys.id,
  companyId: apiKeys.companyId,
  scope: apiKeys.scope,
  name: apiKeys.name,
  allowedOrigins: apiKeys.allowedOrigins,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

/** One key (never its hash), revoked or not. */
export async function getApiKeyInfo(db: Db, id: string): Promise<ApiKeyInfo | null> {
  const rows = await db.select(apiKeyInfoColumns).from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return rows[0] ?? null;
}

/** Every key of a company, revoked ones included, oldest first. */
export async function listCompanyApiKeys(db: Db, companyId: string): Promise<ApiKeyInfo[]> {
  return db
    .select(apiKeyInfoColumns)
    .from(apiKeys)
    .where(eq(apiKeys.companyId, companyId))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/**
 * Revokes a key if it is still active (a no-op on a revoked key, so the first revocation time is
 * kept). Authentication reads the table on every request, so the key stops working at once.
 */
export function revokeApiKeyQuery(db: Db, id: string, now = Date.now()) {
  return db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning(apiKeyInfoColumns);
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

type ApiKeyRow = NonNullable<Awaited<ReturnType<typeof findActiveKey>>>;

/** Keys this isolate resolved lately, by the SHA-256 of the presented secret (never the secret). */
const activeKeyCache = new Map<string, { db: Db; at: number; row: ApiKeyRow }>();
/** Keys remembered per isolate at most (the oldest are forgotten first). */
const ACTIVE_KEY_CACHE_SIZE = 1_000;

/**
 * {@link findActiveKey}, remembered per isolate for `ttlMs` (0: read every time). Only keys that
 * were found are remembered: an unknown key always asks D1. A revocation through this isolate drops
 * the cache at once (`forgetActiveKeys`); other isolates honour it within `ttlMs`.
 */
export async function cachedActiveKey(db: Db, presented: string, now: number, ttlMs: number) {
  if (ttlMs <= 0) return findActiveKey(db, presented);
  const hash = await sha256Hex(presented);
  const cached = activeKeyCache.get(hash);
  if (cached && cached.db === db && now >= cached.at && now - cached.at < ttlMs) return cached.row;
  const row = await findActiveKey(db, presented);
  activeKeyCache.delete(hash);
  if (row) {
    if (activeKeyCache.size >= ACTIVE_KEY_CACHE_SIZE) {
      const oldest = activeKeyCache.keys().next().value;
      if (oldest !== undefined) activeKeyCache.delete(oldest);
    }
    activeKeyCache.set(hash, { db, at: now, row });
  }
  return row;
}

/** Drops every remembered key (an admin changed keys through this isolate). */
export function forgetActiveKeys(): void {
  activeKeyCache.clear();
}

export async function touchApiKey(db: Db, id: string, now = Date.now()) {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
}

/** The allowed origins stored with a site key (`allowed_origins` JSON), or null for other keys. */
export function allowedOriginsOf(stored: string | null): string[] | null {
  if (stored === null) return null;
  const parsed: unknown = JSON.parse(stored);
  return Array.isArray(parsed) ? parsed.filter((origin): origin is string => typeof origin === "string") : [];
}
