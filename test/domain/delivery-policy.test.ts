import { describe, expect, it } from "vitest";
import {
  classifyDeliveryStatus,
  DELIVERY_CONCURRENCY_PER_RECEIVER,
  DELIVERY_TIMEOUT_MS,
  deliveryAttempt,
  deliveryTuning,
  isLastDeliveryAttempt,
  MAX_DELIVERY_ATTEMPTS,
  MAX_DELIVERY_RETRIES,
  MAX_RETRY_DELAY_SECONDS,
  parseRetryAfter,
  retryDelaySeconds,
} from "../../src/domain/delivery-policy";
import wranglerToml from "../../wrangler.toml?raw";

describe("delivery policy", () => {
  it("classifies answers", () => {
    expect([200, 201, 204, 299].map(classifyDeliveryStatus)).toEqual(Array(4).fill("delivered"));
    expect([null, 408, 425, 429, 500, 502, 503, 504, 301, 302, 307, 308].map(classifyDeliveryStatus)).toEqual(
      Array(12).fill("retry"),
    );
    expect(classifyDeliveryStatus(410)).toBe("endpoint_gone");
    expect([400, 401, 403, 404, 405, 413, 422].map(classifyDeliveryStatus)).toEqual(Array(7).fill("permanent_failure"));
  });

  it("grows delays ×3 from 10 s with ±20% jitter, capped at 12 h", () => {
    const exact = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelaySeconds(n, null, exact))).toEqual([
      10, 30, 90, 270, 810, 2430, 7290, 21870,
    ]);
    for (let n = 1; n <= 8; n++) {
      const base = 10 * 3 ** (n - 1);
      expect(retryDelaySeconds(n, null, () => 0)).toBe(Math.round(base * 0.8));
      expect(retryDelaySeconds(n, null, () => 0.9999)).toBeLessThanOrEqual(Math.round(base * 1.2));
    }
    expect(retryDelaySeconds(12, null, exact)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(retryDelaySeconds(1, 3600, exact)).toBe(3600);
    expect(retryDelaySeconds(3, 5, exact)).toBe(90);
    expect(retryDelaySeconds(1, 10_000_000, exact)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(retryDelaySeconds(1, null, exact, 60)).toBe(60);
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.UTC(2026, 10, 20, 12, 0, 0);
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Fri, 20 Nov 2026 12:05:00 GMT", now)).toBe(300);
    expect(parseRetryAfter("Fri, 20 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("matches the lead-dispatch consumer settings of wrangler.toml", () => {
    const consumer = wranglerToml
      .split("[[queues.consumers]]")
      .slice(1)
      .find((block: string) => /queue = "lead-dispatch"\n/.test(block))!;
    expect(consumer).toBeDefined();
    expect(Number(/max_retries = (\d+)/.exec(consumer)?.[1])).toBe(MAX_DELIVERY_RETRIES);
    expect(consumer).toMatch(/dead_letter_queue = "lead-dispatch-dlq"/);
    expect(isLastDeliveryAttempt(MAX_DELIVERY_RETRIES)).toBe(false);
    expect(isLastDeliveryAttempt(MAX_DELIVERY_RETRIES + 1)).toBe(true);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(MAX_DELIVERY_RETRIES + 1);
    // The consumer dead-letters itself after the last attempt: it needs a producer for the DLQ.
    expect(wranglerToml).toContain('binding = "LEAD_DISPATCH_DLQ"\nqueue = "lead-dispatch-dlq"');
  });
});

describe("deliveryAttempt", () => {
  it("adds the queue's own redeliveries to the attempt the message carries", () => {
    expect(deliveryAttempt(undefined, 1)).toBe(1);
    expect(deliveryAttempt(4, 1)).toBe(4);
    expect(deliveryAttempt(4, 3)).toBe(6);
    expect(deliveryAttempt(undefined, 2)).toBe(2);
  });
});

describe("deliveryTuning", () => {
  it("takes the defaults when nothing is set", () => {
    expect(deliveryTuning({})).toEqual({
      tuning: { timeoutMs: DELIVERY_TIMEOUT_MS, perReceiverConcurrency: DELIVERY_CONCURRENCY_PER_RECEIVER },
      invalid: [],
    });
  });

  it("reads whole numbers inside their ranges", () => {
    expect(deliveryTuning({ DELIVERY_TIMEOUT_MS: "2500", DELIVERY_CONCURRENCY_PER_RECEIVER: "4" }).tuning).toEqual({
      timeoutMs: 2500,
      perReceiverConcurrency: 4,
    });
  });

  it("falls back to the default for a value that is not a whole number in range, and says so", () => {
    for (const [timeout, concurrency] of [
      ["fast", "two"],
      ["99", "0"],
      ["30001", "11"],
      ["1500.5", "2.5"],
    ]) {
      const { tuning, invalid } = deliveryTuning({
        DELIVERY_TIMEOUT_MS: timeout,
        DELIVERY_CONCURRENCY_PER_RECEIVER: concurrency,
      });
      expect(tuning).toEqual({
        timeoutMs: DELIVERY_TIMEOUT_MS,
        perReceiverConcurrency: DELIVERY_CONCURRENCY_PER_RECEIVER,
      });
      expect(invalid).toHaveLength(2);
      expect(invalid[0]).toContain(`DELIVERY_TIMEOUT_MS="${timeout}"`);
    }
  });

  it("matches the values wrangler.toml sets", () => {
    const value = (name: string) => new RegExp(`^${name} = "(\\d+)"`, "m").exec(wranglerToml)?.[1];
    const { tuning, invalid } = deliveryTuning({
      DELIVERY_TIMEOUT_MS: value("DELIVERY_TIMEOUT_MS"),
      DELIVERY_CONCURRENCY_PER_RECEIVER: value("DELIVERY_CONCURRENCY_PER_RECEIVER"),
    });
    expect(invalid).toEqual([]);
    expect(tuning).toEqual({
      timeoutMs: DELIVERY_TIMEOUT_MS,
      perReceiverConcurrency: DELIVERY_CONCURRENCY_PER_RECEIVER,
    });
  });
});
