/**
 * The one error envelope of CactuBase: `{ success: false, errors: [{ code, message, path? }] }`.
 * Every failure, from validation to an unexpected exception, leaves the API in this shape; the
 * codes below are the project's stable, documented error codes.
 */
import { z } from "zod";
import { ERROR_CODES, type ErrorCode, type ErrorItem } from "../domain/errors";

/** HTTP status of each project error code: the one place where domain failures meet HTTP. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  origin_not_allowed: 403,
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
  audience_too_close: 409,
  audience_suppressed: 422,
  audience_budget_exhausted: 429,
  internal: 500,
  unavailable: 503,
};

export const errorItemSchema = z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    path: z.array(z.string()).optional(),
  })
  .meta({ id: "ErrorItem" });

export const errorEnvelopeSchema = z
  .object({ success: z.literal(false), errors: z.array(errorItemSchema).min(1) })
  .meta({ id: "ErrorEnvelope" });

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: `validation_failed` (path and rule named, e.g. an over-long id) or `invalid_json`",
  401: "Missing, unknown or revoked API key (`unauthorized`)",
  403: "The key's scope may not call this route (`forbidden`), or a site key's event came from an origin it does not allow (`origin_not_allowed`)",
  404: "Not found, or not visible to this key (`not_found`)",
  409: "Conflict (`conflict`, `idempotency_in_flight`, `audience_too_close`)",
  413: "Body larger than the limit (`payload_too_large`)",
  415: "The body is not JSON: send it with `Content-Type: application/json` (`unsupported_media_type`)",
  422: "Refused: `personal_data` (offending paths named), `idempotency_mismatch`, `unprocessable` or `audience_suppressed`",
  429: "Too many requests for this key and route class, or from this address without a valid key (`rate_limited`), or the partner's daily audience query budget is spent (`audience_budget_exhausted`); retry after `Retry-After` seconds",
  500: "Unexpected failure (`internal`); nothing was changed",
  503:
    "Temporarily unavailable (`unavailable`): the database, the model store or the queue did not answer, or the " +
    "model is not trained yet; nothing was changed, retry later (`Retry-After` when known)",
};

/**
 * OpenAPI `responses` entries for the given error statuses, all in the one envelope. 401, 500 and
 * 503 can happen on any route and are always included; `documentCommonErrors` (src/http/app.ts)
 * adds 400, 413 and 415 to routes with a body and 400 to routes with path parameters.
 */
export function errorResponses(...statuses: number[]) {
  const out: Record<
    string,
    { description: string; content: { "application/json": { schema: typeof errorEnvelopeSchema } } }
  > = {};
  // Every route is rate-limited (src/http/middleware/rate-limit.ts), so every route can answer 429.
  for (const status of [...new Set([...statuses, 401, 429, 500, 503])].sort((a, b) => a - b)) {
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
