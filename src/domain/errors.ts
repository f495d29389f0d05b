/**
 * Failures every layer may raise, as typed values with a stable project code and no transport
 * detail: the HTTP edge (src/http/errors.ts) maps each code to a status and renders the one
 * envelope; queue consumers and the cron log them.
 */

/** The project's stable error codes, documented per route in the OpenAPI document. */
export const ERROR_CODES = [
  "validation_failed",
  "invalid_json",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "idempotency_in_flight",
  "payload_too_large",
  "unsupported_media_type",
  "personal_data",
  "idempotency_mismatch",
  "unprocessable",
  "rate_limited",
  "internal",
  "unavailable",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorItem {
  code: ErrorCode;
  message: string;
  path?: string[];
}

/** A refused request or a failed precondition, named by its project code. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly items: ErrorItem[];
  /** When the caller may try again (rate limits, work in flight), in seconds. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, path?: string[], options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.items = [{ code, message, ...(path ? { path } : {}) }];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** Several problems of the same kind at once (e.g. every personal-data field of a body). */
  static many(code: ErrorCode, items: Array<{ message: string; path?: string[] }>): DomainError {
    const error = new DomainError(code, items[0]?.message ?? code);
    error.items.length = 0;
    for (const item of items)
      error.items.push({ code, message: item.message, ...(item.path ? { path: item.path } : {}) });
    return error;
  }
}

export function isDomainError(error: unknown, code?: ErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
