/** Assertions on recommender statistics shared by the domain and the model use-case tests. */
import { expect } from "vitest";
import type { ModelStatistics } from "../../../src/domain/recommender";

const INTEGER_ARRAYS = [
  "pairDot",
  "servicePositive",
  "serviceNegative",
  "segmentMembers",
  "segmentPositive",
  "segmentNegative",
  "groupMembers",
  "groupPositive",
  "groupNegative",
  "groupHistogram",
] as const;

/** The counts that do not depend on reference groups. */
export const GROUP_FREE_ARRAYS = [
  "pairDot",
  "servicePositive",
  "serviceNegative",
  "segmentMembers",
  "segmentPositive",
  "segmentNegative",
] as const;

/** Asserts two statistics are equal: integer counts exactly, group vector sums to 1e-9. */
export function expectSameStatistics(actual: ModelStatistics, expected: ModelStatistics) {
  expect(actual.space.nServices).toBe(expected.space.nServices);
  expect(actual.nGroups).toBe(expected.nGroups);
  expect(actual.clientCount).toBe(expected.clientCount);
  for (const name of INTEGER_ARRAYS) expect(Array.from(actual[name]), name).toEqual(Array.from(expected[name]));
  expect(actual.groupVectorSum.length).toBe(expected.groupVectorSum.length);
  for (let i = 0; i < actual.groupVectorSum.length; i++) {
    if (Math.abs(actual.groupVectorSum[i] - expected.groupVectorSum[i]) > 1e-9) {
      expect(actual.groupVectorSum[i], `groupVectorSum[${i}]`).toBeCloseTo(expected.groupVectorSum[i], 9);
    }
  }
}

/** Asserts the group-independent counts of two statistics are equal. */
export function expectSameGroupFreeCounts(actual: ModelStatistics, expected: ModelStatistics) {
  expect(actual.clientCount).toBe(expected.clientCount);
  for (const name of GROUP_FREE_ARRAYS) expect(Array.from(actual[name]), name).toEqual(Array.from(expected[name]));
}
