import { type ApiException, InputValidationException, MultiException, OpenAPIRoute } from "chanfana";
import { z } from "zod";
import { AppError } from "../../lib/errors";

/**
 * Base of the partner inbox routes. chanfana's Hono adapter turns its validation errors into bare
 * HTTP exceptions before the app's error handler sees them, losing each rule's message and path;
 * this base hands them over as `AppError`s instead, so every failed rule comes back as
 * `validation_failed` with its message and path (e.g. ["body", "amount"]). A body that is not JSON
 * is `invalid_json` (chanfana would silently validate it as `{}`).
 */
export class PartnerRoute extends OpenAPIRoute {
  protected override handleError(error: unknown): unknown {
    if (error instanceof MultiException) return AppError.many("validation_failed", error.errors.map(validationItem));
    if (error instanceof InputValidationException) return AppError.many("validation_failed", [validationItem(error)]);
    if (error instanceof z.ZodError) {
      return AppError.many(
        "validation_failed",
        error.issues.map((issue) => ({ message: issue.message, path: issue.path.map(String) })),
      );
    }
    return error;
  }

  override async validateRequest(request: Request) {
    const hasJsonBody = this.getSchemaZod().request?.body?.content?.["application/json"]?.schema !== undefined;
    if (hasJsonBody && !["GET", "HEAD"].includes(request.method.toUpperCase())) {
      const text = await request.clone().text();
      try {
        JSON.parse(text);
      } catch {
        throw new AppError(
          "invalid_json",
          text.trim() === "" ? "The request body is empty" : "The request body is not valid JSON",
        );
      }
    }
    return super.validateRequest(request);
  }
}

function validationItem(error: ApiException): { message: string; path?: string[] } {
  // chanfana types `path` as null although it carries the issue path.
  const raw: unknown = error instanceof InputValidationException ? error.path : undefined;
  const path = Array.isArray(raw) ? raw.map(String) : undefined;
  return { message: error.message || "Invalid value", ...(path ? { path } : {}) };
}
