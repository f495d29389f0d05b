/**
 * The simulation engine of `npm run simulate` (pure, so it runs here too): deterministic, its
 * books balance, and the measured uplift agrees with the planted one.
 */
import { describe, expect, it } from "vitest";
import { runSimulation, type SimulationOptions } from "../../../scripts/simulate/engine";

const SMALL: SimulationOptions = { weeks: 2, seed: 3, uplift: 0.05, clients: 3000, holdout: 0.2, threshold: 60 };

/** |estimate − truth| in standard errors of the measured response-rate uplift. */
function standardErrorsOff(result: ReturnType<typeof runSimulation>): number {
  const uplift = result.report.response_rate.absolute_uplift;
  return Math.abs(uplift.estimate! - result.trueUplift) / uplift.standard_error!;
}

describe("simulation", () => {
  it("is deterministic for a seed and its books balance", () => {
    const first = runSimulation(SMALL);
    const second = runSimulation(SMALL);
    expect(second).toEqual(first);
    const { traffic, arms } = first;
    expect(traffic.crmCalls).toBe(SMALL.clients);
    expect(arms.control.clients + arms.treatment.clients).toBe(traffic.enteredClients);
    expect(arms.control.clients).toBe(traffic.controlClients);
    expect(traffic.leads).toBe(traffic.leadsAccepted + traffic.leadsDeclined);
    expect(traffic.leads + traffic.treatedWithoutLead).toBe(traffic.treatedClients);
    // Every responder bought organically or accepted its lead, never both.
    expect(arms.control.responders + arms.treatment.responders).toBe(traffic.organicDeals + traffic.leadsAccepted);
    expect(first.report.sample_ratio.mismatch).toBe(false);
    expect(first.trueUplift).toBeCloseTo(SMALL.uplift * first.routableShare, 12);
    expect(runSimulation({ ...SMALL, seed: 4 }).arms).not.toEqual(first.arms);
  });

  it("measures the planted uplift: the estimate is within 4 standard errors of the truth, with and without an effect", () => {
    const none = runSimulation({ ...SMALL, uplift: 0 });
    expect(none.trueUplift).toBe(0);
    expect(standardErrorsOff(none)).toBeLessThan(4);
    const strong = runSimulation({ ...SMALL, uplift: 0.3 });
    expect(standardErrorsOff(strong)).toBeLessThan(4);
    expect(strong.report.verdict).toBe("treatment_better");
    const interval = strong.report.response_rate.absolute_uplift;
    expect(strong.covered).toBe(interval.ci_low! <= strong.trueUplift && strong.trueUplift <= interval.ci_high!);
  });

  it("refuses options outside their ranges", () => {
    expect(() => runSimulation({ ...SMALL, weeks: 0 })).toThrow(RangeError);
    expect(() => runSimulation({ ...SMALL, uplift: 0.9 })).toThrow(RangeError);
    expect(() => runSimulation({ ...SMALL, holdout: 0.6 })).toThrow(RangeError);
    expect(() => runSimulation({ ...SMALL, clients: 10 })).toThrow(RangeError);
  });
});
