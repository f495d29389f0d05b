/**
 * Dead letters of `bot-work`: a job whose retries ran out. An offer not sent or a lead not created
 * is logged (job type and random ids only) and dropped: the person can press the button again.
 */
import { parseBotWorkMessage } from "./message";

export async function recordBotWorkDeadLetters(batch: MessageBatch<unknown>): Promise<void> {
  for (const message of batch.messages) {
    const job = parseBotWorkMessage(message.body);
    console.error(
      JSON.stringify({
        event: "bot_work_dead_letter",
        type: job?.type ?? "unknown",
        ref: job?.type === "send_offers" ? job.personId : job?.type === "express_interest" ? job.offerId : null,
      }),
    );
    message.ack();
  }
}
