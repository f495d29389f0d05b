/**
 * Range rules for the numbers a CRM or partner sends. A number outside its documented range is
 * refused with 422 `unprocessable` naming its path, before any schema rule: an out-of-range
 * number is most often something else typed into a number field (a phone number as an amount),
 * and it must not be stored. Pure.
 */
import type { ErrorItem } from "./errors";

/** Largest deal amount accepted (RUB): retail cross-sell deals stay far below a billion. */
export const MAX_DEAL_AMOUNT = 999_999_999;
/** Largest monthly income accepted (RUB). */
export const MAX_MONTHLY_INCOME = 999_999_999;

/**
 * Every JSON number in a CRM or partner body stays below this: ten digits are the shape of a
 * phone, passport or INN number, never of an age, an income or an amount.
 */
export const CLIENT_NUMBER_CEILING = 1_000_000_000;

/** Documented ranges by field name (inclusive). */
export const NUMBER_RANGES: Readonly<Record<string, { min: number; max: number }>> = {
  amount: { min: 0, max: MAX_DEAL_AMOUNT },
  monthly_income: { min: 0, max: MAX_MONTHLY_INCOME },
};

/**
 * The numbers of `value` that are out of range, as 422 items: fields with a documented range are
 * held to it; with `ceiling`, every other number must stay strictly within ±ceiling.
 */
export function findOutOfRangeNumbers(
  value: unknown,
  basePath: readonly string[],
  options: { ceiling?: number } = {},
): ErrorItem[] {
  const items: ErrorItem[] = [];
  const stack: Array<{ value: unknown; path: string[]; field: string | null }> = [
    { value, path: [...basePath], field: null },
  ];
  while (stack.length > 0) {
    const { value: current, path, field } = stack.pop()!;
    if (typeof current === "number") {
      const range = field === null ? undefined : NUMBER_RANGES[field];
      if (range && (current < range.min || current > range.max)) {
        items.push({
          code: "unprocessable",
          message: `${field} must be between ${range.min} and ${range.max}`,
          path,
        });
      } else if (!range && options.ceiling !== undefined && Math.abs(current) >= options.ceiling) {
        items.push({
          code: "unprocessable",
          message: `Numbers in this body must stay below ${options.ceiling}; a value this long is not accepted`,
          path,
        });
      }
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => {
        stack.push({ value: item, path: [...path, String(index)], field });
      });
    } else if (current !== null && typeof current === "object") {
      for (const [key, child] of Object.entries(current as Record<string, unknown>)) {
        stack.push({ value: child, path: [...path, key], field: key });
      }
    }
  }
  return items.reverse();
}
