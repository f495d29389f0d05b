/** The partner inbox use cases: paging from a cursor, acknowledging once, and company isolation. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeInboxCursor } from "../../../src/domain/inbox-cursor";
import { acknowledgeInboxLead } from "../../../src/usecases/partner-inbox/ack-lead";
import { getInboxLead } from "../../../src/usecases/partner-inbox/get-lead";
import { listInbox } from "../../../src/usecases/partner-inbox/list-leads";
import { shardD1s } from "../../harness";
import { events, seedLeads, seedReceiver } from "../lead-delivery/fixtures";

describe("listInbox", () => {
  it("pages oldest first; the cursor of an empty page stays where it was", async () => {
    const receiver = await seedReceiver({ url: null });
    const rows = await seedLeads(receiver, 3);
    const first = await listInbox(env, receiver.id, { limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([rows[0].id, rows[1].id]);
    expect(first.hasMore).toBe(true);
    // Only the shard the leads are in moved: the others stay at their start.
    const positions = decodeInboxCursor(first.nextCursor, shardD1s().length);
    expect(positions.filter((seq) => seq !== 0)).toEqual([rows[1].seq]);
    const second = await listInbox(env, receiver.id, { cursor: first.nextCursor, limit: 2 });
    expect(second.items.map((item) => item.id)).toEqual([rows[2].id]);
    expect(second.hasMore).toBe(false);
    const empty = await listInbox(env, receiver.id, { cursor: second.nextCursor });
    expect(empty).toEqual({ items: [], nextCursor: second.nextCursor, hasMore: false });
  });

  it("refuses a cursor it did not issue", async () => {
    const receiver = await seedReceiver({ url: null });
    await expect(listInbox(env, receiver.id, { cursor: "not*a*cursor" })).rejects.toMatchObject({
      code: "validation_failed",
      items: [{ path: ["query", "cursor"] }],
    });
  });
});

describe("acknowledgeInboxLead", () => {
  it("acknowledges once: the second call changes nothing and writes no second event", async () => {
    const receiver = await seedReceiver({ url: null });
    const [lead] = await seedLeads(receiver, 1);
    const first = await acknowledgeInboxLead(env, receiver.id, lead.id, 1_000);
    expect(first.status).toBe("acknowledged");
    expect(first.acknowledgedAt).toBe(1_000);
    const again = await acknowledgeInboxLead(env, receiver.id, lead.id, 2_000);
    expect(again.acknowledgedAt).toBe(1_000);
    const acknowledged = (await events(lead.id)).filter((event) => event.type === "acknowledged");
    expect(acknowledged).toHaveLength(1);
  });

  it("never reaches another company's lead", async () => {
    const receiver = await seedReceiver({ url: null });
    const other = await seedReceiver({ url: null });
    const [lead] = await seedLeads(receiver, 1);
    await expect(getInboxLead(env, other.id, lead.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(acknowledgeInboxLead(env, other.id, lead.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await getInboxLead(env, receiver.id, lead.id)).acknowledgedAt).toBeNull();
  });
});
