/**
 * Peak resident memory of this process while synchronous work runs: a worker thread samples the
 * process-wide RSS every few milliseconds (the main thread is busy and cannot sample itself), and
 * the maximum is read when the work is over.
 */
import { Worker } from "node:worker_threads";

const SAMPLER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const peak = new Float64Array(workerData.buffer);
const sample = () => { const rss = process.memoryUsage.rss(); if (rss > peak[0]) peak[0] = rss; };
sample();
const timer = setInterval(sample, workerData.intervalMs);
parentPort.on("message", () => { clearInterval(timer); sample(); parentPort.postMessage("stopped"); });
parentPort.postMessage("started");
`;

/** Samples the process RSS between `start()` and `stop()`. */
export class PeakRssSampler {
  private readonly peak = new Float64Array(new SharedArrayBuffer(8));
  private worker: Worker | null = null;

  /** @param intervalMs sampling period */
  constructor(private readonly intervalMs = 5) {}

  /** Starts sampling; resolves once the first sample is taken. */
  async start(): Promise<void> {
    if (this.worker) throw new Error("PeakRssSampler already started");
    this.peak[0] = 0;
    const worker = new Worker(SAMPLER_SOURCE, {
      eval: true,
      workerData: { buffer: this.peak.buffer, intervalMs: this.intervalMs },
    });
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
  }

  /** Stops sampling and returns the peak RSS in bytes seen since `start()`. */
  async stop(): Promise<number> {
    const worker = this.worker;
    if (!worker) throw new Error("PeakRssSampler not started");
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
      worker.postMessage("stop");
    });
    await worker.terminate();
    this.worker = null;
    return this.peak[0];
  }
}

/** Sum of the byte lengths of the typed arrays reachable through `value`'s own properties (one level of nesting). */
export function typedArrayBytes(value: object): number {
  let total = 0;
  for (const field of Object.values(value)) {
    if (ArrayBuffer.isView(field)) total += field.byteLength;
    else if (field && typeof field === "object" && !Array.isArray(field)) {
      for (const inner of Object.values(field)) if (ArrayBuffer.isView(inner)) total += inner.byteLength;
    }
  }
  return total;
}
