import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pseudonymize } from "../../../../src/lib/crypto";
import { allShardsD1 } from "../../../all-shards";
import { api, seedService, seedTenant, shardD1s } from "../../../harness";
import { profile } from "./helpers";

/** Every (database, table, column) of D1 — the control database and every shard — that can hold text. */
async function textColumns(): Promise<Array<{ d1: D1Database; table: string; column: string }>> {
  const columns: Array<{ d1: D1Database; table: string; column: string }> = [];
  for (const d1 of [env.DB, ...shardD1s()]) {
    for (const { table, column } of await textColumnsOf(d1)) columns.push({ d1, table, column });
  }
  return columns;
}

async function textColumnsOf(d1: D1Database): Promise<Array<{ table: string; column: string }>> {
  const { results: tables } = await d1
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    )
    .all<{ name: string }>();
  const columns: Array<{ table: string; column: string }> = [];
  for (const { name } of tables) {
    const { results } = await d1.prepare(`PRAGMA table_info("${name}")`).all<{ name: string; type: string }>();
    for (const column of results) {
      if (!/INT|REAL|NUM/i.test(column.type)) columns.push({ table: name, column: column.name });
    }
  }
  return columns;
}

async function occurrences(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const { d1, table, column } of await textColumns()) {
    const row = await d1
      .prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE instr(CAST("${column}" AS TEXT), ?) > 0`)
      .bind(needle)
      .first<{ n: number }>();
    if (row && row.n > 0 && !found.includes(`${table}.${column}`)) found.push(`${table}.${column}`);
  }
  return found;
}

describe("the CRM's external id is pseudonymized", () => {
  it("is stored only as the per-company keyed hash: no table holds the clear id", async () => {
    const tenant = await seedTenant("Pseudonym Bank");
    await seedService(tenant.company.id, { code: "debit_card" });
    const externalId = "crm-secret-id-8841";
    const put = await api("PUT", `/v1/clients/${externalId}`, {
      key: tenant.crmKey,
      body: profile({ services: { debit_card: 1 } }),
    });
    expect(put.status).toBe(201);
    const batch = await api("POST", "/v1/clients:batch", {
      key: tenant.crmKey,
      body: { clients: [{ external_id: "crm-secret-id-9952", ...profile() }] },
    });
    expect(batch.status).toBe(200);

    // The scan itself works: the stored hash and the client ref are found where expected.
    const hash = await pseudonymize(env.PSEUDONYM_KEY, tenant.company.id, externalId);
    expect(await occurrences(hash)).toEqual(["clients.external_hash"]);
    expect(await occurrences(put.body.client_ref)).toEqual(
      expect.arrayContaining(["clients.id", "interactions.client_id", "interaction_history.client_id"]),
    );

    expect(await occurrences(externalId)).toEqual([]);
    expect(await occurrences("crm-secret-id-9952")).toEqual([]);
    expect(await occurrences("secret-id")).toEqual([]);
  });

  it("the same CRM id gives unrelated hashes at two companies", async () => {
    const a = await seedTenant("Hash A");
    const b = await seedTenant("Hash B");
    const refA = (await api("PUT", "/v1/clients/same-id", { key: a.crmKey, body: profile() })).body.client_ref;
    const refB = (await api("PUT", "/v1/clients/same-id", { key: b.crmKey, body: profile() })).body.client_ref;
    const hashes = await allShardsD1
      .prepare("SELECT id, external_hash FROM clients WHERE id IN (?, ?)")
      .bind(refA, refB)
      .all<{ id: string; external_hash: string }>();
    const byId = new Map(hashes.results.map((r) => [r.id, r.external_hash]));
    expect(byId.get(refA)).toBe(await pseudonymize(env.PSEUDONYM_KEY, a.company.id, "same-id"));
    expect(byId.get(refB)).toBe(await pseudonymize(env.PSEUDONYM_KEY, b.company.id, "same-id"));
    expect(byId.get(refA)).not.toBe(byId.get(refB));
    expect(byId.get(refA)).toMatch(/^[0-9a-f]{64}$/);
  });
});
