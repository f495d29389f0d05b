import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDomainError } from "../../../src/domain/errors";
import { Ledger, type LedgerOperation, personAccount } from "../../../src/domain/loyalty/ledger";

const PERSONS = ["p1", "p2"];

/** A random history: earns (some pending), posts and voids of earlier earns, spends and expiries. */
const history = fc
  .array(
    fc.record({
      kind: fc.constantFrom("earn", "earn", "earn", "post", "void", "spend", "spend", "expire"),
      person: fc.constantFrom(...PERSONS),
      points: fc.integer({ min: 1, max: 120 }),
      gap: fc.integer({ min: 0, max: 50 }),
      life: fc.integer({ min: 1, max: 400 }),
      pending: fc.boolean(),
      pick: fc.nat(),
    }),
    { maxLength: 60 },
  )
  .map((steps) => {
    const ops: LedgerOperation[] = [];
    const earns: string[] = [];
    let at = 1_000;
    steps.forEach((s, i) => {
      at += s.gap;
      const key = `op-${i}`;
      if (s.kind === "earn") {
        earns.push(key);
        ops.push({
          kind: "earn",
          key,
          personId: s.person,
          points: s.points,
          at,
          expiresAt: at + s.life,
          pending: s.pending,
          reason: "survey",
        });
      } else if ((s.kind === "post" || s.kind === "void") && earns.length > 0) {
        ops.push({ kind: s.kind, key, transferKey: earns[s.pick % earns.length], at });
      } else if (s.kind === "spend") {
        ops.push({ kind: "spend", key, personId: s.person, points: s.points, at, companyId: "c1", reason: "reward" });
      } else if (s.kind === "expire") {
        ops.push({ kind: "expire", key, personId: s.person, at });
      }
    });
    return ops;
  });

/** Applies every operation; refusals (short balance, settled transfer) are part of the game. */
function run(ledger: Ledger, ops: readonly LedgerOperation[]) {
  const refused: string[] = [];
  for (const op of ops) {
    try {
      ledger.apply(op);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      refused.push(op.key);
    }
  }
  return refused;
}

function snapshot(ledger: Ledger) {
  return JSON.stringify({
    entries: ledger.entries(),
    transfers: ledger.allTransfers(),
    balances: PERSONS.map((p) => [ledger.balance(p), ledger.pending(p)]),
  });
}

describe("loyalty ledger", () => {
  it("writes entries that sum to zero in every transfer", () => {
    fc.assert(
      fc.property(history, (ops) => {
        const ledger = new Ledger();
        run(ledger, ops);
        const byTransfer = new Map<string, number>();
        for (const entry of ledger.entries()) {
          byTransfer.set(entry.transferKey, (byTransfer.get(entry.transferKey) ?? 0) + entry.points);
        }
        for (const sum of byTransfer.values()) expect(sum).toBe(0);
      }),
    );
  });

  it("never lets a balance go negative, and the balance is the posted entries of the person's account", () => {
    fc.assert(
      fc.property(history, (ops) => {
        const ledger = new Ledger();
        for (const op of ops) {
          try {
            ledger.apply(op);
          } catch (error) {
            if (!isDomainError(error)) throw error;
          }
          for (const p of PERSONS) {
            expect(ledger.balance(p)).toBeGreaterThanOrEqual(0);
            expect(ledger.accountBalance(personAccount(p))).toBe(ledger.balance(p));
            for (const lot of ledger.openLots(p)) expect(lot.remaining).toBeGreaterThan(0);
          }
        }
      }),
    );
  });

  it("changes nothing when operations are replayed, in any order", () => {
    fc.assert(
      fc.property(history, fc.nat(), (ops, seed) => {
        const ledger = new Ledger();
        const refused = new Set(run(ledger, ops));
        const before = snapshot(ledger);
        // Replays of applied operations answer their first outcome and write nothing.
        const replays = ops.filter((op) => !refused.has(op.key));
        const shuffled = [...replays].sort(
          (a, b) => ((a.key.length * 31 + seed) % 7) - ((b.key.length * 31 + seed) % 7),
        );
        for (const op of shuffled) expect(ledger.apply(op).replayed).toBe(true);
        expect(snapshot(ledger)).toBe(before);
      }),
    );
  });

  it("refuses an idempotency key reused with other content", () => {
    const ledger = new Ledger();
    ledger.apply({
      kind: "earn",
      key: "k",
      personId: "p1",
      points: 10,
      at: 1,
      expiresAt: 100,
      pending: false,
      reason: "survey",
    });
    expect(() =>
      ledger.apply({
        kind: "earn",
        key: "k",
        personId: "p1",
        points: 11,
        at: 1,
        expiresAt: 100,
        pending: false,
        reason: "survey",
      }),
    ).toThrow(/other content/);
  });

  it("spends and expires lots oldest expiry first; pending points are not spendable, voided ones never count", () => {
    const ledger = new Ledger();
    ledger.apply({
      kind: "earn",
      key: "late",
      personId: "p1",
      points: 50,
      at: 1,
      expiresAt: 500,
      pending: false,
      reason: "deal",
    });
    ledger.apply({
      kind: "earn",
      key: "early",
      personId: "p1",
      points: 30,
      at: 2,
      expiresAt: 100,
      pending: false,
      reason: "survey",
    });
    ledger.apply({
      kind: "earn",
      key: "ref",
      personId: "p1",
      points: 40,
      at: 3,
      expiresAt: 600,
      pending: true,
      reason: "referral",
    });
    expect(ledger.balance("p1")).toBe(80);
    expect(ledger.pending("p1")).toBe(40);
    const spent = ledger.apply({
      kind: "spend",
      key: "s1",
      personId: "p1",
      points: 40,
      at: 10,
      companyId: "c1",
      reason: "reward",
    });
    expect(spent.transfer?.entries.filter((e) => e.points < 0).map((e) => [e.lotKey, e.points])).toEqual([
      ["early", -30],
      ["late", -10],
    ]);
    expect(() =>
      ledger.apply({ kind: "spend", key: "s2", personId: "p1", points: 41, at: 11, companyId: "c1", reason: "reward" }),
    ).toThrow(/Not enough points/);
    ledger.apply({ kind: "void", key: "v1", transferKey: "ref", at: 12 });
    expect(ledger.pending("p1")).toBe(0);
    expect(() => ledger.apply({ kind: "post", key: "p-after-void", transferKey: "ref", at: 13 })).toThrow(/voided/);
    const expired = ledger.apply({ kind: "expire", key: "e1", personId: "p1", at: 501 });
    expect(expired.transfer?.entries.at(-1)).toMatchObject({ account: "expired", points: 40 });
    expect(ledger.balance("p1")).toBe(0);
  });
});
