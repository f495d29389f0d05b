import type { Env } from "../env";
import { getDb } from "../storage/db";
import { purgeExpiredIdempotencyRecords } from "../storage/idempotency";
import { requeueStaleLeads } from "../storage/leads";
import { runScheduledRetrain } from "../usecases/model/retrain";

/** A lead still without an `enqueued` event after this long had its enqueue fail: send it again. */
const STALE_LEAD_MS = 5 * 60_000;

/** Cron expressions of wrangler.toml `[triggers]`, by job. */
export const CRON_RETRAIN = "*/15 * * * *";
export const CRON_HOUSEKEEPING = "17 3 * * *";

/** Entry point of the cron triggers: each expression runs its own job. */
export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext) {
  switch (controller.cron) {
    case CRON_RETRAIN: {
      const requeued = await requeueStaleLeads(env, STALE_LEAD_MS, controller.scheduledTime);
      console.log(JSON.stringify({ job: "lead-sweep", ...requeued }));
      await runScheduledRetrain(env, controller.scheduledTime);
      return;
    }
    case CRON_HOUSEKEEPING: {
      const db = getDb(env.DB);
      const purged = await purgeExpiredIdempotencyRecords(db, controller.scheduledTime);
      console.log(JSON.stringify({ job: "housekeeping", purgedIdempotencyRecords: purged }));
      return;
    }
    default:
      console.warn(JSON.stringify({ job: "unknown-cron", cron: controller.cron }));
  }
}
