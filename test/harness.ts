/**
 * Seeded test harness: direct D1 fixtures (no API round trips) and a small HTTP client for the
 * Worker under test. Each test file gets isolated storage from the vitest plugin.
 */
import { env, exports } from "cloudflare:workers";
import { SEED_NEED_TAGS } from "../src/domain/vocabularies/needs";
import { newId } from "../src/lib/ids";
import { issueApiKey, type KeyScope } from "../src/storage/api-keys";
import { getDb } from "../src/storage/db";
import { companies, crossServiceLinks, services } from "../src/storage/schema";
import { clientShards, shardOfId } from "../src/storage/shards";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
export const db = () => getDb(env.DB);

export interface ApiResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the Worker's fetch handler. `key` null sends no Authorization header. */
export async function api<T = any>(
  method: string,
  path: string,
  opts: { key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? ADMIN_TOKEN : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const res = await exports.default.fetch(`http://api.test${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // non-JSON bodies (docs HTML) stay text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

let modelIndexCounter = 0;

export async function seedCompany(
  input: Partial<typeof companies.$inferInsert> & { name?: string } = {},
): Promise<typeof companies.$inferSelect> {
  const now = Date.now();
  const row = {
    id: newId("co"),
    kind: "partner" as const,
    status: "active" as const,
    commissionRate: 0.1,
    createdAt: now,
    updatedAt: now,
    ...input,
    name: input.name ?? `Company ${Math.random().toString(36).slice(2, 7)}`,
  };
  const [created] = await db().insert(companies).values(row).returning();
  return created;
}

export async function seedService(
  companyId: string,
  input: Partial<typeof services.$inferInsert> & { code: string },
): Promise<typeof services.$inferSelect> {
  const now = Date.now();
  const existing = await env.DB.prepare("SELECT COALESCE(MAX(model_index), -1) + 1 AS next FROM services").first<{
    next: number;
  }>();
  const [created] = await db()
    .insert(services)
    .values({
      id: newId("svc"),
      name: input.code,
      category: "general",
      companyId,
      active: true,
      modelIndex: existing?.next ?? modelIndexCounter++,
      createdAt: now,
      updatedAt: now,
      ...input,
    })
    .returning();
  return created;
}

export async function seedLink(fromServiceId: string, toServiceId: string, weight: number) {
  await db().insert(crossServiceLinks).values({ fromServiceId, toServiceId, weight, updatedAt: Date.now() });
}

/** Issues a key straight into D1 and returns the clear key. */
export async function seedKey(scope: KeyScope, companyId: string | null): Promise<{ id: string; key: string }> {
  const issued = await issueApiKey(db(), { scope, companyId });
  return { id: issued.id, key: issued.key };
}

/** A company with one crm and one partner key: the usual tenant of a test. */
export async function seedTenant(name?: string) {
  const company = await seedCompany({ name });
  const crm = await seedKey("crm", company.id);
  const partner = await seedKey("partner", company.id);
  return { company, crmKey: crm.key, partnerKey: partner.key, crmKeyId: crm.id, partnerKeyId: partner.id };
}

/** The first error code of an envelope response. */
export function errorCode(result: ApiResult): string | undefined {
  return result.body?.errors?.[0]?.code;
}

/** Every table, children first, so a test file can start a test from an empty database. */
const TABLES_CHILDREN_FIRST = [
  "scored_candidates",
  "lead_events",
  "deals",
  "leads",
  "interaction_history",
  "interactions",
  "model_stat_deltas",
  "clients",
  "cross_service_links",
  "settings",
  "experiments",
  "idempotency_records",
  "audit_log",
  "api_keys",
  "services",
  "companies",
];

/** Empties one database: every table, children first (foreign keys hold within a database). */
async function emptyDatabase(d1: D1Database, reseed: D1PreparedStatement[]) {
  const existing = await d1.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
  const names = new Set(existing.results.map((r) => r.name));
  const known = TABLES_CHILDREN_FIRST.filter((t) => names.has(t));
  const others = [...names].filter(
    (t) => !known.includes(t) && !t.startsWith("sqlite_") && !t.startsWith("_cf_") && t !== "d1_migrations",
  );
  await d1.batch([...[...others, ...known].map((t) => d1.prepare(`DELETE FROM ${t}`)), ...reseed]);
}

/** Empties D1 (the control database and every shard) and the model keys of KV, for tests that each build their own world in one file. */
export async function resetDatabase() {
  await emptyDatabase(
    env.DB,
    // The needs taxonomy is reference data its migration seeds: every world starts from that seed.
    SEED_NEED_TAGS.map((tag) =>
      env.DB.prepare(
        "INSERT INTO need_tags (code, label_ru, label_en, group_code, active, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 0, 0)",
      ).bind(tag.code, tag.labelRu, tag.labelEn, tag.group),
    ),
  );
  for (const shard of clientShards(env)) await emptyDatabase(shard.d1, []);
  const keys = await env.MODEL.list();
  await Promise.all(keys.keys.map((k) => env.MODEL.delete(k.name)));
}

/** The drizzle handle of every client shard. */
export const shardDbs = () => clientShards(env).map((shard) => shard.db);

/** The drizzle handle of the shard holding a client-owned row (`cl_`, `ld_`, `dl_` id). */
export function shardDbOf(id: string) {
  const shard = shardOfId(env, id);
  if (!shard) throw new Error(`${id} is not a client-owned id`);
  return shard.db;
}

/** Runs one read-only SQL statement on every shard and concatenates the rows (client data spans shards). */
export async function shardRows<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T[]> {
  const results = await Promise.all(
    clientShards(env).map((shard) =>
      shard.d1
        .prepare(query)
        .bind(...params)
        .all<T>(),
    ),
  );
  return results.flatMap((result) => result.results);
}

/** The first row of {@link shardRows}, or null. */
export async function shardRow<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T | null> {
  return (await shardRows<T>(query, ...params))[0] ?? null;
}

/** The D1 binding of every client shard. */
export const shardD1s = () => clientShards(env).map((shard) => shard.d1);

/** The D1 binding of the shard holding a client-owned row. */
export function shardD1Of(id: string) {
  const shard = shardOfId(env, id);
  if (!shard) throw new Error(`${id} is not a client-owned id`);
  return shard.d1;
}
