/**
 * Indexes that exist for one query are used by it (docs/storage.md, "Indexes"): checked with
 * SQLite's own query plan on a client shard, so a schema change that silently drops to a table
 * scan fails here.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clientShards } from "../../src/storage/shards";

async function plan(sql: string, ...params: unknown[]): Promise<string> {
  const shard = clientShards(env)[0].d1;
  const rows = await shard
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return rows.results.map((row) => row.detail).join("\n");
}

describe("query plans", () => {
  it("the experiment report finds its arms through the partial experiment index", async () => {
    const detail = await plan(
      `SELECT client_id, MIN(at) FROM scored_candidates
       WHERE experiment_id = ?1 AND decision <> 'dry_run' AND at >= ?2 AND at < ?3 GROUP BY client_id`,
      "exp_1",
      0,
      Date.now(),
    );
    expect(detail).toContain("USING INDEX scored_candidates_experiment_idx");
  });

  it("the retrain's deal samples find a (client, service) candidate through its index", async () => {
    const detail = await plan(
      `SELECT id FROM scored_candidates WHERE client_id = ?1 AND service_id = ?2 AND at <= ?3
       ORDER BY at DESC, id DESC LIMIT 1`,
      "cl_1",
      "svc_1",
      Date.now(),
    );
    expect(detail).toContain("scored_candidates_client_service_idx");
  });
});
