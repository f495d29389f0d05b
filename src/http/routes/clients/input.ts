/**
 * Request input helpers for routes that must scan a body for personal data before validating it
 * (client intake; also usable by the lead call and the recommendation preview). They read the body
 * once through Hono's cached reader, so they cooperate with any middleware that read it before.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { DomainError, type ErrorItem } from "../../../domain/errors";
import type { AppEnv, Env } from "../../../env";
import { pseudonymize } from "../../../lib/crypto";

/**
 * The parsed JSON body. An empty or malformed body is 400 `invalid_json` (chanfana's own reader
 * would silently treat it as `{}` and report missing fields instead).
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") throw new DomainError("invalid_json", "The request body is empty; a JSON object is expected");
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError("invalid_json", "The request body is not valid JSON");
  }
}

/**
 * Validation error items of `value` against `schema`, with paths under `basePath`. An unknown
 * field is reported at its own path (zod reports it at the parent object), and no message
 * repeats the submitted value.
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
 * values, or throws one 400 `validation_failed` listing every problem of all of them.
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
 * The keyed hash under which a company's CRM id is stored. Refuses to run without the root key:
 * an empty HMAC key would make the pseudonyms guessable.
 */
export async function externalIdHash(env: Env, companyId: string, externalId: string): Promise<string> {
  if (!env.PSEUDONYM_KEY) {
    throw new DomainError("unavailable", "Client intake is not configured on this deployment; nothing was stored");
  }
  return pseudonymize(env.PSEUDONYM_KEY, companyId, externalId);
}

/**
 * Throws one 400 `validation_failed` naming every code of a `services` map (at
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
