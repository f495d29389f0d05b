import { ApiException, InputValidationException, MultiException } from "chanfana";
import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { DomainError, type ErrorCode, type ErrorItem } from "../domain/errors";
import type { AppEnv } from "../env";
import { errorResponse, HTTP_STATUS } from "./errors";

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "validation_failed",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  503: "unavailable",
};

function validationItems(errors: ApiException[]): ErrorItem[] {
  return errors.map((e) => {
    const path =
      e instanceof InputValidationException && Array.isArray(e.path) ? (e.path as string[]).map(String) : undefined;
    return { code: "validation_failed", message: e.message || "Invalid value", ...(path ? { path } : {}) };
  });
}

/** Maps any thrown value to the one error envelope; unexpected errors are logged without request data. */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof DomainError) {
    const headers: Record<string, string> =
      error.retryAfterSeconds === undefined ? {} : { "retry-after": String(Math.ceil(error.retryAfterSeconds)) };
    return errorResponse(HTTP_STATUS[error.code], error.items, headers);
  }
  if (error instanceof MultiException) {
    const status = error.status === 400 ? 400 : error.status;
    return errorResponse(status, validationItems(error.errors));
  }
  if (error instanceof InputValidationException) return errorResponse(400, validationItems([error]));
  if (error instanceof z.ZodError) {
    return errorResponse(
      400,
      error.issues.map((issue) => ({
        code: "validation_failed",
        message: issue.message,
        path: issue.path.map(String),
      })),
    );
  }
  if (error instanceof SyntaxError) {
    return errorResponse(400, [{ code: "invalid_json", message: "The request body is not valid JSON" }]);
  }
  if (error instanceof ApiException && error.status < 500) {
    const code = CODE_BY_STATUS[error.status] ?? "unprocessable";
    return errorResponse(error.status, [{ code, message: error.message || code }]);
  }
  if (error instanceof HTTPException && error.status < 500) {
    const code = CODE_BY_STATUS[error.status] ?? "unprocessable";
    return errorResponse(error.status, [{ code, message: error.message || code }]);
  }
  console.error(
    "unhandled error",
    error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error),
  );
  return errorResponse(HTTP_STATUS.internal, [
    { code: "internal", message: "Internal error; nothing was changed by this request" },
  ]);
}

export const onError: ErrorHandler<AppEnv> = (error) => toErrorResponse(error);
