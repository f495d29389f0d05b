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
  profileFromFields,
  type RecommenderClient,
  StatisticsAccumulator,
} from "../../../src/domain/recommender";
import type { StatisticsSnapshot } from "../../../src/domain/recommender/statistics-snapshot";
import { decodeSnapshot } from "../../../src/storage/statistics-snapshot-codec";
import { allShardsD1 } from "../../all-shards";

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
