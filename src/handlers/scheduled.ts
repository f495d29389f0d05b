import type { Env } from "../env";

/** Entry point of the cron triggers (see wrangler.toml). */
export async function handleScheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext) {}
