/**
 * Consumer of `model-rebuild`: each message asks to run one step of a full model rebuild (the use
 * case `processRebuildStep`). Acknowledged when the step ran or is obsolete; retried when it is not
 * ready yet (its predecessor's commit or state is not visible) or failed.
 */
import type { Env } from "../../env";
import { defaultRebuildDeps, processRebuildStep, type RebuildDeps } from "../../usecases/model/rebuild";
import { describeError, safeJson } from "../logging";
import { parseModelRebuildStepMessage } from "./message";

/** Retry delay of a step that failed (× its attempts) or whose state is not visible yet. */
export const STEP_RETRY_SECONDS = 10;

/** Handles a `model-rebuild` batch, one step after the other. */
export async function consumeModelRebuild(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: RebuildDeps = defaultRebuildDeps,
): Promise<void> {
  for (const message of batch.messages) {
    const step = parseModelRebuildStepMessage(message.body);
    if (!step) {
      // A step message is only ever written by the rebuild itself: an unreadable one has no job to drive.
      console.error("model-rebuild: unreadable message dropped", message.id, safeJson(message.body));
      message.ack();
      continue;
    }
    try {
      const outcome = await processRebuildStep(env, step, deps);
      if (outcome === "not_ready") message.retry({ delaySeconds: STEP_RETRY_SECONDS });
      else message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          event: "model_rebuild_step_failed",
          jobId: step.jobId,
          step: step.step,
          error: describeError(error),
        }),
      );
      message.retry({ delaySeconds: STEP_RETRY_SECONDS * Math.max(1, message.attempts) });
    }
  }
}
