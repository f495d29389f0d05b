import { handleScheduled } from "./cron/scheduled";
import type { Env } from "./env";
import { createApp } from "./http/app";
import { handleQueue, type QueueMessage } from "./queues/index";

const { app } = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, QueueMessage>;
