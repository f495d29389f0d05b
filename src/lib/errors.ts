/**
 * The one error envelope of CactuBase: `{ success: false, errors: [{ code, message, path? }] }`.
 * Every failure, from validation to an unexpected exception, leaves the API in this shape; the
 * codes below are the project's stable, documented error codes.
 */
import { z } from "zod";

export const ERROR_CODES = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_in_flight: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  personal_data: 422,
  idempotency_mismatch: 422,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorItem {
  code: ErrorCode;
  message: string;
  path?: string[];
}

/** Throw from anywhere in a request: the `onError` handler turns it into the envelope. */
export class AppError extends Error {
  readonly status: number;
  readonly items: ErrorItem[];
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, path?: string[], headers: Record<string, string> = {}) {
    super(message);
    this.status = ERROR_CODES[code];
    this.items = [{ code, message, ...(path ? { path } : {}) }];
    this.headers = headers;
  }

  /** Several problems of the same kind at once (e.g. every personal-data field of a body). */
  static many(code: ErrorCode, items: Array<{ message: string; path?: string[] }>): AppError {
    const error = new AppError(code, items[0]?.message ?? code);
    error.items.length = 0;
    for (const item of items)
      error.items.push({ code, message: item.message, ...(item.path ? { path: item.path } : {}) });
    return error;
  }
}

export const errorItemSchema = z
  .object({
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    path: z.array(z.string()).optional(),
  })
  .meta({ id: "ErrorItem" });

export const errorEnvelopeSchema = z
  .object({ success: z.literal(false), errors: z.array(errorItemSchema).min(1) })
  .meta({ id: "ErrorEnvelope" });

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: `validation_failed` (path and rule named) or `invalid_json`",
  401: "Missing, unknown or revoked API key (`unauthorized`)",
  403: "The key's scope may not call this route (`forbidden`)",
  404: "Not found, or not visible to this key (`not_found`)",
  409: "Conflict (`conflict`, `idempotency_in_flight`)",
  413: "Body larger than the limit (`payload_too_large`)",
  422: "Refused: `personal_data` (offending paths named), `idempotency_mismatch` or `unprocessable`",
  429: "Too many requests (`rate_limited`)",
  500: "Unexpected failure (`internal`); nothing was changed",
};

/** OpenAPI `responses` entries for the given error statuses, all in the one envelope. */
export function errorResponses(...statuses: number[]) {
  const out: Record<
    string,
    { description: string; content: { "application/json": { schema: typeof errorEnvelopeSchema } } }
  > = {};
  for (const status of [...new Set([...statuses, 401, 500])]) {
    out[String(status)] = {
      description: STATUS_DESCRIPTIONS[status] ?? "Error",
      content: { "application/json": { schema: errorEnvelopeSchema } },
    };
  }
  return out;
}

/** Builds the envelope response. */
export function errorResponse(status: number, items: ErrorItem[], headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ success: false, errors: items }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}
