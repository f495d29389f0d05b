import { allShardsD1 } from "../../../all-shards";

/** A valid profile body for PUT /v1/clients/{external_id}. */
export function profile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { age: 34, monthly_income: 150000, region: "msk", gender: "female", needs: ["housing"], ...overrides };
}

/** Row counts of the tables a client write touches. */
export async function clientTableCounts() {
  const row = await allShardsD1
    .prepare(
      `SELECT (SELECT COUNT(*) FROM clients) AS clients,
            (SELECT COUNT(*) FROM interactions) AS interactions,
            (SELECT COUNT(*) FROM interaction_history) AS history`,
    )
    .first<{ clients: number; interactions: number; history: number }>();
  return row!;
}
