import { beforeAll, describe, expect, it } from "vitest";
import type { StoredClientProfile } from "../../../../src/domain/client-profile";
import {
  buildClientWrite,
  findClientByExternalHash,
  getClientInteractions,
  isClientWriteConflict,
  upsertClientsWithInteractions,
  upsertClientWithInteractions,
} from "../../../../src/storage/clients";
import { idempotencyRecords } from "../../../../src/storage/schema";
import { allShardsD1 } from "../../../all-shards";
import { db, seedService, seedTenant, shardDbs } from "../../../harness";

/** Storage-level tests write through one shard directly (routing is the use cases' job). */
const shard = () => shardDbs()[0];

import { clientTableCounts } from "./helpers";

let companyId: string;
let debit: { id: string; modelIndex: number };
let mortgage: { id: string; modelIndex: number };

const baseProfile: StoredClientProfile = { age: 40, monthlyIncome: 90000, region: "spb", gender: "male", needs: [] };

beforeAll(async () => {
  const tenant = await seedTenant("Storage Bank");
  companyId = tenant.company.id;
  debit = await seedService(companyId, { code: "st_debit" });
  mortgage = await seedService(companyId, { code: "st_mortgage" });
});

async function runBatch(statements: Awaited<ReturnType<typeof buildClientWrite>>["statements"]) {
  await shard().batch(statements as [(typeof statements)[number], ...typeof statements]);
}

describe("client storage", () => {
  it("returns only the cells whose value changed, with previous values and model indexes", async () => {
    const input = {
      companyId,
      externalHash: "hash-changes",
      profile: baseProfile,
      interactions: [
        { serviceId: debit.id, modelIndex: debit.modelIndex, value: 1 as const },
        { serviceId: mortgage.id, modelIndex: mortgage.modelIndex, value: -1 as const },
      ],
    };
    const first = await upsertClientWithInteractions(shard(), input);
    expect(first.created).toBe(true);
    expect(first.changes).toEqual([
      { serviceId: debit.id, modelIndex: debit.modelIndex, previousValue: 0, value: 1 },
      { serviceId: mortgage.id, modelIndex: mortgage.modelIndex, previousValue: 0, value: -1 },
    ]);
    const second = await upsertClientWithInteractions(shard(), {
      ...input,
      interactions: [
        { serviceId: debit.id, modelIndex: debit.modelIndex, value: -1 },
        { serviceId: mortgage.id, modelIndex: mortgage.modelIndex, value: -1 },
      ],
    });
    expect(second.created).toBe(false);
    expect(second.clientId).toBe(first.clientId);
    expect(second.changes).toEqual([
      { serviceId: debit.id, modelIndex: debit.modelIndex, previousValue: 1, value: -1 },
    ]);
    const cells = await getClientInteractions({ shard: shard(), control: db() }, first.clientId);
    expect(cells.map((c) => [c.serviceCode, c.value, c.source])).toEqual([
      ["st_debit", -1, "crm"],
      ["st_mortgage", -1, "crm"],
    ]);
  });

  it("buildClientWrite lets a caller add its own statements to the same atomic batch", async () => {
    const write = await buildClientWrite(shard(), {
      companyId,
      externalHash: "hash-composed",
      profile: baseProfile,
      interactions: [{ serviceId: debit.id, modelIndex: debit.modelIndex, value: 1 }],
    });
    expect(write.created).toBe(true);
    expect(write.clientId).toMatch(/^cl_/);
    expect(await findClientByExternalHash(shard(), companyId, "hash-composed")).toBeNull();

    // The caller's own statement: a row of the same shard (here an idempotency record).
    const own = shard()
      .insert(idempotencyRecords)
      .values({
        principalId: "test",
        key: write.clientId,
        route: "composed",
        requestHash: "h",
        state: "done",
        createdAt: Date.now(),
        expiresAt: Date.now() + 60_000,
      });
    await shard().batch([...write.statements, own] as unknown as [typeof own]);
    expect((await findClientByExternalHash(shard(), companyId, "hash-composed"))?.id).toBe(write.clientId);
    const recorded = await allShardsD1
      .prepare("SELECT COUNT(*) AS n FROM idempotency_records WHERE key = ?")
      .bind(write.clientId)
      .first();
    expect(recorded).toEqual({ n: 1 });
  });

  it("a stale planned write fails as a conflict and applies nothing of itself", async () => {
    const externalHash = "hash-stale";
    await upsertClientWithInteractions(shard(), { companyId, externalHash, profile: baseProfile, interactions: [] });
    const stale = await buildClientWrite(shard(), {
      companyId,
      externalHash,
      profile: { ...baseProfile, age: 41 },
      interactions: [{ serviceId: debit.id, modelIndex: debit.modelIndex, value: 1 }],
    });
    await upsertClientWithInteractions(shard(), {
      companyId,
      externalHash,
      profile: { ...baseProfile, age: 50 },
      interactions: [],
    });
    const before = await clientTableCounts();
    const error = await runBatch(stale.statements).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isClientWriteConflict(error)).toBe(true);
    expect(await clientTableCounts()).toEqual(before);
    expect((await findClientByExternalHash(shard(), companyId, externalHash))?.age).toBe(50);
  });

  it("a concurrent creation of the same client is a conflict, not a duplicate", async () => {
    const input = { companyId, externalHash: "hash-race-create", profile: baseProfile, interactions: [] };
    const one = await buildClientWrite(shard(), input);
    const two = await buildClientWrite(shard(), input);
    await runBatch(one.statements);
    const error = await runBatch(two.statements).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isClientWriteConflict(error)).toBe(true);
    const { n } = (await allShardsD1
      .prepare("SELECT COUNT(*) AS n FROM clients WHERE external_hash = ?")
      .bind("hash-race-create")
      .first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("concurrent upserts of one client all land, and the history chain stays exact", async () => {
    const externalHash = "hash-concurrent";
    // Five simultaneous writers: each attempt can only lose to another writer's commit.
    const values: Array<1 | -1> = [1, -1, 1, -1, 1];
    const results = await Promise.all(
      values.map((value, i) =>
        upsertClientWithInteractions(shard(), {
          companyId,
          externalHash,
          profile: { ...baseProfile, age: 20 + i },
          interactions: [{ serviceId: debit.id, modelIndex: debit.modelIndex, value }],
        }),
      ),
    );
    expect(new Set(results.map((r) => r.clientId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const { results: history } = await allShardsD1
      .prepare("SELECT previous_value AS previousValue, value FROM interaction_history WHERE client_id = ? ORDER BY id")
      .bind(results[0].clientId)
      .all<{ previousValue: number; value: number }>();
    let current = 0;
    for (const row of history) {
      expect(row.previousValue).toBe(current);
      expect(row.value).not.toBe(current);
      current = row.value;
    }
    const cells = await getClientInteractions({ shard: shard(), control: db() }, results[0].clientId);
    expect(cells[0].value).toBe(current);
    const totalChanges = results.reduce((sum, r) => sum + r.changes.length, 0);
    expect(totalChanges).toBe(history.length);
  });

  it("bulk writes create and update in input order, across several groups", async () => {
    const inputs = Array.from({ length: 230 }, (_, i) => ({
      externalHash: `bulk-hash-${i}`,
      profile: { ...baseProfile, age: 18 + (i % 50) },
      interactions: [{ serviceId: mortgage.id, modelIndex: mortgage.modelIndex, value: 1 as const }],
    }));
    const created = await upsertClientsWithInteractions(shard(), companyId, inputs);
    expect(created.every((r) => r.created && r.changes.length === 1)).toBe(true);
    const updated = await upsertClientsWithInteractions(
      shard(),
      companyId,
      inputs.map((input) => ({ ...input, interactions: [{ ...input.interactions[0], value: -1 as const }] })),
    );
    expect(updated.map((r) => r.clientId)).toEqual(created.map((r) => r.clientId));
    expect(updated.every((r) => !r.created && r.changes[0].previousValue === 1 && r.changes[0].value === -1)).toBe(
      true,
    );
  });
});
