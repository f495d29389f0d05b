/**
 * Console sign-in: `POST /v1/session` exchanges an admin, viewer or partner key for a short-lived
 * session cookie (HttpOnly, Secure, SameSite=Strict) and returns the CSRF token the page must send
 * on every write; `GET /v1/session` tells the page who is signed in (and the CSRF token again, after
 * a reload); `DELETE /v1/session` signs out. docs/console.md.
 */
import { contentJson } from "chanfana";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import type { AppEnv, Principal } from "../../../env";
import { closeSession, csrfTokenOf, openSession, resolveSession } from "../../../usecases/auth/sessions";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { SESSION_COOKIE } from "../../middleware/auth";
import type { Router } from "../../router";

const OpenSessionBody = z
  .strictObject({
    key: z.string().trim().min(1).max(200).describe("An admin, viewer or partner API key (or the ADMIN_TOKEN secret)"),
  })
  .meta({ id: "OpenSessionRequest" });

const SessionSchema = z
  .object({
    key_id: z.string().describe('The key the session stands for (`key_…`, or "admin-token")'),
    scope: z.enum(["admin", "viewer", "partner"]),
    company_id: z.string().nullable().describe("The partner's (or viewer's) company; null for admin keys"),
    csrf_token: z.string().describe("Send it in `X-CSRF-Token` with every POST, PUT, PATCH and DELETE"),
    expires_at: z.iso.datetime().describe("The session ends then; sign in again after"),
  })
  .meta({ id: "ConsoleSession" });

function sessionView(principal: Principal, csrfToken: string, expiresAt: number): z.infer<typeof SessionSchema> {
  return {
    key_id: principal.keyId,
    scope: principal.scope as "admin" | "viewer" | "partner",
    company_id: principal.companyId,
    csrf_token: csrfToken,
    expires_at: new Date(expiresAt).toISOString(),
  };
}

export class OpenSessionRoute extends ApiRoute {
  override schema = {
    operationId: "openSession",
    tags: ["Console session"],
    summary: "Sign in to the console with an API key",
    description:
      "Sets the `cb_session` cookie (HttpOnly, Secure, SameSite=Strict, 2 hours). The key itself is not kept " +
      "by the browser; changes made through the session are audited under the key. crm keys are refused (403).",
    security: [],
    request: { body: contentJson(OpenSessionBody) },
    responses: {
      "201": { description: "Signed in", ...contentJson(SessionSchema) },
      ...errorResponses(400, 403, 413, 415),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { body } = await this.getValidatedData<typeof this.schema>();
    const session = await openSession(c.env, body.key);
    setCookie(c, SESSION_COOKIE, session.token, {
      path: "/",
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      maxAge: Math.floor((session.expiresAt - Date.now()) / 1000),
    });
    return c.json(sessionView(session.principal, session.csrfToken, session.expiresAt), 201);
  }
}

export class GetSessionRoute extends ApiRoute {
  override schema = {
    operationId: "getSession",
    tags: ["Console session"],
    summary: "Who is signed in to the console (with the session's CSRF token)",
    responses: {
      "200": { description: "The current session", ...contentJson(SessionSchema) },
      ...errorResponses(),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const token = requireSessionToken(c);
    const { principal, expiresAt } = await resolveSession(c.env, token);
    return sessionView(principal, await csrfTokenOf(token), expiresAt);
  }
}

export class CloseSessionRoute extends ApiRoute {
  override schema = {
    operationId: "closeSession",
    tags: ["Console session"],
    summary: "Sign out of the console",
    description: "Ends the session at once and clears the cookie. Needs `X-CSRF-Token`.",
    responses: {
      "204": { description: "Signed out" },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    await closeSession(c.env, requireSessionToken(c));
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
    return c.body(null, 204);
  }
}

/** The session of the request; a bearer-key caller has none (401: the route is about sessions). */
function requireSessionToken(c: Context<AppEnv>): string {
  const token = c.get("sessionToken");
  if (!token) throw new DomainError("unauthorized", "No console session: sign in with POST /v1/session");
  return token;
}

export function registerSessionRoutes(router: Router) {
  router.post("/v1/session", OpenSessionRoute);
  router.get("/v1/session", GetSessionRoute);
  router.delete("/v1/session", CloseSessionRoute);
}
