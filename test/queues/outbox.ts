/**
 * The Worker's queue producers in tests: every message the code under test sends lands in an
 * in-memory outbox of this test file instead of the local queues, so no message outlives its test
 * (a local queue would hand it to the consumer after the file's storage is gone). Tests that need
 * the consumer's work call `drain`, which runs the Worker's queue handler on the outbox, batch by
 * batch, exactly as the runtime would.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { BOT_WORK_QUEUE } from "../../src/queues/bot-work/message";
import { LEAD_DISPATCH_DLQ, LEAD_DISPATCH_QUEUE } from "../../src/queues/lead-dispatch/message";
import { MODEL_REBUILD_QUEUE } from "../../src/queues/model-rebuild/message";

type QueueName =
  | typeof LEAD_DISPATCH_QUEUE
  | typeof LEAD_DISPATCH_DLQ
  | typeof MODEL_REBUILD_QUEUE
  | typeof BOT_WORK_QUEUE;

/** A message as sent: its body and the delay it asked for (0 when none). */
export interface SentMessage {
  body: unknown;
  delaySeconds: number;
}

const outboxes = new Map<QueueName, SentMessage[]>([
  [LEAD_DISPATCH_QUEUE, []],
  [LEAD_DISPATCH_DLQ, []],
  [MODEL_REBUILD_QUEUE, []],
  [BOT_WORK_QUEUE, []],
]);

/** A producer binding that appends to its queue's outbox. */
function recordingQueue(queue: QueueName): Queue<unknown> {
  const outbox = outboxes.get(queue)!;
  return {
    send: async (body: unknown, options?: QueueSendOptions) => {
      outbox.push({ body, delaySeconds: options?.delaySeconds ?? 0 });
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<unknown>>, options?: QueueSendBatchOptions) => {
      for (const message of messages) {
        outbox.push({ body: message.body, delaySeconds: message.delaySeconds ?? options?.delaySeconds ?? 0 });
      }
    },
  } as unknown as Queue<unknown>;
}

/**
 * Replaces the producer bindings of the Worker's env with recording ones (test/setup.ts calls it for
 * every test file). The handlers get the same env object, so routes and use cases send here too.
 */
export function installOutboxes(): void {
  Object.assign(env, {
    LEAD_DISPATCH: recordingQueue(LEAD_DISPATCH_QUEUE),
    LEAD_DISPATCH_DLQ: recordingQueue(LEAD_DISPATCH_DLQ),
    MODEL_REBUILD: recordingQueue(MODEL_REBUILD_QUEUE),
    BOT_WORK: recordingQueue(BOT_WORK_QUEUE),
  });
}

/** Forgets every message no test drained: test/setup.ts runs it after each test, so none outlives its test. */
export function clearOutboxes(): void {
  for (const outbox of outboxes.values()) outbox.length = 0;
}

/** The bodies of the messages waiting in a queue's outbox (taken out: the caller owns them). */
export function takeQueued(queue: QueueName): unknown[] {
  return takeSent(queue).map((message) => message.body);
}

/** The messages waiting in a queue's outbox with their delays (taken out: the caller owns them). */
export function takeSent(queue: QueueName): SentMessage[] {
  const outbox = outboxes.get(queue)!;
  return outbox.splice(0, outbox.length);
}

export interface DrainResult {
  /** Batches the handler ran (a step that enqueues the next one makes a new batch). */
  batches: number;
  acked: unknown[];
  /** Bodies the consumer asked to retry; they are not re-run (a test decides what a retry means). */
  retried: unknown[];
}

/**
 * Runs the Worker's queue handler on a queue's outbox until it is empty: messages the handler sends
 * meanwhile (the next rebuild step, a delivery's next attempt) are delivered in following batches,
 * their delays ignored. Fails after `maxBatches`.
 */
export async function drain(queue: QueueName, maxBatches = 100): Promise<DrainResult> {
  const result: DrainResult = { batches: 0, acked: [], retried: [] };
  let sequence = 0;
  for (let queued = takeQueued(queue); queued.length > 0; queued = takeQueued(queue)) {
    if (result.batches++ >= maxBatches) throw new Error(`${queue}: still enqueueing after ${maxBatches} batches`);
    const byId = new Map(queued.map((body) => [`${queue}-${sequence++}`, body]));
    const batch = createMessageBatch<unknown>(
      queue,
      [...byId].map(([id, body]) => ({ id, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    // Loaded here, not at the top: test/setup.ts imports this file before every test file.
    const { default: worker } = await import("../../src/index");
    await worker.queue(batch as MessageBatch<never>, env, ctx);
    const outcome = await getQueueResult(batch, ctx);
    for (const id of outcome.explicitAcks) result.acked.push(byId.get(id));
    for (const retry of outcome.retryMessages) result.retried.push(byId.get(retry.msgId));
  }
  return result;
}
