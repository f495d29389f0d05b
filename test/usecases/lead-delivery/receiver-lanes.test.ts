import { describe, expect, it } from "vitest";
import { receiverLanes } from "../../../src/usecases/lead-delivery/receiver-lanes";

/** A piece of work that runs until the test releases it, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    release = () => resolve(name);
    fail = reject;
  });
  return {
    work: () => {
      log.push(name);
      return done;
    },
    release: () => release(),
    fail: (error: Error) => fail(error),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("receiverLanes", () => {
  it("runs at most `perReceiver` pieces of work per receiver, in arrival order, without holding up others", async () => {
    const lanes = receiverLanes(2);
    const started: string[] = [];
    const slow = ["a1", "a2", "a3", "a4"].map((name) => gate(started, name));
    const other = gate(started, "b1");
    const results = [...slow.map((g) => lanes.run("slow", g.work)), lanes.run("other", other.work)];
    await settle();
    expect(started).toEqual(["a1", "a2", "b1"]);

    other.release();
    expect(await results[4]).toBe("b1");
    slow[1].release();
    await settle();
    expect(started).toEqual(["a1", "a2", "b1", "a3"]);
    slow[0].fail(new Error("timeout"));
    await expect(results[0]).rejects.toThrow("timeout");
    await settle();
    // A failed piece frees its slot too.
    expect(started).toEqual(["a1", "a2", "b1", "a3", "a4"]);
    slow[2].release();
    slow[3].release();
    expect(await Promise.all(results.slice(1, 4))).toEqual(["a2", "a3", "a4"]);
  });

  it("refuses a lane size that is not a whole number >= 1", () => {
    expect(() => receiverLanes(0)).toThrow(RangeError);
    expect(() => receiverLanes(1.5)).toThrow(RangeError);
  });
});
