/**
 * One `lead-dispatch` batch reads its leads once per shard and each receiving company once
 * (src/usecases/lead-delivery/batch-reads.ts), instead of two D1 reads per message; the deliveries'
 * outcomes are those of messages delivered one by one.
 */
import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { consumeLeadDispatch } from "../../../src/queues/lead-dispatch/consumer";
import { clientShards, shardOfId } from "../../../src/storage/shards";
import { batchDeliveryReads } from "../../../src/usecases/lead-delivery/batch-reads";
import { events, lead, message, seedClient, seedLeads, seedReceiver, seedSource, testDeps } from "./fixtures";

/** `env` whose D1 bindings record every statement they prepare. */
function countingEnv(): { env: Env; statements: string[] } {
  const statements: string[] = [];
  const counted: Record<string, unknown> = { ...env };
  const bindings = ["DB", ...clientShards(env).map((shard) => shard.binding)];
  for (const name of bindings) {
    const d1 = (env as unknown as Record<string, D1Database>)[name];
    counted[name] = new Proxy(d1, {
      get(target, property) {
        if (property === "prepare") {
          return (sql: string) => {
            statements.push(sql);
            return target.prepare(sql);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
  return { env: counted as unknown as Env, statements };
}

const readsOf = (statements: string[], table: string) =>
  statements.filter((sql) => sql.startsWith("select") && sql.includes(`from "${table}"`)).length;

describe("a lead-dispatch batch's reads", () => {
  it("reads the batch's leads once per shard and each receiving company once, and delivers every message", async () => {
    const first = await seedReceiver({ url: null, name: "Inbox One" });
    const second = await seedReceiver({ url: null, name: "Inbox Two" });
    const { source } = await seedSource();
    // Clients until both shards hold one, so that the batch spans them.
    const clients: string[] = [];
    const shardsHeld = new Set<number>();
    while (shardsHeld.size < 2) {
      const client = await seedClient(source.id);
      const shard = shardOfId(env, client.id)?.index ?? -1;
      if (!shardsHeld.has(shard)) clients.push(client.id);
      shardsHeld.add(shard);
    }
    const rows = [
      ...(await seedLeads(first, 3, { source, clientId: clients[0] })),
      ...(await seedLeads(second, 2, { source, clientId: clients[1] })),
      ...(await seedLeads(first, 2, { source, clientId: clients[1] })),
    ];
    const counted = countingEnv();
    const batch = createMessageBatch<unknown>(
      "lead-dispatch",
      rows.map((row) => {
        const m = message(row.id);
        return { id: m.id, timestamp: new Date(), attempts: m.attempts, body: m.body };
      }),
    );
    await consumeLeadDispatch(batch, counted.env, testDeps());

    expect(readsOf(counted.statements, "leads")).toBe(2);
    expect(readsOf(counted.statements, "companies")).toBe(2);
    for (const row of rows) {
      expect((await lead(row.id)).status).toBe("queued");
      expect((await events(row.id)).at(-1)?.detail).toBe("skipped: inbox (the company has no webhook URL)");
    }
  });

  it("reads a lead outside the batch on its own, and answers null for one that does not exist", async () => {
    const receiver = await seedReceiver({ url: null });
    const [inBatch, outside] = await seedLeads(receiver, 2);
    const reads = batchDeliveryReads(env, [inBatch.id]);
    expect((await reads.lead(inBatch.id))?.id).toBe(inBatch.id);
    expect((await reads.lead(outside.id))?.id).toBe(outside.id);
    expect(await reads.lead(`${inBatch.id.slice(0, -4)}zzzz`)).toBeNull();
    expect((await reads.company(receiver.id))?.id).toBe(receiver.id);
    expect(await reads.company("co_missing")).toBeNull();
  });
});
