import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { delay, HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { consumeLeadDispatch } from "../../src/queues/lead-dispatch/consumer";
import { consumeLeadDeadLetters } from "../../src/queues/lead-dispatch/dead-letters";
import type { LeadDispatchMessage } from "../../src/queues/lead-dispatch/message";
import { companies } from "../../src/storage/schema";
import { newClientOwnedId } from "../../src/storage/shards";
import { db } from "../harness";
import {
  company,
  events,
  lead,
  message,
  newSecret,
  resentDelay,
  runConsumer,
  seedLeads,
  seedReceiver,
  testDeps,
} from "../usecases/lead-delivery/fixtures";

const ENDPOINT = "https://partner.example/hooks/leads";
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

interface Received {
  id: string;
  headers: Record<string, string>;
  body: string;
}

/** A partner endpoint answering `respond` and recording every request. */
function endpoint(respond: () => Response | Promise<Response> = () => new HttpResponse(null, { status: 204 })) {
  const received: Received[] = [];
  server.use(
    http.post(ENDPOINT, async ({ request }) => {
      const body = await request.clone().text();
      received.push({
        id: request.headers.get("webhook-id") ?? "",
        headers: Object.fromEntries(request.headers),
        body,
      });
      return respond();
    }),
  );
  return received;
}

describe("webhook delivery", () => {
  it("POSTs the lead document signed so that the Standard Webhooks library verifies it", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    const received = endpoint();

    const outcome = await runConsumer("lead-dispatch", [message(row.id)], testDeps());

    expect(outcome.acked).toHaveLength(1);
    expect(received).toHaveLength(1);
    const request = received[0];
    const verified = new Webhook(receiver.webhookSecret!).verify(request.body, request.headers);
    expect(verified).toEqual(JSON.parse(row.payload));
    expect(request.headers["webhook-id"]).toBe(row.id);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(() => new Webhook(newSecret()).verify(request.body, request.headers)).toThrow(/No matching signature/);

    const after = await lead(row.id);
    expect(after.status).toBe("delivered");
    expect(after.deliveryAttempts).toBe(1);
    expect(after.deliveredAt).not.toBeNull();
    expect(after.lastError).toBeNull();
    const log = await events(row.id);
    expect(log.map((e) => e.type)).toEqual(["created", "delivery_attempt", "delivered"]);
    expect(log[1]).toMatchObject({ attempt: 1, httpStatus: 204, error: null });
    expect(log[1].latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("signs with both secrets during a rotation, and only the current one afterwards", async () => {
    const previous = newSecret();
    const rotating = await seedReceiver({
      webhookSecretPrevious: previous,
      webhookSecretPreviousExpiresAt: Date.now() + 3600_000,
    });
    const rotated = await seedReceiver({
      webhookSecretPrevious: previous,
      webhookSecretPreviousExpiresAt: Date.now() - 1,
    });
    const [a] = await seedLeads(rotating);
    const [b] = await seedLeads(rotated);
    const received = endpoint();

    await runConsumer("lead-dispatch", [message(a.id), message(b.id)], testDeps());

    const during = received.find((r) => r.id === a.id)!;
    expect(during.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(rotating.webhookSecret!).verify(during.body, during.headers)).toBeTruthy();
    expect(new Webhook(previous).verify(during.body, during.headers)).toBeTruthy();

    const after = received.find((r) => r.id === b.id)!;
    expect(after.headers["webhook-signature"].split(" ")).toHaveLength(1);
    expect(new Webhook(rotated.webhookSecret!).verify(after.body, after.headers)).toBeTruthy();
    expect(() => new Webhook(previous).verify(after.body, after.headers)).toThrow();
  });

  it("answers a 500 by acknowledging and re-sending with the next attempt and growing delays, never retry()", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    const received = endpoint(() => new HttpResponse("boom", { status: 500 }));

    const delays: number[] = [];
    const carried: unknown[] = [];
    let next = message(row.id);
    for (let attempt = 1; attempt <= 4; attempt++) {
      const outcome = await runConsumer("lead-dispatch", [next], testDeps());
      expect(outcome.acked).toEqual([next.id]);
      expect(outcome.retried.size).toBe(0);
      delays.push(resentDelay(outcome));
      carried.push(outcome.resent[0].body);
      // The queue hands the re-sent message over as a new message (its own attempts start at 1).
      next = { id: `resent-${attempt}`, attempts: 1, body: outcome.resent[0].body };
    }
    expect(delays).toEqual([10, 30, 90, 270]);
    expect(carried).toEqual([2, 3, 4, 5].map((attempt) => ({ v: 1, type: "deliver_lead", leadId: row.id, attempt })));
    expect(received).toHaveLength(4);
    expect(new Set(received.map((r) => r.id))).toEqual(new Set([row.id]));

    const after = await lead(row.id);
    expect(after.status).toBe("queued");
    expect(after.deliveryAttempts).toBe(4);
    expect(after.lastError).toBe("HTTP 500 Internal Server Error");
    const log = await events(row.id);
    const attempts = log.filter((e) => e.type === "delivery_attempt");
    expect(attempts.map((e) => [e.attempt, e.httpStatus, e.detail])).toEqual([
      [1, 500, "queue attempt 1/9"],
      [2, 500, "queue attempt 2/9"],
      [3, 500, "queue attempt 3/9"],
      [4, 500, "queue attempt 4/9"],
    ]);
    expect(log.filter((e) => e.type === "retry_scheduled").map((e) => e.detail)).toEqual([
      "next attempt in 10 s",
      "next attempt in 30 s",
      "next attempt in 90 s",
      "next attempt in 270 s",
    ]);
  });

  it("counts the queue's own redeliveries of a message on top of the attempt it carries", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    endpoint(() => new HttpResponse(null, { status: 503 }));
    // Carries attempt 3 and was handed over a second time (a fallback retry): this is attempt 4.
    const m = message(row.id, 2, { attempt: 3 });
    const outcome = await runConsumer("lead-dispatch", [m], testDeps());
    expect(resentDelay(outcome)).toBe(270);
    expect(outcome.resent[0].body).toMatchObject({ leadId: row.id, attempt: 5 });
    expect((await events(row.id)).find((e) => e.type === "delivery_attempt")?.detail).toBe("queue attempt 4/9");
  });

  it("applies jitter to the exponential schedule", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    endpoint(() => new HttpResponse(null, { status: 503 }));
    const low = message(row.id, 1, { attempt: 2 });
    const high = message(row.id, 1, { attempt: 8 });
    const lowOutcome = await runConsumer("lead-dispatch", [low], testDeps({ random: () => 0 }));
    const highOutcome = await runConsumer("lead-dispatch", [high], testDeps({ random: () => 0.999 }));
    expect(resentDelay(lowOutcome)).toBe(24); // 30 s × 0.8
    expect(resentDelay(highOutcome)).toBe(26_235); // 10 s × 3^7 × 1.1996
  });

  it("retries a timeout", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    endpoint(async () => {
      await delay(300);
      return new HttpResponse(null, { status: 200 });
    });
    const m = message(row.id);
    const outcome = await runConsumer("lead-dispatch", [m], testDeps({ timeoutMs: 30 }));
    expect(resentDelay(outcome)).toBe(10);
    const after = await lead(row.id);
    expect(after.status).toBe("queued");
    expect(after.lastError).toBe("timeout: no answer within 30 ms");
    const attempt = (await events(row.id)).find((e) => e.type === "delivery_attempt")!;
    expect(attempt.httpStatus).toBeNull();
    expect(attempt.error).toMatch(/^timeout/);
  });

  it("retries a network error", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    server.use(http.post(ENDPOINT, () => HttpResponse.error()));
    const m = message(row.id, 1, { attempt: 3 });
    const outcome = await runConsumer("lead-dispatch", [m], testDeps());
    expect(resentDelay(outcome)).toBe(90);
    expect((await lead(row.id)).lastError).toMatch(/^network error/);
  });

  it("honours a longer Retry-After on 429, in seconds or as an HTTP date, capped at 12 hours", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    let retryAfter = "120";
    endpoint(() => new HttpResponse(null, { status: 429, headers: { "retry-after": retryAfter } }));

    const seconds = message(row.id);
    expect(resentDelay(await runConsumer("lead-dispatch", [seconds], testDeps()))).toBe(120);

    retryAfter = new Date(Date.now() + 600_000).toUTCString();
    const date = message(row.id);
    const dateDelay = resentDelay(await runConsumer("lead-dispatch", [date], testDeps()));
    expect(dateDelay).toBeGreaterThan(590);
    expect(dateDelay).toBeLessThanOrEqual(601);

    retryAfter = "999999";
    const huge = message(row.id);
    expect(resentDelay(await runConsumer("lead-dispatch", [huge], testDeps()))).toBe(43_200);

    retryAfter = "1";
    const shorter = message(row.id, 1, { attempt: 2 });
    expect(resentDelay(await runConsumer("lead-dispatch", [shorter], testDeps()))).toBe(30);
  });

  it("treats a redirect as a failed attempt and does not follow it", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    let followed = false;
    server.use(
      http.post("https://elsewhere.example/hook", () => {
        followed = true;
        return new HttpResponse(null, { status: 200 });
      }),
    );
    endpoint(() => new HttpResponse(null, { status: 307, headers: { location: "https://elsewhere.example/hook" } }));
    const m = message(row.id);
    const outcome = await runConsumer("lead-dispatch", [m], testDeps());
    expect(outcome.resent).toHaveLength(1);
    expect(followed).toBe(false);
    expect((await lead(row.id)).lastError).toContain("redirect to https://elsewhere.example/hook");
  });

  it("disables the endpoint on 410 and keeps the lead for the inbox", async () => {
    const receiver = await seedReceiver();
    const [first, second] = await seedLeads(receiver, 2);
    const received = endpoint(() => new HttpResponse(null, { status: 410 }));

    const outcome = await runConsumer("lead-dispatch", [message(first.id)], testDeps());
    expect(outcome.acked).toHaveLength(1);
    const disabled = await company(receiver.id);
    expect(disabled.webhookDisabledAt).not.toBeNull();
    expect(disabled.webhookDisabledReason).toMatch(/410 Gone/);
    expect((await lead(first.id)).status).toBe("queued");
    expect((await events(first.id)).map((e) => e.type)).toContain("endpoint_disabled");

    // The next lead is not pushed any more: it waits in the inbox.
    const next = await runConsumer("lead-dispatch", [message(second.id)], testDeps());
    expect(next.acked).toHaveLength(1);
    expect(received).toHaveLength(1);
    const skipped = (await events(second.id)).at(-1)!;
    expect(skipped).toMatchObject({ type: "delivery_attempt", httpStatus: null });
    expect(skipped.detail).toMatch(/^skipped: inbox \(webhook disabled/);
    expect((await lead(second.id)).status).toBe("queued");
  });

  it("does not disable a webhook URL that was changed while the 410 was in flight", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    endpoint(async () => {
      await db()
        .update(companies)
        .set({ webhookUrl: "https://partner.example/hooks/v2" })
        .where(eq(companies.id, receiver.id));
      return new HttpResponse(null, { status: 410 });
    });
    await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    expect((await company(receiver.id)).webhookDisabledAt).toBeNull();
  });

  it("fails a lead permanently on another 4xx, without retrying", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    endpoint(() => new HttpResponse("bad signature", { status: 401 }));
    const outcome = await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    expect(outcome.acked).toHaveLength(1);
    expect(outcome.retried.size).toBe(0);
    const after = await lead(row.id);
    expect(after.status).toBe("failed");
    expect(after.lastError).toBe("HTTP 401 Unauthorized");
    expect((await events(row.id)).map((e) => e.type)).toEqual(["created", "delivery_attempt", "failed"]);
  });

  it("leaves leads of a company without a webhook in the inbox", async () => {
    const receiver = await seedReceiver({ url: null });
    const [row] = await seedLeads(receiver);
    const received = endpoint();
    const outcome = await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    expect(outcome.acked).toHaveLength(1);
    expect(received).toHaveLength(0);
    const after = await lead(row.id);
    expect(after.status).toBe("queued");
    expect(after.deliveryAttempts).toBe(0);
    expect((await events(row.id)).at(-1)?.detail).toBe("skipped: inbox (the company has no webhook URL)");
  });

  it("re-checks the stored URL and fails the attempt when it is no longer acceptable", async () => {
    const receiver = await seedReceiver({ url: "https://10.0.0.7/hooks" });
    const [row] = await seedLeads(receiver);
    const outcome = await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    expect(outcome.acked).toHaveLength(1);
    const after = await lead(row.id);
    expect(after.status).toBe("failed");
    expect(after.lastError).toMatch(/^webhook URL no longer acceptable: .*private/);
  });

  it("fails the attempt when the company has no usable signing secret", async () => {
    const noSecret = await seedReceiver({ webhookSecret: null });
    const badSecret = await seedReceiver({ webhookSecret: "whsec_***not-base64***" });
    const [a] = await seedLeads(noSecret);
    const [b] = await seedLeads(badSecret);
    const received = endpoint();
    await runConsumer("lead-dispatch", [message(a.id), message(b.id)], testDeps());
    expect(received).toHaveLength(0);
    expect((await lead(a.id)).lastError).toMatch(/no signing secret/);
    expect((await lead(b.id)).lastError).toMatch(/signing secret is invalid/);
  });

  it("acknowledges a duplicate message for a delivered lead without sending again", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    const received = endpoint();
    await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    const duplicate = await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    expect(duplicate.acked).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect((await lead(row.id)).deliveryAttempts).toBe(1);
  });

  it("sends a redelivery of a delivered lead again under the same webhook-id", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    const received = endpoint();
    await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    await runConsumer("lead-dispatch", [message(row.id, 1, { redelivery: true })], testDeps());
    expect(received.map((r) => r.id)).toEqual([row.id, row.id]);
    const attempts = (await events(row.id)).filter((e) => e.type === "delivery_attempt");
    expect(attempts.map((e) => [e.attempt, e.detail])).toEqual([
      [1, "queue attempt 1/9"],
      [2, "queue attempt 1/9, redelivery"],
    ]);
  });

  it("sends the message again with backoff when D1 fails, and acknowledges it only once it is re-sent", async () => {
    const brokenDb = {
      prepare: () => {
        throw new Error("D1 is unavailable");
      },
      batch: () => Promise.reject(new Error("D1 is unavailable")),
    };
    const body = { v: 1, type: "deliver_lead", leadId: newClientOwnedId("ld", 0) };
    const resent: Array<{ body: unknown; delaySeconds?: number }> = [];
    const recordingDispatch = {
      send: async (sent: unknown, options?: QueueSendOptions) => {
        resent.push({ body: sent, delaySeconds: options?.delaySeconds });
      },
    } as unknown as Queue<LeadDispatchMessage>;
    const refusingDispatch = {
      send: () => Promise.reject(new Error("queue unavailable")),
    } as unknown as Queue<LeadDispatchMessage>;

    const run = async (dispatch: Queue<LeadDispatchMessage>) => {
      const batch = createMessageBatch("lead-dispatch", [{ id: "m1", timestamp: new Date(), attempts: 2, body }]);
      const ctx = createExecutionContext();
      await consumeLeadDispatch(batch, { ...brokenDatabases(brokenDb), LEAD_DISPATCH: dispatch }, testDeps());
      return getQueueResult(batch, ctx);
    };

    const sent = await run(recordingDispatch);
    expect(sent.explicitAcks).toEqual(["m1"]);
    expect(sent.retryMessages).toEqual([]);
    // Queue attempt 2 of a message carrying no attempt is attempt 2: the next one is 3, after 30 s.
    expect(resent).toEqual([{ body: { ...body, attempt: 3 }, delaySeconds: 30 }]);

    // When the re-send fails too, the message is kept by the fallback retry().
    const kept = await run(refusingDispatch);
    expect(kept.explicitAcks).toEqual([]);
    expect(kept.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
  });

  it("keeps unreadable messages (retry, then dead-letter) instead of guessing", async () => {
    const m = { id: "weird", attempts: 1, body: { v: 2, type: "deliver_lead", leadId: "ld_x" } };
    const outcome = await runConsumer("lead-dispatch", [m], testDeps());
    expect(outcome.retried.has("weird")).toBe(true);
  });

  it("hands the lead to the dead-letter queue after its last attempt instead of re-sending it", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    const received = endpoint(() => new HttpResponse(null, { status: 502 }));
    const m = message(row.id, 1, { attempt: 9 });
    const outcome = await runConsumer("lead-dispatch", [m], testDeps());
    expect(outcome.acked).toEqual([m.id]);
    expect(outcome.retried.size).toBe(0);
    expect(outcome.resent).toEqual([]);
    expect(outcome.deadLettered).toEqual([{ v: 1, type: "deliver_lead", leadId: row.id, attempt: 9 }]);
    expect(received).toHaveLength(1);
    expect((await events(row.id)).at(-1)?.detail).toBe("retries exhausted: the message goes to the dead-letter queue");

    // An exhausted message the queue hands over again (its dead-lettering failed) is not sent again.
    const again = message(row.id, 2, { attempt: 9 });
    const second = await runConsumer("lead-dispatch", [again], testDeps());
    expect(second.acked).toEqual([again.id]);
    expect(second.deadLettered).toHaveLength(1);
    expect(received).toHaveLength(1);
  });
});

describe("dead-letter consumer", () => {
  it("marks the lead failed with its last error and a dead_lettered event", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    endpoint(() => new HttpResponse(null, { status: 503 }));
    const exhausted = await runConsumer("lead-dispatch", [message(row.id, 1, { attempt: 9 })], testDeps());

    const m = { id: "dead-1", attempts: 1, body: exhausted.deadLettered[0] };
    const outcome = await runConsumer("lead-dispatch-dlq", [m], testDeps());
    expect(outcome.acked).toEqual([m.id]);
    const after = await lead(row.id);
    expect(after.status).toBe("failed");
    expect(after.lastError).toBe("HTTP 503 Service Unavailable");
    const last = (await events(row.id)).at(-1)!;
    expect(last).toMatchObject({ type: "dead_lettered", error: "HTTP 503 Service Unavailable" });
    expect(last.detail).toBe("the dispatch message exhausted its 8 retries");
  });

  it("leaves a lead that progressed meanwhile as it is", async () => {
    const receiver = await seedReceiver();
    const [row] = await seedLeads(receiver);
    endpoint();
    await runConsumer("lead-dispatch", [message(row.id)], testDeps());
    await runConsumer("lead-dispatch-dlq", [message(row.id)], testDeps());
    const after = await lead(row.id);
    expect(after.status).toBe("delivered");
    expect((await events(row.id)).at(-1)?.detail).toMatch(/^stale dead-lettered message/);
  });

  it("retries with growing delays when D1 fails, so the record is never lost", async () => {
    const brokenDb = {
      prepare: () => {
        throw new Error("D1 is unavailable");
      },
      batch: () => Promise.reject(new Error("down")),
    };
    const batch = createMessageBatch("lead-dispatch-dlq", [
      {
        id: "d1",
        timestamp: new Date(),
        attempts: 1,
        body: { v: 1, type: "deliver_lead", leadId: newClientOwnedId("ld", 1023) },
      },
    ]);
    const retries: Array<number | undefined> = [];
    const original = batch.messages[0].retry.bind(batch.messages[0]);
    batch.messages[0].retry = (options) => {
      retries.push(options?.delaySeconds);
      original(options);
    };
    await consumeLeadDeadLetters(batch, brokenDatabases(brokenDb), testDeps());
    expect(retries).toEqual([60]);
  });

  it("acknowledges messages it cannot attach to a lead", async () => {
    const outcome = await runConsumer(
      "lead-dispatch-dlq",
      [message("ld_doesnotexist00000000"), { id: "junk", attempts: 1, body: "junk" }],
      testDeps(),
    );
    expect(outcome.acked).toHaveLength(2);
  });
});

/** The Worker's env with the control database and every client shard unavailable. */
function brokenDatabases(broken: object): typeof env {
  const d1 = broken as unknown as D1Database;
  return { ...env, DB: d1, SHARD_0: d1, SHARD_1: d1 };
}
