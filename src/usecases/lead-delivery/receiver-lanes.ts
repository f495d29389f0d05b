/**
 * Per-receiver concurrency of one `lead-dispatch` batch. The consumer delivers all messages of a
 * batch at once; each request to a receiving company goes through that company's lane, which lets
 * at most `perReceiver` requests run together. So a slow or failing partner ties up its own lane
 * (and is not hammered), while every other receiver's messages in the same batch go out at once.
 * (Workers also cap an invocation at 6 simultaneous outgoing connections; small lanes leave room
 * for the other receivers.)
 */

export interface ReceiverLanes {
  /** Runs `work` once the receiver's lane has room; the slot is freed when `work` settles. */
  run<T>(receiverId: string, work: () => Promise<T>): Promise<T>;
}

interface Lane {
  active: number;
  /** Callers waiting for a slot, first come first served. */
  waiting: Array<() => void>;
}

/** Lanes for one batch; `perReceiver` is a whole number >= 1. */
export function receiverLanes(perReceiver: number): ReceiverLanes {
  if (!Number.isInteger(perReceiver) || perReceiver < 1) {
    throw new RangeError(`perReceiver must be a whole number >= 1, got ${perReceiver}`);
  }
  const lanes = new Map<string, Lane>();
  return {
    async run<T>(receiverId: string, work: () => Promise<T>): Promise<T> {
      let lane = lanes.get(receiverId);
      if (!lane) {
        lane = { active: 0, waiting: [] };
        lanes.set(receiverId, lane);
      }
      if (lane.active < perReceiver) lane.active++;
      else {
        const queued = lane;
        // The releasing caller hands its slot over directly (`active` stays as it is).
        await new Promise<void>((resolve) => queued.waiting.push(resolve));
      }
      try {
        return await work();
      } finally {
        const next = lane.waiting.shift();
        if (next) next();
        else lane.active--;
      }
    },
  };
}
