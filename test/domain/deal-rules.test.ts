import { describe, expect, it } from "vitest";
import { DEAL_FUTURE_TOLERANCE_MS, isWholeKopecks, occurredAtOf } from "../../src/domain/deal-rules";
import { decodeInboxCursor, encodeInboxCursor, mergeInboxPages } from "../../src/domain/inbox-cursor";

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
  it("round-trips every shard's position and starts every shard at 0 without a cursor", () => {
    for (const seq of [0, 1, 99, 2 ** 40]) {
      expect(decodeInboxCursor(encodeInboxCursor([seq, seq + 1]), 2)).toEqual([seq, seq + 1]);
    }
    expect(decodeInboxCursor(undefined, 2)).toEqual([0, 0]);
    expect(decodeInboxCursor("", 3)).toEqual([0, 0, 0]);
  });

  it("starts a shard added since the cursor was issued at its beginning", () => {
    expect(decodeInboxCursor(encodeInboxCursor([7, 9]), 4)).toEqual([7, 9, 0, 0]);
  });

  it("merges shard pages oldest first and only advances a shard over leads it returned", () => {
    const lead = (createdAt: number, seq: number) => ({ createdAt, seq });
    const merged = mergeInboxPages(
      [
        [lead(1, 11), lead(4, 12), lead(6, 13)],
        [lead(2, 21), lead(3, 22)],
      ],
      [10, 20],
      3,
    );
    expect(merged.items).toEqual([lead(1, 11), lead(2, 21), lead(3, 22)]);
    expect(merged.positions).toEqual([11, 22]);
    expect(merged.hasMore).toBe(true);
    const rest = mergeInboxPages([[lead(4, 12), lead(6, 13)], []], merged.positions, 3);
    expect(rest).toEqual({ items: [lead(4, 12), lead(6, 13)], positions: [13, 22], hasMore: false });
  });

  it("refuses what it did not issue", () => {
    for (const bad of [
      "%%%",
      btoa(JSON.stringify({ v: 2, after: 1 })),
      btoa(JSON.stringify({ v: 2, after: [1, -1] })),
      btoa(JSON.stringify({ v: 1, after: 3 })),
    ]) {
      expect(() => decodeInboxCursor(bad, 2)).toThrow("`cursor` is not a cursor returned by this API");
    }
  });
});
