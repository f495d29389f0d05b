import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { requeueStaleLeads } from "../../../../src/storage/leads";
import { api, errorCode, seedTenant } from "../../../harness";
import { drain } from "../../../queues/outbox";
import {
  events,
  lead,
  message,
  runConsumer,
  seedLeads,
  seedReceiver,
  testDeps,
} from "../../../usecases/lead-delivery/fixtures";

const ENDPOINT = "https://partner.example/hooks/leads";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  vi.restoreAllMocks();
});
afterAll(() => server.close());

/** A lead whose webhook failed permanently (HTTP 400), as the consumer leaves it. */
async function failedLead() {
  const receiver = await seedReceiver({ url: ENDPOINT });
  const [row] = await seedLeads(receiver);
  server.use(http.post(ENDPOINT, () => new HttpResponse(null, { status: 400 })));
  await runConsumer("lead-dispatch", [message(row.id)], testDeps());
  server.resetHandlers();
  expect((await lead(row.id)).status).toBe("failed");
  return { receiver, row };
}

describe("POST /v1/admin/leads/{id}/redeliver", () => {
  it("re-enqueues a failed lead, which then reaches the partner through the queue", async () => {
    const { receiver, row } = await failedLead();
    const received: Array<{ body: string; headers: Record<string, string> }> = [];
    server.use(
      http.post(ENDPOINT, async ({ request }) => {
        received.push({ body: await request.text(), headers: Object.fromEntries(request.headers) });
        return new HttpResponse(null, { status: 200 });
      }),
    );

    const res = await api("POST", `/v1/admin/leads/${row.id}/redeliver`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ lead_id: row.id, status: "queued", enqueued: true });

    // The lead-dispatch queue hands the message to the consumer, which pushes the webhook.
    expect((await drain("lead-dispatch")).acked).toEqual([
      { v: 1, type: "deliver_lead", leadId: row.id, redelivery: true },
    ]);
    expect((await lead(row.id)).status).toBe("delivered");
    expect(received).toHaveLength(1);
    expect(received[0].headers["webhook-id"]).toBe(row.id);
    expect(new Webhook(receiver.webhookSecret!).verify(received[0].body, received[0].headers)).toEqual(
      JSON.parse(row.payload),
    );
    const types = (await events(row.id)).map((e) => e.type);
    expect(types).toEqual([
      "created",
      "delivery_attempt",
      "failed",
      "redeliver_requested",
      "enqueued",
      "delivery_attempt",
      "delivered",
    ]);
    const redelivered = (await events(row.id)).filter((e) => e.type === "delivery_attempt").at(-1)!;
    expect(redelivered.detail).toContain("redelivery");
  });

  it("answers 202 with enqueued false when the queue is down, and the sweep sends it later", async () => {
    const receiver = await seedReceiver({ url: null });
    const [row] = await seedLeads(receiver);
    vi.spyOn(env.LEAD_DISPATCH, "sendBatch").mockRejectedValueOnce(new Error("Queue unavailable"));
    const res = await api("POST", `/v1/admin/leads/${row.id}/redeliver`);
    expect(res.status).toBe(202);
    expect(res.body.enqueued).toBe(false);
    expect((await events(row.id)).at(-1)?.type).toBe("redeliver_requested");

    const sent: unknown[] = [];
    const queue = {
      sendBatch: async (messages: Array<{ body: unknown }>) => {
        for (const m of messages) sent.push(m.body);
      },
    } as unknown as Queue<never>;
    await requeueStaleLeads({ ...env, LEAD_DISPATCH: queue }, 60_000, Date.now() + 120_000);
    expect(sent).toContainEqual({ v: 1, type: "deliver_lead", leadId: row.id });
  });

  it("refuses a lead the partner already acknowledged (409) and changes nothing", async () => {
    const tenant = await seedTenant("Acking partner");
    const [row] = await seedLeads(tenant.company);
    await api("POST", `/v1/partner/leads/${row.id}/ack`, { key: tenant.partnerKey });
    const res = await api("POST", `/v1/admin/leads/${row.id}/redeliver`);
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe("conflict");
    expect(res.body.errors[0].message).toMatch(/is acknowledged/);
    expect((await lead(row.id)).status).toBe("acknowledged");
    expect((await events(row.id)).map((e) => e.type)).not.toContain("redeliver_requested");
  });

  it("is 404 for an unknown lead", async () => {
    const res = await api("POST", "/v1/admin/leads/ld_00000000000000000000/redeliver");
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
  });

  it("is for admins only", async () => {
    const tenant = await seedTenant("Curious partner");
    const [row] = await seedLeads(tenant.company);
    expect((await api("POST", `/v1/admin/leads/${row.id}/redeliver`, { key: null })).status).toBe(401);
    expect(
      (await api("POST", `/v1/admin/leads/${row.id}/redeliver`, { key: "cb_admin_wrong00000000000000000000" })).status,
    ).toBe(401);
    for (const key of [tenant.partnerKey, tenant.crmKey]) {
      const res = await api("POST", `/v1/admin/leads/${row.id}/redeliver`, { key });
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
      expect((await api("GET", `/v1/admin/leads/${row.id}`, { key })).status).toBe(403);
    }
    expect((await events(row.id)).map((e) => e.type)).toEqual(["created"]);
  });
});

describe("GET /v1/admin/leads/{id}", () => {
  it("returns the lead, its document, its routing record and every event", async () => {
    const { row } = await failedLead();
    const res = await api("GET", `/v1/admin/leads/${row.id}`);
    expect(res.status).toBe(200);
    expect(res.body.lead).toMatchObject({
      id: row.id,
      status: "failed",
      target_company_id: row.targetCompanyId,
      delivery_attempts: 1,
      last_error: "HTTP 400 Bad Request",
      routing: { reason: "only eligible company" },
    });
    expect(res.body.lead.document).toEqual(JSON.parse(row.payload));
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(["created", "delivery_attempt", "failed"]);
    expect(res.body.events[1]).toMatchObject({ attempt: 1, http_status: 400, error: "HTTP 400 Bad Request" });
  });

  it("is 404 for an unknown lead", async () => {
    const res = await api("GET", "/v1/admin/leads/ld_unknown");
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
  });
});
