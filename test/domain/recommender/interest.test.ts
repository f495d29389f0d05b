import { describe, expect, it } from "vitest";
import { GENDER_FEMALE } from "../../../src/domain/dataset";
import {
  type BrowsingInterest,
  INTEREST_MAX_LOGIT,
  interestLogit,
  interestStrengths,
  scoreClient,
} from "../../../src/domain/recommender";
import { clientOf, plantedModel, SERVICE_NAMES } from "./fixtures";

const { model } = plantedModel();
const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 1, 12);
const TODAY = Math.floor(NOW / DAY);
const n = SERVICE_NAMES.length;
const youngMover = { age: 29, income: 100_000, region: 0, gender: GENDER_FEMALE, needs: [0] };

function browsing(entries: Array<[service: number, daysAgo: number, events: number]>): BrowsingInterest {
  return {
    services: Int32Array.from(entries, (e) => e[0]),
    days: Int32Array.from(entries, (e) => TODAY - e[1]),
    events: Int32Array.from(entries, (e) => e[2]),
  };
}

describe("browsing interest (time decay, bound)", () => {
  it("halves a day's weight every half-life and ignores future days and bad entries", () => {
    const strength = interestStrengths(
      browsing([
        [1, 0, 4],
        [2, 15, 4],
        [3, -2, 9],
        [99, 0, 5],
        [4, 0, 0],
      ]),
      n,
      NOW,
      14,
    );
    expect(strength[1]).toBe(4);
    // The day 15 days ago ended 14.5 days before NOW (noon): a little over one half-life.
    expect(strength[2]).toBeCloseTo(4 * 2 ** (-14.5 / 14), 9);
    expect(strength[2]).toBeLessThan(2);
    expect(strength[3]).toBe(0);
    expect(strength[4]).toBe(0);
  });

  it("is bounded: any amount of browsing lifts a logit by less than INTEREST_MAX_LOGIT", () => {
    expect(interestLogit(0)).toBe(0);
    expect(interestLogit(1)).toBeGreaterThan(0);
    expect(interestLogit(1e9)).toBeLessThanOrEqual(INTEREST_MAX_LOGIT);
    expect(interestLogit(2)).toBeLessThan(interestLogit(5));
  });

  it("raises a browsed service modestly, with a 'browsed' reason, and leaves the rest alone", () => {
    const client = clientOf(youngMover, [[0, 1, NOW - DAY]]);
    const without = scoreClient(model, client, { now: NOW, limit: n });
    const target = without[without.length - 1];
    const withInterest = scoreClient(model, client, {
      now: NOW,
      limit: n,
      interest: browsing([[target.service, 1, 20]]),
    });
    const after = withInterest.find((r) => r.service === target.service);
    expect(after).toBeDefined();
    expect(after!.rating).toBeGreaterThan(target.rating);
    // Bounded: at most INTEREST_MAX_LOGIT more on the logit scale (the acceptance map is monotone, not steeper).
    const logit = (rating: number) => Math.log(rating / (100 - rating));
    expect(logit(after!.rating) - logit(target.rating)).toBeLessThanOrEqual(INTEREST_MAX_LOGIT * 4);
    const reason = after!.reasons.find((r) => r.kind === "browsing_interest");
    expect(reason?.text).toBe(`Browsed ${target.name} on the company's website lately`);
    expect(after!.reasons.reduce((sum, r) => sum + r.weight, 0)).toBeCloseTo(1, 9);
    for (const other of withInterest) {
      if (other.service === target.service) continue;
      expect(other.rating).toBe(without.find((r) => r.service === other.service)!.rating);
      expect(other.reasons.some((r) => r.kind === "browsing_interest")).toBe(false);
    }
  });

  it("never becomes a deal: a used service stays excluded however much it was browsed", () => {
    const client = clientOf(youngMover, [[0, 1, NOW - DAY]]);
    const ranked = scoreClient(model, client, { now: NOW, limit: n, interest: browsing([[0, 0, 50]]) });
    expect(ranked.some((r) => r.service === 0)).toBe(false);
    // ...and it is not remembered by the next call (scratch cleared).
    const plain = scoreClient(model, clientOf(youngMover, []), { now: NOW, limit: n });
    const again = scoreClient(model, clientOf(youngMover, []), { now: NOW, limit: n });
    expect(again).toEqual(plain);
  });

  it("old browsing fades: a month-old visit lifts less than yesterday's", () => {
    const client = clientOf(youngMover, []);
    const base = scoreClient(model, client, { now: NOW, limit: n });
    const target = base[base.length - 1].service;
    const rate = (daysAgo: number) =>
      scoreClient(model, client, { now: NOW, limit: n, interest: browsing([[target, daysAgo, 3]]) }).find(
        (r) => r.service === target,
      )!.rating;
    expect(rate(1)).toBeGreaterThan(rate(30));
    expect(rate(30)).toBeGreaterThan(base[base.length - 1].rating - 1e-9);
  });

  it("refuses malformed browsing and a bad half-life with a RangeError", () => {
    const client = clientOf(youngMover, []);
    const bad = { services: [1, 2], days: [TODAY], events: [1, 1] };
    expect(() => scoreClient(model, client, { now: NOW, interest: bad })).toThrow(RangeError);
    expect(() =>
      scoreClient(model, client, { now: NOW, interest: browsing([[1, 0, 1]]), interestHalfLifeDays: 0 }),
    ).toThrow(/halfLifeDays/);
  });
});
