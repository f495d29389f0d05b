/**
 * Messages on the `lead-dispatch` queue (and its dead-letter queue). Versioned so a consumer can
 * refuse what it does not understand instead of guessing.
 */
export interface LeadDispatchMessage {
  v: 1;
  type: "deliver_lead";
  leadId: string;
  /** Set by admin redelivery so the attempt log tells the two apart. */
  redelivery?: boolean;
}

/**
 * One step of a full model rebuild (src/jobs/rebuild.ts). Rebuild steps share the `lead-dispatch`
 * queue with lead delivery; `step` is the job step the message asks to run, so a duplicate of an
 * already committed step is acknowledged without work.
 */
export interface ModelRebuildStepMessage {
  v: 1;
  type: "model_rebuild_step";
  jobId: string;
  step: number;
}

/** Every message the `lead-dispatch` queue (and its dead-letter queue) carries. */
export type DispatchQueueMessage = LeadDispatchMessage | ModelRebuildStepMessage;
