/**
 * The delivery use case without a queue: one lead in, one outcome out (the consumer turns outcomes
 * into acks and retries, see test/queues/lead-dispatch.test.ts), every outcome recorded first.
 */
import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deliverLead, recordDeadLetter } from "../../../src/usecases/lead-delivery/deliver";
import { events, lead, seedLeads, seedReceiver, testDeps } from "./fixtures";

const ENDPOINT = "https://partner.example/hooks/leads";
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const body = (leadId: string) => ({ v: 1 as const, type: "deliver_lead" as const, leadId });

describe("deliverLead", () => {
  it("answers unknown_lead for a lead that does not exist and records nothing", async () => {
    expect(await deliverLead(env, body("ld_nobody"), 1, testDeps())).toEqual({ kind: "unknown_lead" });
    expect(await events("ld_nobody")).toEqual([]);
  });

  it("delivers once, then treats the same message as done without sending again", async () => {
    const receiver = await seedReceiver({ url: ENDPOINT });
    const [row] = await seedLeads(receiver);
    let posts = 0;
    server.use(
      http.post(ENDPOINT, () => {
        posts++;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    expect(await deliverLead(env, body(row.id), 1, testDeps())).toEqual({ kind: "done", result: "delivered" });
    expect(await deliverLead(env, body(row.id), 2, testDeps())).toEqual({ kind: "done", result: "not_waiting" });
    expect(posts).toBe(1);
    expect((await lead(row.id)).status).toBe("delivered");
  });

  it("asks for a retry after a 503 with the delay it recorded, and marks the last attempt", async () => {
    const receiver = await seedReceiver({ url: ENDPOINT });
    const [row] = await seedLeads(receiver);
    server.use(http.post(ENDPOINT, () => new HttpResponse(null, { status: 503 })));
    const first = await deliverLead(env, body(row.id), 1, testDeps());
    expect(first).toEqual({ kind: "retry", delaySeconds: 10 });
    const scheduled = (await events(row.id)).filter((event) => event.type === "retry_scheduled");
    expect(scheduled.at(-1)?.detail).toContain("10");

    const last = await deliverLead(env, body(row.id), 9, testDeps());
    expect(last.kind).toBe("retry");
    expect((await events(row.id)).at(-1)?.detail).toBe("retries exhausted: the message goes to the dead-letter queue");
  });

  it("leaves the lead of a company without a webhook in the inbox", async () => {
    const receiver = await seedReceiver({ url: null });
    const [row] = await seedLeads(receiver);
    expect(await deliverLead(env, body(row.id), 1, testDeps())).toEqual({ kind: "done", result: "inbox" });
    expect((await lead(row.id)).status).toBe("queued");
  });
});

describe("recordDeadLetter", () => {
  it("fails a waiting lead, and answers unknown_lead for a lead that does not exist", async () => {
    const receiver = await seedReceiver({ url: ENDPOINT });
    const [row] = await seedLeads(receiver);
    expect(await recordDeadLetter(env, body(row.id), Date.now())).toBe("recorded");
    expect((await lead(row.id)).status).toBe("failed");
    expect((await events(row.id)).at(-1)).toMatchObject({
      type: "dead_lettered",
      detail: "the dispatch message exhausted its 8 retries",
    });
    expect(await recordDeadLetter(env, body("ld_nobody"), Date.now())).toBe("unknown_lead");
  });
});
