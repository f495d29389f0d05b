/**
 * Input validation rules shared by every use case that takes a request body: schema failures
 * become `validation_failed` items naming the offending path (an unknown field at its own path),
 * and several inputs are checked together so that one answer lists every problem.
 */
import type { z } from "zod";
import { DomainError, type ErrorItem } from "./errors";

/**
 * Validation error items of `issues`, with paths under `basePath`. An unknown field is reported at
 * its own path (zod reports it at the parent object), and no message repeats the submitted value.
 */
export function validationIssues(issues: readonly z.core.$ZodIssue[], basePath: readonly string[]): ErrorItem[] {
  const items: ErrorItem[] = [];
  for (const issue of issues) {
    const path = [...basePath, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        items.push({
          code: "validation_failed",
          message: "Unknown field: only the documented fields are accepted",
          path: [...path, key],
        });
      }
    } else {
      items.push({ code: "validation_failed", message: issue.message, path });
    }
  }
  return items;
}

/** Result of validating one input: the data, or the error items (never both). */
export type Checked<T> = { ok: true; data: T } | { ok: false; errors: ErrorItem[] };

/** Validates `value` against `schema`, collecting error items instead of throwing. */
export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  basePath: readonly string[],
): Checked<z.output<S>> {
  const result = schema.safeParse(value);
  return result.success
    ? { ok: true, data: result.data }
    : { ok: false, errors: validationIssues(result.error.issues, basePath) };
}

/** One input to validate: its schema, the raw value and where it sits in the request. */
export type InputSpec = readonly [schema: z.ZodType, value: unknown, basePath: readonly string[]];

/**
 * Validates several inputs together (e.g. a path parameter and the body) and returns their parsed
 * values, or throws one `validation_failed` listing every problem of all of them.
 */
export function validateAll<T extends Record<string, InputSpec>>(inputs: T): { [K in keyof T]: z.output<T[K][0]> } {
  const out: Record<string, unknown> = {};
  const errors: ErrorItem[] = [];
  for (const [name, [schema, value, basePath]] of Object.entries(inputs)) {
    const checked = check(schema, value, basePath);
    if (checked.ok) out[name] = checked.data;
    else errors.push(...checked.errors);
  }
  if (errors.length > 0) throw DomainError.many("validation_failed", errors);
  return out as { [K in keyof T]: z.output<T[K][0]> };
}

/**
 * Throws one `validation_failed` naming every code of a `services` map (at
 * ["body", "services", code]) that `isKnown` does not recognise.
 */
export function assertKnownServiceCodes(codes: readonly string[], isKnown: (code: string) => boolean): void {
  const unknown = codes.filter((code) => !isKnown(code));
  if (unknown.length > 0) {
    throw DomainError.many(
      "validation_failed",
      unknown.map((code) => ({ message: "Unknown service code", path: ["body", "services", code] })),
    );
  }
}
