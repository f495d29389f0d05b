/**
 * Independent recomputation of the recommender statistics for the exactness tests: every client
 * and matrix row is read with plain SQL and counted with the domain's `StatisticsAccumulator`
 * (groups assigned under the given centroids), bypassing the change log and the rebuild's pages.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import {
  type FeatureSpace,
  type ModelStatistics,
  PART_NAMES,
  type PartScores,
  profileFromFields,
  type RecommenderClient,
  StatisticsAccumulator,
} from "../../../src/domain/recommender";
import type { StatisticsSnapshot } from "../../../src/domain/recommender/statistics-snapshot";
import { newClientOwnedId, requireSlotOfId } from "../../../src/storage/shards";
import { decodeSnapshot } from "../../../src/storage/statistics-snapshot-codec";
import { allShardsD1 } from "../../all-shards";
import { shardD1Of } from "../../harness";

/** Every client of D1 as a RecommenderClient of `space` (cells ascending by model index), by id. */
export async function allClientRecords(space: FeatureSpace): Promise<RecommenderClient[]> {
  const clients = await allShardsD1
    .prepare("SELECT id, age, monthly_income, region, gender, needs FROM clients ORDER BY id")
    .all<{ id: string; age: number; monthly_income: number; region: string; gender: string | null; needs: string }>();
  const cells = await allShardsD1
    .prepare(
      `SELECT i.client_id AS clientId, i.model_index AS modelIndex, i.value AS value
       FROM interactions i ORDER BY i.client_id, i.model_index`,
    )
    .all<{ clientId: string; modelIndex: number; value: number }>();
  const rows = new Map<string, Array<{ modelIndex: number; value: number }>>();
  for (const cell of cells.results) {
    const list = rows.get(cell.clientId) ?? [];
    list.push(cell);
    rows.set(cell.clientId, list);
  }
  return clients.results.map((client) => {
    const row = rows.get(client.id) ?? [];
    return {
      profile: profileFromFields(space, {
        age: client.age,
        monthlyIncome: client.monthly_income,
        region: client.region,
        gender: client.gender as "female" | "male" | null,
        needs: JSON.parse(client.needs) as string[],
      }),
      interactions: { services: row.map((cell) => cell.modelIndex), values: row.map((cell) => cell.value) },
    };
  });
}

/** Statistics of every client in D1, counted from scratch under `centroids`. */
export async function recomputeStatistics(
  space: FeatureSpace,
  nGroups: number,
  centroids: Float32Array,
): Promise<ModelStatistics> {
  const accumulator = new StatisticsAccumulator(space, nGroups, centroids);
  for (const record of await allClientRecords(space)) accumulator.addClient(record);
  return accumulator.stats;
}

/** The statistics snapshot of the current model (from the D1 pointer and KV). */
export async function currentSnapshot(): Promise<StatisticsSnapshot> {
  const pointer = await env.DB.prepare("SELECT snapshot_key AS key FROM model_pointer WHERE id = 1").first<{
    key: string;
  }>();
  expect(pointer).not.toBeNull();
  const bytes = await env.MODEL.get(pointer!.key, "arrayBuffer");
  expect(bytes).not.toBeNull();
  return decodeSnapshot(new Uint8Array(bytes!)).snapshot;
}

export {
  expectSameGroupFreeCounts,
  expectSameStatistics,
  GROUP_FREE_ARRAYS,
} from "../../domain/recommender/statistics-assertions";

/** A recorded offer outcome with the part scores it was rated with (the blend's deal samples). */
export interface ScoredDeal {
  clientId: string;
  serviceId: string;
  companyId: string;
  /** When the service was scored; the deal follows 100 ms later. */
  at: number;
  parts: PartScores;
  accepted: boolean;
  /** A later scoring of the same service (500 ms after), which must never be joined to the deal. */
  laterParts?: PartScores;
}

/** Writes each deal, its scoring (and any later one) into its client's shard, in batches. */
export async function insertScoredDeals(deals: readonly ScoredDeal[]): Promise<void> {
  const columns = PART_NAMES.map((name) => `part_${name}`).join(", ");
  const placeholders = PART_NAMES.map(() => "?").join(", ");
  const scored = `INSERT INTO scored_candidates (client_id, service_id, company_id, rating, threshold, decision, at, ${columns})
                  VALUES (?, ?, ?, 50, 70, 'lead', ?, ${placeholders})`;
  const statements = new Map<D1Database, D1PreparedStatement[]>();
  for (const deal of deals) {
    const d1 = shardD1Of(deal.clientId);
    const list = statements.get(d1) ?? [];
    statements.set(d1, list);
    const scoring = (at: number, parts: PartScores) =>
      d1
        .prepare(scored)
        .bind(deal.clientId, deal.serviceId, deal.companyId, at, ...PART_NAMES.map((name) => parts[name]));
    list.push(scoring(deal.at, deal.parts));
    if (deal.laterParts) list.push(scoring(deal.at + 500, deal.laterParts));
    list.push(
      d1
        .prepare(
          `INSERT INTO deals (id, client_id, service_id, company_id, outcome, reported_by, occurred_at, created_at)
           VALUES (?, ?, ?, ?, ?, 'crm', ?, ?)`,
        )
        .bind(
          newClientOwnedId("dl", requireSlotOfId(deal.clientId)),
          deal.clientId,
          deal.serviceId,
          deal.companyId,
          deal.accepted ? "accepted" : "declined",
          deal.at + 100,
          deal.at + 100,
        ),
    );
  }
  for (const [d1, list] of statements) {
    for (let i = 0; i < list.length; i += 90) await d1.batch(list.slice(i, i + 90));
  }
}
