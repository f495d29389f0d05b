import type { MiddlewareHandler } from "hono";
import { DomainError } from "../../domain/errors";
import type { AppEnv } from "../../env";
import { SITE_EVENTS_PATH } from "./site-events";

/** `application/json`, or any `+json` type, with optional parameters (charset). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Every CactuBase route that reads a body reads JSON: a body of another media type (a form, plain
 * text, or none declared) is refused with `415 unsupported_media_type` before any route parses it,
 * so it changes nothing. Requests without a body pass.
 */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { method } = c.req;
  // The website snippet sends JSON as text/plain: `navigator.sendBeacon` cannot set another type
  // without a CORS preflight. The route parses it as JSON all the same.
  if (c.req.path === SITE_EVENTS_PATH && /^text\/plain\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
    return next();
  }
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return next();
  const length = c.req.header("content-length");
  const hasBody =
    c.req.raw.body !== null && length !== "0" && (length !== undefined || c.req.header("transfer-encoding"));
  if (!hasBody) return next();
  const type = c.req.header("content-type") ?? "";
  if (!JSON_MEDIA_TYPE.test(type)) {
    throw new DomainError(
      "unsupported_media_type",
      type
        ? `Content-Type ${type.split(";")[0]} is not accepted: send the body as application/json`
        : "The body has no Content-Type: send it as application/json",
      ["header", "content-type"],
    );
  }
  return next();
};
