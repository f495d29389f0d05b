import { OpenAPIRoute } from "chanfana";
import { DomainError } from "../domain/errors";

/**
 * Base of the routes whose body chanfana validates. chanfana reads a malformed JSON body as `{}`
 * and would report missing fields; this base answers `invalid_json` instead. Validation failures
 * themselves reach `app.onError` untouched (`passthroughErrors`), which renders each failed rule as
 * `validation_failed` with its message and path.
 */
export class ApiRoute extends OpenAPIRoute {
  override async validateRequest(request: Request) {
    const hasJsonBody = this.getSchemaZod().request?.body?.content?.["application/json"]?.schema !== undefined;
    if (hasJsonBody && !["GET", "HEAD"].includes(request.method.toUpperCase())) {
      const text = await request.clone().text();
      try {
        JSON.parse(text);
      } catch {
        throw new DomainError(
          "invalid_json",
          text.trim() === "" ? "The request body is empty" : "The request body is not valid JSON",
        );
      }
    }
    return super.validateRequest(request);
  }
}
