/**
 * Planted browsing for the evaluation of the interest part (`npm run eval -- --data demo --browsing`).
 *
 * A generated history has no website visits, so they are planted beside the train / test split:
 * a share of the services a client takes later (its held-out positives) were browsed in the weeks
 * before, with a few page views; and every client also browses services it never takes (noise),
 * as many as a real visitor would. The planted browsing correlates with later take-up only as much
 * as `signalShare` and the noise allow, so the eval shows what interest adds when it is informative
 * and how little harm it does through its bound when it is mostly noise.
 */

import { Rng } from "../../src/domain/random";
import type { BrowsingInterest, HeldOut } from "../../src/domain/recommender";
import { DAY_MS } from "../../src/domain/time";

export interface PlantBrowsingOptions {
  seed: number;
  /** Epoch ms of "now" (the eval's scoring time). */
  now: number;
  nServices: number;
  /** Share (0..1) of held-out positives browsed beforehand (default 0.4). */
  signalShare?: number;
  /** Mean number of browsed services per client that it does not take later (default 1.5). */
  noisePerClient?: number;
  /** Browsing happens within this many days before now (default 42). */
  windowDays?: number;
}

/** One client's browsing per row of the split (empty arrays for clients without any). */
export function plantBrowsing(test: HeldOut, rows: number, options: PlantBrowsingOptions): BrowsingInterest[] {
  const signalShare = options.signalShare ?? 0.4;
  const noise = options.noisePerClient ?? 1.5;
  const windowDays = options.windowDays ?? 42;
  const today = Math.floor(options.now / DAY_MS);
  const rng = new Rng(options.seed ^ 0x6272, 0);
  const out: BrowsingInterest[] = [];
  const services: number[] = [];
  const days: number[] = [];
  const events: number[] = [];
  const visit = (service: number) => {
    const visits = 1 + rng.int(2);
    for (let v = 0; v < visits; v++) {
      services.push(service);
      days.push(today - rng.int(windowDays));
      events.push(1 + rng.int(3));
    }
  };
  for (let row = 0; row < rows; row++) {
    rng.reseed(options.seed ^ 0x6272, row);
    services.length = 0;
    days.length = 0;
    events.length = 0;
    for (let i = test.ptr[row]; i < test.ptr[row + 1]; i++) if (rng.next() < signalShare) visit(test.items[i]);
    // Noise: services drawn uniformly, a geometric count with mean `noise`.
    const more = noise / (noise + 1);
    while (rng.next() < more) visit(rng.int(options.nServices));
    out.push({ services: Int32Array.from(services), days: Int32Array.from(days), events: Int32Array.from(events) });
  }
  return out;
}
