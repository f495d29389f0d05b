import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GENDER_FEMALE, GENDER_MALE } from "../../../src/domain/dataset";
import {
  assignGroup,
  type BlendWeights,
  DEFAULT_DECLINE_COOLDOWN_MS,
  encodeClientVector,
  scoreClient,
  similarServices,
} from "../../../src/domain/recommender";
import { clientOf, plantedModel, SERVICE_NAMES } from "./fixtures";

const { model, space } = plantedModel();
const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 1);
const n = SERVICE_NAMES.length;

const youngMover = { age: 29, income: 100_000, region: 0, gender: GENDER_FEMALE, needs: [0] };
const olderDriver = { age: 50, income: 170_000, region: 2, gender: GENDER_MALE, needs: [1] };

describe("scoreClient", () => {
  it("ranks what similar clients take, with reasons a sales manager can read", () => {
    const ranked = scoreClient(model, clientOf(youngMover, [[0, 1, NOW - DAY]]), { now: NOW, limit: 3 });
    expect(ranked.map((r) => r.name)).toContain("Property insurance");
    expect(ranked[0].name).toBe("Property insurance");
    for (let i = 1; i < ranked.length; i++) expect(ranked[i].rating).toBeLessThanOrEqual(ranked[i - 1].rating);
    const top = ranked[0];
    expect(top.code).toBe("svc-1");
    expect(top.reasons.length).toBeGreaterThan(0);
    const total = top.reasons.reduce((sum, r) => sum + r.weight, 0);
    expect(total).toBeCloseTo(1, 9);
    const link = top.reasons.find((r) => r.kind === "business_link");
    expect(link?.text).toBe("Linked by the bank's cross-service rules to Mortgage");
    expect(link?.relatedService).toEqual({ index: 0, code: "svc-0", name: "Mortgage" });
    const similar = top.reasons.find((r) => r.kind === "similar_services");
    expect(similar?.text).toBe("Clients who use Mortgage often also take Property insurance");
    const group = top.reasons.find((r) => r.kind === "reference_group");
    expect(group?.text).toMatch(/^Clients like this one take it: \d+%$/);
    for (const reason of top.reasons) expect(reason.weight).toBeGreaterThan(0);
  });

  it("serves a client without any interaction from its reference group (cold start)", () => {
    const young = scoreClient(model, clientOf(youngMover, []), { now: NOW, limit: 3 });
    const older = scoreClient(model, clientOf(olderDriver, []), { now: NOW, limit: 3 });
    expect(young.map((r) => r.service)).toEqual(expect.arrayContaining([0, 1]));
    expect(older.map((r) => r.service)).toEqual(expect.arrayContaining([3, 4]));
    expect(young[0].parts.item).toBe(0);
    expect(young[0].parts.link).toBe(0);
    expect(young[0].parts.group).toBeGreaterThan(young[0].parts.popularity);
    expect(young[0].reasons.some((r) => r.kind === "reference_group")).toBe(true);
    // The group assignment of a written client agrees with the scorer's nearest group.
    const youngGroup = assignGroup(model, clientOf(youngMover, []));
    const olderGroup = assignGroup(model, encodeClientVector(space, clientOf(olderDriver, [])));
    expect(youngGroup).not.toBe(olderGroup);
    expect(model.groups[youngGroup].label).toContain("msk");
  });

  it("applies the decline cooldown: recent or undated declines are blocked, old ones are not", () => {
    const recent = scoreClient(model, clientOf(youngMover, [[1, -1, NOW - 10 * DAY]]), { now: NOW, limit: n });
    expect(recent.map((r) => r.service)).not.toContain(1);
    const undated = scoreClient(model, clientOf(youngMover, [[1, -1]]), { now: NOW, limit: n });
    expect(undated.map((r) => r.service)).not.toContain(1);
    const old = scoreClient(model, clientOf(youngMover, [[1, -1, NOW - DEFAULT_DECLINE_COOLDOWN_MS - DAY]]), {
      now: NOW,
      limit: n,
    });
    expect(old.map((r) => r.service)).toContain(1);
    const short = scoreClient(model, clientOf(youngMover, [[1, -1, NOW - 10 * DAY]]), {
      now: NOW,
      limit: n,
      declineCooldownMs: 5 * DAY,
    });
    expect(short.map((r) => r.service)).toContain(1);
  });

  it("never returns a used, recently declined or ineligible service (property)", () => {
    const cellArb = fc.uniqueArray(
      fc.record({
        service: fc.integer({ min: 0, max: n + 2 }), // indices past the model are ignored
        value: fc.constantFrom(1, -1),
        age: fc.option(fc.integer({ min: -10, max: 400 }), { nil: undefined }),
      }),
      { selector: (c) => c.service, maxLength: n + 3 },
    );
    fc.assert(
      fc.property(
        cellArb,
        fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        fc.boolean(),
        fc.integer({ min: 1, max: n }),
        fc.integer({ min: 0, max: 200 }),
        (cells, eligibleFlags, usePredicate, limit, cooldownDays) => {
          const client = clientOf(
            youngMover,
            cells.map((c) => [c.service, c.value, c.age === undefined ? Number.NaN : NOW - c.age * DAY]),
          );
          const mask = Uint8Array.from(eligibleFlags, (f) => (f ? 1 : 0));
          const ranked = scoreClient(model, client, {
            now: NOW,
            limit,
            declineCooldownMs: cooldownDays * DAY,
            eligible: usePredicate ? (s) => eligibleFlags[s] : mask,
          });
          expect(ranked.length).toBeLessThanOrEqual(limit);
          for (const r of ranked) {
            expect(eligibleFlags[r.service]).toBe(true);
            const cell = cells.find((c) => c.service === r.service);
            if (!cell) continue;
            expect(cell.value).toBe(-1);
            expect(cell.age).toBeDefined();
            expect((cell.age ?? 0) * DAY).toBeGreaterThanOrEqual(cooldownDays * DAY);
          }
          const blocked = new Set(
            cells
              .filter((c) => c.service < n)
              .filter((c) => c.value === 1 || c.age === undefined || c.age * DAY < cooldownDays * DAY)
              .map((c) => c.service),
          );
          const allowed = eligibleFlags.filter((f, s) => f && !blocked.has(s)).length;
          expect(ranked.length).toBe(Math.min(limit, allowed));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a decline as weak evidence: it never lowers another service's item part (property)", () => {
    const cosine = plantedModel({ itemModel: "cosine" }).model;
    const cellsArb = fc.uniqueArray(
      fc.record({ service: fc.integer({ min: 0, max: n - 1 }), value: fc.constantFrom(1, -1) }),
      { selector: (c) => c.service, maxLength: n - 1 },
    );
    fc.assert(
      fc.property(cellsArb, fc.integer({ min: 0, max: n - 1 }), fc.boolean(), (cells, declined, useEase) => {
        if (cells.some((c) => c.service === declined)) return;
        const scored = useEase ? model : cosine;
        const options = {
          now: NOW,
          limit: n,
          reasons: false,
          blend: { intercept: 0, item: 1, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 },
        };
        const before = scoreClient(
          scored,
          clientOf(
            youngMover,
            cells.map((c) => [c.service, c.value, NOW]),
          ),
          options,
        );
        const after = scoreClient(
          scored,
          clientOf(youngMover, [
            ...cells.map((c) => [c.service, c.value, NOW] as [number, number, number]),
            [declined, -1, NOW],
          ]),
          options,
        );
        const itemBefore = new Map(before.map((r) => [r.service, r.parts.item]));
        for (const r of after) {
          // Cosine similarities are >= 0; EASE's negative weights come from used services, never declined ones.
          if (!useEase) expect(r.parts.item).toBeGreaterThanOrEqual(0);
          expect(r.parts.item).toBeGreaterThanOrEqual((itemBefore.get(r.service) ?? 0) - 1e-12);
        }
        // The declined service itself is blocked by the cooldown.
        expect(after.some((r) => r.service === declined)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every rating within 0..100 whatever the blend and the client (property)", () => {
    const weight = fc.double({ min: 0, max: 1e6, noNaN: true });
    const blendArb = fc.record({
      intercept: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      item: weight,
      group: weight,
      link: weight,
      segment: weight,
      popularity: weight,
      activity: weight,
    });
    const cellsArb = fc.uniqueArray(
      fc.record({ service: fc.integer({ min: 0, max: n - 1 }), value: fc.constantFrom(1, -1) }),
      { selector: (c) => c.service, maxLength: n },
    );
    fc.assert(
      fc.property(
        blendArb,
        cellsArb,
        fc.integer({ min: 0, max: 120 }),
        fc.double({ min: 0, max: 2e6, noNaN: true }),
        (blend: BlendWeights, cells, age, income) => {
          const client = clientOf(
            { age, income, region: 1 },
            cells.map((c) => [c.service, c.value, 0]),
          );
          for (const r of scoreClient(model, client, { now: NOW, limit: n, blend, declineCooldownMs: 0 })) {
            expect(r.rating).toBeGreaterThanOrEqual(0);
            expect(r.rating).toBeLessThanOrEqual(100);
            expect(Number.isFinite(r.rating)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("honours limit and minRating", () => {
    const all = scoreClient(model, clientOf(olderDriver, [[3, 1, NOW]]), { now: NOW, limit: n });
    expect(all).toHaveLength(n - 1);
    const threshold = all[2].rating;
    const above = scoreClient(model, clientOf(olderDriver, [[3, 1, NOW]]), {
      now: NOW,
      limit: n,
      minRating: threshold,
    });
    expect(above.map((r) => r.service)).toEqual(all.filter((r) => r.rating >= threshold).map((r) => r.service));
    expect(scoreClient(model, clientOf(olderDriver, [[3, 1, NOW]]), { now: NOW, limit: 2 })).toHaveLength(2);
    expect(scoreClient(model, clientOf(olderDriver, []), { now: NOW, minRating: 100 })).toEqual([]);
  });

  it("does not carry state from one call into the next", () => {
    const heavy = clientOf(youngMover, [
      [0, 1, NOW],
      [2, 1, NOW],
      [3, -1, NOW],
      [6, 1, NOW],
    ]);
    const light = clientOf(olderDriver, [[7, 1, NOW]]);
    const alone = scoreClient(model, light, { now: NOW, limit: n });
    scoreClient(model, heavy, { now: NOW, limit: n });
    expect(() =>
      scoreClient(
        model,
        clientOf(youngMover, [
          [0, 1],
          [0, -1],
        ]),
        { now: NOW },
      ),
    ).toThrow(RangeError);
    expect(scoreClient(model, light, { now: NOW, limit: n })).toEqual(alone);
  });

  it("refuses malformed input with a clear error", () => {
    const ok = clientOf(youngMover, [[0, 1, NOW]]);
    expect(() => scoreClient(model, clientOf(youngMover, [[0, 2]]), { now: NOW })).toThrow(/must be 1 or -1/);
    expect(() => scoreClient(model, clientOf(youngMover, [[-1, 1]]), { now: NOW })).toThrow(/not a service index/);
    expect(() =>
      scoreClient(
        model,
        clientOf(youngMover, [
          [1, 1],
          [1, 1],
        ]),
        { now: NOW },
      ),
    ).toThrow(/twice/);
    expect(() => scoreClient(model, clientOf({ ...youngMover, age: Number.NaN }, []), { now: NOW })).toThrow(/age/);
    expect(() => scoreClient(model, ok, { now: Number.NaN })).toThrow(/now/);
    expect(() => scoreClient(model, ok, { now: NOW, limit: 0 })).toThrow(/limit/);
    expect(() => scoreClient(model, ok, { now: NOW, minRating: 101 })).toThrow(/minRating/);
    expect(() => scoreClient(model, ok, { now: NOW, eligible: new Uint8Array(2) })).toThrow(/mask/);
    expect(() =>
      scoreClient(model, ok, {
        now: NOW,
        blend: { intercept: 0, item: -1, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 },
      }),
    ).toThrow(/blend.item/);
  });
});

describe("similarServices", () => {
  it("lists the kept neighbours best first", () => {
    // Cosine of use columns with Mortgage (40 users): Property insurance 30 / √(40·30) = 0.866 beats
    // Credit card 20 / √(40·20) = 0.707. The decliners of Property insurance no longer pull it down
    // (issue 12: before, the signed cosine ranked Credit card first).
    const cosine = plantedModel({ itemModel: "cosine" }).model;
    const similar = similarServices(cosine, 0, 2);
    expect(similar.map((s) => s.name)).toEqual(["Property insurance", "Credit card"]);
    expect(similar[0].similarity).toBeCloseTo(30 / Math.sqrt(40 * 30), 6);
    expect(similar[1].similarity).toBeCloseTo(20 / Math.sqrt(40 * 20), 6);
    // The EASE model lists its kept weights the same way: positive, best first.
    const ease = similarServices(model, 0, 3);
    expect(ease.length).toBeGreaterThan(0);
    for (let i = 0; i < ease.length; i++) {
      expect(ease[i].similarity).toBeGreaterThan(0);
      if (i > 0) expect(ease[i].similarity).toBeLessThanOrEqual(ease[i - 1].similarity);
    }
    expect(() => similarServices(model, n)).toThrow(RangeError);
  });
});
