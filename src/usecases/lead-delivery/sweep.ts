/**
 * The safety net of the lead pipeline, run by the scheduled handler: leads still `queued` whose
 * dispatch message never made it to the queue, or was lost, are sent again (the selection rules are
 * those of `requeueStaleLeads`, src/storage/leads.ts).
 */
import type { Env } from "../../env";
import { requeueStaleLeads } from "../../storage/leads";
import type { DatabaseBindings } from "../../storage/shards";

/** A lead still without an `enqueued` event after this long had its enqueue fail: send it again. */
export const STALE_LEAD_MS = 5 * 60_000;

/** Re-enqueues the stale leads as of `now`; returns how many were found and how many the queue took. */
export async function sweepStaleLeads(
  env: DatabaseBindings & Pick<Env, "LEAD_DISPATCH">,
  now: number,
): Promise<{ found: number; requeued: number }> {
  return requeueStaleLeads(env, STALE_LEAD_MS, now);
}
