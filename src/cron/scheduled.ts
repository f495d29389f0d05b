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

/** Entry point of the cron triggers: each expression runs its own jobs. */
export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext) {
  switch (controller.cron) {
    case CRON_RETRAIN: {
      const requeued = await sweepStaleLeads(env, controller.scheduledTime);
      console.log(JSON.stringify({ job: "lead-sweep", ...requeued }));
      const rollups = await foldAllPendingRollups(env);
      console.log(JSON.stringify({ job: "rollup-fold", ...rollups }));
      await runScheduledRetrain(env, controller.scheduledTime);
      const ratings = await askForQualityRatings(env, controller.scheduledTime);
      console.log(JSON.stringify({ job: "bot-quality-ratings", ...ratings }));
      const campaigns = await runPartnerCampaigns(env, controller.scheduledTime);
      console.log(JSON.stringify({ job: "partner-campaigns", ...campaigns }));
      return;
    }
    case CRON_HOUSEKEEPING: {
      // Folded first, so that the retention purge sees every day's increments.
      const rollups = await foldAllPendingRollups(env);
      console.log(JSON.stringify({ job: "rollup-fold", ...rollups }));
      const result = await runHousekeeping(env, controller.scheduledTime);
      console.log(JSON.stringify({ job: "housekeeping", ...result }));
      // Link proposals, inferred needs and expired needs, once a day after the night's retrains.
      try {
        const needs = await refreshNeedKnowledge(env, controller.scheduledTime);
        console.log(JSON.stringify({ job: "need-knowledge", ...needs }));
      } catch (error) {
        console.error(JSON.stringify({ job: "need-knowledge", event: "failed", error: String(error) }));
      }
      return;
    }
    default:
      console.warn(JSON.stringify({ job: "unknown-cron", cron: controller.cron }));
  }
}
