/** Consumer of the `bot-work` queue: each message is one job of src/usecases/bot/work.ts. */
import type { Env } from "../../env";
import { runBotWork } from "../../usecases/bot/work";
import { parseBotWorkMessage } from "./message";

export async function consumeBotWork(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const job = parseBotWorkMessage(message.body);
    if (!job) {
      console.error(JSON.stringify({ event: "bot_work_unknown_message", id: message.id }));
      message.ack();
      continue;
    }
    try {
      await runBotWork(env, job);
      message.ack();
    } catch (error) {
      console.error(JSON.stringify({ event: "bot_work_failed", type: job.type, error: String(error) }));
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** message.attempts) });
    }
  }
}
