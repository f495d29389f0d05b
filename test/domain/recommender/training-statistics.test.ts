import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyInteractionChange,
  applyStatisticsDelta,
  type ClientState,
  createFeatureSpace,
  createStatistics,
  growStatistics,
  type ModelStatistics,
  pairIndex,
  StatisticsAccumulator,
  statisticsDelta,
} from "../../../src/domain/recommender";
import { clientOf, NEEDS, REGIONS } from "./fixtures";
import { expectSameStatistics } from "./statistics-assertions";

const N_SERVICES = 6;
const N_GROUPS = 3;
const space = createFeatureSpace({
  nServices: N_SERVICES,
  regions: REGIONS,
  needsVocabulary: NEEDS,
  profileShare: 0.4,
});

const profileArb = fc.record({
  age: fc.integer({ min: 18, max: 80 }),
  income: fc.integer({ min: 0, max: 400_000 }),
  region: fc.integer({ min: -1, max: 3 }),
  gender: fc.constantFrom(0, 1, 2),
  needs: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
});
const cellsArb = fc.uniqueArray(
  fc.record({ service: fc.integer({ min: 0, max: N_SERVICES - 1 }), value: fc.constantFrom(1, -1) }),
  { selector: (c) => c.service, maxLength: N_SERVICES },
);
const clientArb = fc.record({
  profile: profileArb,
  cells: cellsArb,
  group: fc.integer({ min: -1, max: N_GROUPS - 1 }),
});
type ClientInput = typeof clientArb extends fc.Arbitrary<infer T> ? T : never;
const changeArb = fc.oneof(
  fc.record({
    kind: fc.constant("cell" as const),
    who: fc.nat(),
    service: fc.integer({ min: 0, max: N_SERVICES - 1 }),
    value: fc.constantFrom<1 | -1 | 0>(1, -1, 0),
    regroup: fc.integer({ min: -1, max: N_GROUPS - 1 }),
  }),
  fc.record({ kind: fc.constant("profile" as const), who: fc.nat(), profile: profileArb }),
  fc.record({ kind: fc.constant("group" as const), who: fc.nat(), group: fc.integer({ min: -1, max: N_GROUPS - 1 }) }),
  fc.record({ kind: fc.constant("add" as const), client: clientArb }),
  fc.record({ kind: fc.constant("remove" as const), who: fc.nat() }),
);

function stateOf(input: ClientInput): ClientState {
  return {
    ...clientOf(
      input.profile,
      input.cells.map((c) => [c.service, c.value]),
    ),
    group: input.group,
  };
}

function recomputed(states: ClientState[]): ModelStatistics {
  const accumulator = new StatisticsAccumulator(space, N_GROUPS, null);
  for (const state of states) accumulator.addClient(state, state.group);
  return accumulator.stats;
}

describe("incremental statistics", () => {
  it("equal a full recomputation after any sequence of client writes (property)", () => {
    fc.assert(
      fc.property(
        fc.array(clientArb, { minLength: 1, maxLength: 6 }),
        fc.array(changeArb, { maxLength: 25 }),
        (initial, changes) => {
          const stats = createStatistics(space, N_GROUPS);
          const states: ClientState[] = [];
          for (const input of initial) {
            const state = stateOf(input);
            applyStatisticsDelta(stats, statisticsDelta(space, null, state, N_GROUPS));
            states.push(state);
          }
          for (const change of changes) {
            if (change.kind === "add") {
              const state = stateOf(change.client);
              applyStatisticsDelta(stats, statisticsDelta(space, null, state, N_GROUPS));
              states.push(state);
              continue;
            }
            if (states.length === 0) continue;
            const who = change.who % states.length;
            const before = states[who];
            if (change.kind === "cell") {
              states[who] = applyInteractionChange(stats, before, change, change.regroup).after;
            } else if (change.kind === "remove") {
              applyStatisticsDelta(stats, statisticsDelta(space, before, null, N_GROUPS));
              states.splice(who, 1);
            } else {
              const after: ClientState =
                change.kind === "group"
                  ? { ...before, group: change.group }
                  : {
                      ...before,
                      profile: {
                        age: change.profile.age,
                        monthlyIncome: change.profile.income,
                        region: change.profile.region,
                        gender: change.profile.gender,
                        needs: change.profile.needs,
                      },
                    };
              applyStatisticsDelta(stats, statisticsDelta(space, before, after, N_GROUPS));
              states[who] = after;
            }
          }
          expectSameStatistics(stats, recomputed(states));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("one changed cell moves only the pairs of that service with the client's services", () => {
    const before: ClientState = {
      ...clientOf({ age: 30, income: 90_000, region: 0 }, [
        [0, 1],
        [2, -1],
        [4, 1],
      ]),
      group: 1,
    };
    const stats = createStatistics(space, N_GROUPS);
    applyStatisticsDelta(stats, statisticsDelta(space, null, before, N_GROUPS));
    const { delta, after } = applyInteractionChange(stats, before, { service: 2, value: 1, time: 5 });
    // -1 → 1 on service 2: it now co-occurs with the used services 0 and 4, and counts as a use itself.
    expect(delta.pairs).toEqual([
      [0, 2, 1],
      [2, 2, 1],
      [2, 4, 1],
    ]);
    expect(delta.services).toEqual([[2, 1, -1]]);
    expect(delta.clients).toBe(0);
    expect(Array.from(after.interactions.values)).toEqual([1, 1, 1]);
    expect(Array.from(after.interactions.times ?? [])).toEqual([Number.NaN, 5, Number.NaN]);
    expect(stats.pairDot[pairIndex(N_SERVICES, 0, 2)]).toBe(1);
    expectSameStatistics(stats, recomputed([after]));
    // A new decline moves no pair: declines are counted per service only.
    const declined = applyInteractionChange(stats, after, { service: 3, value: -1, time: 6 });
    expect(declined.delta.pairs).toEqual([]);
    expect(declined.delta.services).toEqual([[3, 0, 1]]);
    expectSameStatistics(stats, recomputed([declined.after]));
  });

  it("a bad delta is refused and changes nothing", () => {
    const stats = createStatistics(space, N_GROUPS);
    const state: ClientState = { ...clientOf({ age: 40, income: 60_000, region: 1 }, [[1, 1]]), group: 0 };
    applyStatisticsDelta(stats, statisticsDelta(space, null, state, N_GROUPS));
    const snapshot = recomputed([state]);
    const delta = statisticsDelta(space, state, { ...state, group: 2 }, N_GROUPS);
    delta.pairs.push([3, 9, 1]);
    expect(() => applyStatisticsDelta(stats, delta)).toThrow(RangeError);
    expectSameStatistics(stats, snapshot);
    expect(() => statisticsDelta(space, state, { ...state, group: 7 }, N_GROUPS)).toThrow(RangeError);
    const duplicate = { ...state, interactions: { services: [1, 1], values: [1, -1] } };
    expect(() => statisticsDelta(space, null, duplicate, N_GROUPS)).toThrow(/twice/);
  });

  it("grows to a larger catalogue keeping every count", () => {
    const states: ClientState[] = [
      {
        ...clientOf({ age: 25, income: 40_000, region: 0 }, [
          [0, 1],
          [5, -1],
        ]),
        group: 0,
      },
      {
        ...clientOf({ age: 60, income: 200_000, region: 2 }, [
          [3, 1],
          [5, 1],
        ]),
        group: 2,
      },
    ];
    const stats = recomputed(states);
    const bigger = createFeatureSpace({ ...space, nServices: N_SERVICES + 2 });
    const grown = growStatistics(stats, bigger);
    const expected = new StatisticsAccumulator(bigger, N_GROUPS, null);
    for (const state of states) expected.addClient(state, state.group);
    expectSameStatistics(grown, expected.stats);
    expect(() => growStatistics(stats, createFeatureSpace({ ...space, nServices: 2 }))).toThrow(RangeError);
  });
});
