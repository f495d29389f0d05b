/**
 * Reading a JSON body for the use cases that scan it for personal data before validating it. The
 * body is read once through Hono's cached reader, so this cooperates with any middleware that
 * read it before.
 */
import type { Context } from "hono";
import { DomainError } from "../domain/errors";
import type { AppEnv } from "../env";

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
