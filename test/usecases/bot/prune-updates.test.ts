/** The daily housekeeping forgets Telegram update ids past the re-send window, in bounded batches. */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CRON_HOUSEKEEPING } from "../../../src/cron/scheduled";
import worker from "../../../src/index";
import { recordUpdate } from "../../../src/storage/bot";
import { BOT_UPDATE_RETENTION_MS, pruneBotUpdates } from "../../../src/usecases/housekeeping";
import { db, resetDatabase } from "../../harness";

const NOW = Date.UTC(2026, 11, 5, 3, 17);
const HOUR = 3_600_000;

async function updateIds(): Promise<number[]> {
  const rows = await env.DB.prepare("SELECT update_id FROM bot_updates ORDER BY update_id").all<{
    update_id: number;
  }>();
  return rows.results.map((r) => r.update_id);
}

beforeEach(async () => {
  await resetDatabase();
  // Ten ids older than the window (the oldest first), two just inside it, one from today.
  for (let i = 0; i < 10; i++) await recordUpdate(db(), 100 + i, NOW - BOT_UPDATE_RETENTION_MS - (10 - i) * HOUR);
  await recordUpdate(db(), 200, NOW - BOT_UPDATE_RETENTION_MS + HOUR);
  await recordUpdate(db(), 201, NOW - BOT_UPDATE_RETENTION_MS + 1);
  await recordUpdate(db(), 300, NOW - HOUR);
});

describe("pruning bot_updates", () => {
  it("deletes only ids older than the window, oldest first, at most batch × batches per run", async () => {
    expect(await pruneBotUpdates(env, NOW, { batch: 3, maxBatches: 2 })).toBe(6);
    expect(await updateIds()).toEqual([106, 107, 108, 109, 200, 201, 300]);
    expect(await pruneBotUpdates(env, NOW, { batch: 3, maxBatches: 2 })).toBe(4);
    expect(await updateIds()).toEqual([200, 201, 300]);
    expect(await pruneBotUpdates(env, NOW, { batch: 3, maxBatches: 2 })).toBe(0);
  });

  it("runs in the daily cron, and a re-sent update inside the window still has no second effect", async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: CRON_HOUSEKEEPING, scheduledTime: NOW }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await updateIds()).toEqual([200, 201, 300]);
    expect(await recordUpdate(db(), 201, NOW)).toBe(false);
    expect(await recordUpdate(db(), 300, NOW)).toBe(false);
  });
});
