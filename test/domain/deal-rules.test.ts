import { describe, expect, it } from "vitest";
import { DEAL_FUTURE_TOLERANCE_MS, isWholeKopecks, occurredAtOf } from "../../src/domain/deal-rules";
import { decodeInboxCursor, encodeInboxCursor } from "../../src/domain/inbox-cursor";

describe("deal rules", () => {
  it("accepts amounts in whole kopecks only", () => {
    expect(isWholeKopecks(1999.99)).toBe(true);
    expect(isWholeKopecks(0.1 + 0.2)).toBe(true);
    expect(isWholeKopecks(10.005)).toBe(false);
  });

  it("accepts an occurred_at within the clock skew tolerance and refuses one beyond it", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(occurredAtOf(undefined, now)).toBeNull();
    const skewed = new Date(now + DEAL_FUTURE_TOLERANCE_MS).toISOString();
    expect(occurredAtOf(skewed, now)).toBe(now + DEAL_FUTURE_TOLERANCE_MS);
    expect(() => occurredAtOf(new Date(now + DEAL_FUTURE_TOLERANCE_MS + 1).toISOString(), now)).toThrow(
      "`occurred_at` is in the future",
    );
  });
});

describe("inbox cursor", () => {
  it("round-trips every position and starts at 0 without a cursor", () => {
    for (const seq of [0, 1, 99, 2 ** 40]) expect(decodeInboxCursor(encodeInboxCursor(seq))).toBe(seq);
    expect(decodeInboxCursor(undefined)).toBe(0);
    expect(decodeInboxCursor("")).toBe(0);
  });

  it("refuses what it did not issue", () => {
    for (const bad of ["%%%", btoa(JSON.stringify({ v: 2, after: 1 })), btoa(JSON.stringify({ v: 1, after: -1 }))]) {
      expect(() => decodeInboxCursor(bad)).toThrow("`cursor` is not a cursor returned by this API");
    }
  });
});
