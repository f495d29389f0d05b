/**
 * Messages of the `model-rebuild` queue and its dead-letter queue `model-rebuild-dlq`: one step of a
 * full model rebuild (src/usecases/model/rebuild.ts). `step` is the job step the message asks to
 * run, so a duplicate of an already committed step is acknowledged without work.
 */

/** Queue names as declared in wrangler.toml. */
export const MODEL_REBUILD_QUEUE = "model-rebuild";
export const MODEL_REBUILD_DLQ = "model-rebuild-dlq";

export interface ModelRebuildStepMessage {
  v: 1;
  type: "model_rebuild_step";
  jobId: string;
  step: number;
}

/** Reads a message body; null if it is not a message this queue's consumers understand. */
export function parseModelRebuildStepMessage(body: unknown): ModelRebuildStepMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const message = body as Record<string, unknown>;
  if (message.v !== 1 || message.type !== "model_rebuild_step") return null;
  if (typeof message.jobId !== "string" || message.jobId.length === 0 || message.jobId.length > 64) return null;
  if (!Number.isInteger(message.step) || (message.step as number) < 0) return null;
  return { v: 1, type: "model_rebuild_step", jobId: message.jobId, step: message.step as number };
}
