import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors";
import { beginIdempotent, IN_FLIGHT_TAKEOVER_MS, purgeExpiredIdempotencyRecords } from "../../src/storage/idempotency";
import { shardDbs } from "../harness";

/** Idempotency records live in the client shards; the storage functions work on any one of them. */
const db = () => shardDbs()[0];

const base = { principalId: "key_a", route: "POST /v1/leads", body: { a: 1 } as unknown };

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return "no error";
  } catch (e) {
    return e instanceof DomainError ? e.items[0].code : String(e);
  }
}

describe("idempotency records", () => {
  it("fingerprints the parsed body in canonical form: key order and whitespace do not matter", async () => {
    const first = await beginIdempotent(
      db(),
      { ...base, key: "canonical", body: JSON.parse('{"b":{"y":2,"x":[1,{"q":1,"p":2}]},"a":"z"}') },
      1_000,
    );
    expect(first.kind).toBe("first");
    if (first.kind !== "first") return;
    await db().batch([first.slot.complete(200, { done: true })]);
    const reordered = JSON.parse('{ "a" : "z",\n  "b": { "x": [1, { "p": 2, "q": 1 }], "y": 2 } }');
    expect(await beginIdempotent(db(), { ...base, key: "canonical", body: reordered }, 2_000)).toEqual({
      kind: "replay",
      status: 200,
      body: { done: true },
    });
    const changed = JSON.parse('{"a":"z","b":{"x":[{"p":2,"q":1},1],"y":2}}');
    expect(await codeOf(beginIdempotent(db(), { ...base, key: "canonical", body: changed }, 2_000))).toBe(
      "idempotency_mismatch",
    );
  });

  it("first request gets a slot; committing it makes repeats replay the stored answer", async () => {
    const first = await beginIdempotent(db(), { ...base, key: "k1" }, 1_000);
    expect(first.kind).toBe("first");
    if (first.kind !== "first") return;
    await db().batch([first.slot.complete(201, { ok: true, n: 1 })]);
    const again = await beginIdempotent(db(), { ...base, key: "k1" }, 2_000);
    expect(again).toEqual({ kind: "replay", status: 201, body: { ok: true, n: 1 } });
  });

  it("same key with another body is refused (422) and the same key in flight is 409", async () => {
    const first = await beginIdempotent(db(), { ...base, key: "k2" }, 1_000);
    expect(first.kind).toBe("first");
    expect(await codeOf(beginIdempotent(db(), { ...base, key: "k2" }, 1_500))).toBe("idempotency_in_flight");
    expect(await codeOf(beginIdempotent(db(), { ...base, key: "k2", body: { a: 2 } }, 1_500))).toBe(
      "idempotency_mismatch",
    );
  });

  it("keys are per caller: another principal may reuse the same key", async () => {
    const a = await beginIdempotent(db(), { ...base, key: "shared" }, 1_000);
    const b = await beginIdempotent(db(), { ...base, principalId: "key_b", key: "shared" }, 1_000);
    expect(a.kind).toBe("first");
    expect(b.kind).toBe("first");
  });

  it("a released slot lets the retry run; an abandoned in-flight slot is taken over after the takeover delay", async () => {
    const first = await beginIdempotent(db(), { ...base, key: "k3" }, 1_000);
    if (first.kind !== "first") throw new Error("expected first");
    await first.slot.release();
    expect((await beginIdempotent(db(), { ...base, key: "k3" }, 1_100)).kind).toBe("first");
    expect(await codeOf(beginIdempotent(db(), { ...base, key: "k3" }, 1_200))).toBe("idempotency_in_flight");
    expect((await beginIdempotent(db(), { ...base, key: "k3" }, 1_100 + IN_FLIGHT_TAKEOVER_MS + 1)).kind).toBe("first");
  });

  it("rejects malformed keys and purges expired records", async () => {
    expect(await codeOf(beginIdempotent(db(), { ...base, key: "" }))).toBe("validation_failed");
    expect(await codeOf(beginIdempotent(db(), { ...base, key: "ключ" }))).toBe("validation_failed");
    await beginIdempotent(db(), { ...base, key: "old" }, 0);
    expect(await purgeExpiredIdempotencyRecords(db(), 49 * 3600 * 1000)).toBeGreaterThanOrEqual(1);
    expect((await beginIdempotent(db(), { ...base, key: "old" }, 49 * 3600 * 1000)).kind).toBe("first");
  });
});
