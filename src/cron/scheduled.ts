import type { Env } from "../env";
import { foldAllPendingRollups } from "../usecases/analytics/fold-rollups";
import { askForQualityRatings } from "../usecases/bot/quality-ratings";
import { runPartnerCampaigns } from "../usecases/campaigns/send";
import { runHousekeeping } from "../usecases/housekeeping";
import { sweepStaleLeads } from "../usecases/lead-delivery/sweep";
import { runScheduledRetrain } from "../usecases/model/retrain";
import { refreshNeedKnowledge } from "../usecases/needs/knowledge";

/** Cron expressions of wrangler.toml `[triggers]`, by job. */
export const CRON_RETRAIN = "*/15 * * * *";
export const CRON_HOUSEKEEPING = "17 3 * * *";

/** One job of a tick: its name in the log and what it does (its result, if any, is logged). */
type CronJob = [name: string, run: () => Promise<object | undefined>];

/**
 * Runs a tick's jobs in order. A job that throws is logged and the next one still runs (a failed
 * rollup fold must not cost the retrain, nor a failed purge the need refresh); the tick then fails
 * with every error, so the platform still reports it.
 */
async function runJobs(jobs: readonly CronJob[]): Promise<void> {
  const errors: unknown[] = [];
  for (const [job, run] of jobs) {
    try {
      const result = await run();
      if (result) console.log(JSON.stringify({ job, ...result }));
    } catch (error) {
      errors.push(error);
      console.error(JSON.stringify({ job, event: "failed", error: String(error) }));
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} cron job(s) failed`);
}

/** Entry point of the cron triggers: each expression runs its own jobs. */
export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext) {
  const at = controller.scheduledTime;
  switch (controller.cron) {
    case CRON_RETRAIN:
      return runJobs([
        ["lead-sweep", () => sweepStaleLeads(env, at)],
        ["rollup-fold", () => foldAllPendingRollups(env)],
        ["retrain", async () => void (await runScheduledRetrain(env, at))],
        ["bot-quality-ratings", () => askForQualityRatings(env, at)],
        ["partner-campaigns", () => runPartnerCampaigns(env, at)],
      ]);
    case CRON_HOUSEKEEPING:
      return runJobs([
        // Folded first, so that the retention purge sees every day's increments.
        ["rollup-fold", () => foldAllPendingRollups(env)],
        ["housekeeping", () => runHousekeeping(env, at)],
        // Link proposals, inferred needs and expired needs, once a day after the night's retrains.
        ["need-knowledge", () => refreshNeedKnowledge(env, at)],
      ]);
    default:
      console.warn(JSON.stringify({ job: "unknown-cron", cron: controller.cron }));
  }
}
