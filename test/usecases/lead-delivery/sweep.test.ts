import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LeadDispatchMessage } from "../../../src/queues/lead-dispatch/message";
import {
  enqueueLeads,
  LOST_MESSAGE_AFTER_MS,
  recordInboxFallback,
  requeueStaleLeads,
} from "../../../src/storage/leads";
import { newClientOwnedId, SLOT_COUNT } from "../../../src/storage/shards";
import { allShardsD1 } from "../../all-shards";
import { shardDbOf } from "../../harness";
import { events, seedLeads, seedReceiver } from "./fixtures";

/** A stand-in for the LEAD_DISPATCH binding that records messages (or refuses them). */
function fakeQueue(options: { fail?: boolean } = {}) {
  const sent: LeadDispatchMessage[] = [];
  const queue = {
    async send(body: LeadDispatchMessage) {
      if (options.fail) throw new Error("Queue send failed: service unavailable");
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<LeadDispatchMessage>>) {
      if (options.fail) throw new Error("Queue sendBatch failed: service unavailable");
      for (const m of messages) sent.push(m.body);
    },
  };
  return { sent, env: { ...env, LEAD_DISPATCH: queue as unknown as Queue<LeadDispatchMessage> } };
}

const MINUTE = 60_000;

describe("enqueueLeads", () => {
  it("sends one message per lead and records `enqueued`", async () => {
    const receiver = await seedReceiver();
    const rows = await seedLeads(receiver, 3);
    const queue = fakeQueue();
    const result = await enqueueLeads(
      queue.env,
      rows.map((r) => r.id),
    );
    expect(result).toEqual({ enqueued: rows.map((r) => r.id), pending: [] });
    expect(queue.sent).toEqual(rows.map((r) => ({ v: 1, type: "deliver_lead", leadId: r.id })));
    for (const row of rows) expect((await events(row.id)).map((e) => e.type)).toEqual(["created", "enqueued"]);
  });

  it("reports leads the queue refused as pending, without throwing", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    const result = await enqueueLeads(fakeQueue({ fail: true }).env, [row.id]);
    expect(result).toEqual({ enqueued: [], pending: [row.id] });
    expect((await events(row.id)).map((e) => e.type)).toEqual(["created"]);
  });

  it("splits large sends into batches of at most 100 messages", async () => {
    const batches: number[] = [];
    const queue = {
      sendBatch: async (messages: MessageSendRequest<LeadDispatchMessage>[]) => {
        batches.push(messages.length);
      },
    } as unknown as Queue<LeadDispatchMessage>;
    // Ids of leads that do not exist, spread over every slot (so over every shard).
    const ids = Array.from({ length: 250 }, (_, i) => newClientOwnedId("ld", (i * 37) % SLOT_COUNT));
    await enqueueLeads({ ...env, LEAD_DISPATCH: queue }, ids);
    expect(batches).toEqual([100, 100, 50]);
    const recorded = await allShardsD1
      .prepare(
        "SELECT COUNT(*) AS n FROM lead_events WHERE type = 'enqueued' AND lead_id NOT IN (SELECT id FROM leads)",
      )
      .first<{ n: number }>();
    expect(recorded?.n).toBe(250);
  });
});

describe("requeueStaleLeads", () => {
  it("re-enqueues a lead whose enqueue failed, once it is older than the threshold", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    await enqueueLeads(fakeQueue({ fail: true }).env, [row.id]);

    const early = fakeQueue();
    await requeueStaleLeads(early.env, 5 * MINUTE, Date.now() + MINUTE);
    expect(early.sent.map((m) => m.leadId)).not.toContain(row.id);

    const sweep = fakeQueue();
    const swept = await requeueStaleLeads(sweep.env, 5 * MINUTE, Date.now() + 6 * MINUTE);
    expect(swept.requeued).toBe(swept.found);
    expect(sweep.sent).toContainEqual({ v: 1, type: "deliver_lead", leadId: row.id });
    expect((await events(row.id)).at(-1)).toMatchObject({ type: "enqueued", detail: "re-enqueued by the sweep" });

    // Swept once: the next run leaves it to the queue.
    const again = fakeQueue();
    await requeueStaleLeads(again.env, 5 * MINUTE, Date.now() + 7 * MINUTE);
    expect(again.sent.map((m) => m.leadId)).not.toContain(row.id);
  });

  it("keeps a lead pending when the queue is still down", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    const down = fakeQueue({ fail: true });
    expect(await requeueStaleLeads(down.env, MINUTE, Date.now() + 2 * MINUTE)).toMatchObject({ requeued: 0 });
    const up = fakeQueue();
    await requeueStaleLeads(up.env, MINUTE, Date.now() + 3 * MINUTE);
    expect(up.sent.map((m) => m.leadId)).toContain(row.id);
  });

  it("re-enqueues a lead whose message was lost, leaves inbox and finished leads alone", async () => {
    const receiver = await seedReceiver();
    const [lost, inbox, done] = await seedLeads(receiver, 3);
    await enqueueLeads(fakeQueue().env, [lost.id, inbox.id, done.id]);
    await recordInboxFallback(shardDbOf(inbox.id), inbox.id, Date.now(), "the company has no webhook URL");
    await allShardsD1.prepare("UPDATE leads SET status = 'delivered' WHERE id = ?").bind(done.id).run();

    const soon = fakeQueue();
    await requeueStaleLeads(soon.env, 5 * MINUTE, Date.now() + 60 * MINUTE);
    expect(soon.sent.map((m) => m.leadId)).not.toContain(lost.id);

    const later = fakeQueue();
    await requeueStaleLeads(later.env, 5 * MINUTE, Date.now() + LOST_MESSAGE_AFTER_MS + MINUTE);
    const swept = later.sent.map((m) => m.leadId);
    expect(swept).toContain(lost.id);
    expect(swept).not.toContain(inbox.id);
    expect(swept).not.toContain(done.id);
  });
});
