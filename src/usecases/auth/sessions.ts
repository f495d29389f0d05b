/**
 * Console sessions: an admin, viewer or partner API key exchanged for a short-lived session, so the
 * key never stays in the browser. The session is the key's stand-in: same key id, scope and company,
 * so everything done through it is audited under the key. Only the SHA-256 of the session token is
 * stored; the CSRF token is derived from the session token (never stored), so the page can fetch it
 * again after a reload while a cross-site page, which cannot read the HttpOnly cookie, cannot.
 */
import { DomainError } from "../../domain/errors";
import type { Env, Principal } from "../../env";
import { sha256Hex, timingSafeEqual } from "../../lib/crypto";
import { newId, randomToken } from "../../lib/ids";
import { getApiKeyInfo } from "../../storage/api-keys";
import {
  deleteConsoleSession,
  deleteExpiredConsoleSessions,
  findLiveConsoleSession,
  insertConsoleSession,
} from "../../storage/console-sessions";
import { controlDb } from "../../storage/shards";
import { authenticateKey } from "./authenticate";

/** A session ends this long after sign-in, whatever happens in between (sign in again after). */
export const SESSION_TTL_MS = 2 * 60 * 60 * 1000;

/** Characters of the random session token (5 bits each: 320 bits). */
const SESSION_TOKEN_LENGTH = 64;

/** Scopes that may open a console session: crm keys belong to CRMs, not people. */
type SessionScope = "admin" | "viewer" | "partner";
const SESSION_SCOPES: ReadonlySet<string> = new Set<SessionScope>(["admin", "viewer", "partner"]);

export interface OpenedSession {
  /** Goes into the HttpOnly cookie only. */
  token: string;
  csrfToken: string;
  principal: Principal;
  expiresAt: number;
}

/** The CSRF token of a session: a one-way function of its token. */
export function csrfTokenOf(sessionToken: string): Promise<string> {
  return sha256Hex(`cactubase-console-csrf:${sessionToken}`);
}

/** True when `presented` is the CSRF token of the session (constant-time). */
export async function isCsrfTokenValid(sessionToken: string, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  return timingSafeEqual(await csrfTokenOf(sessionToken), presented);
}

/**
 * Opens a session for a presented key.
 * @throws DomainError `unauthorized` for an unknown or revoked key, `forbidden` for a crm key.
 */
export async function openSession(
  env: Pick<Env, "DB" | "ADMIN_TOKEN">,
  presentedKey: string,
  now = Date.now(),
): Promise<OpenedSession> {
  const { principal } = await authenticateKey(env, presentedKey, now);
  if (!SESSION_SCOPES.has(principal.scope)) {
    throw new DomainError("forbidden", "Only admin, viewer and partner keys can sign in to the console", ["key"]);
  }
  const token = randomToken(SESSION_TOKEN_LENGTH);
  const expiresAt = now + SESSION_TTL_MS;
  const db = controlDb(env);
  await deleteExpiredConsoleSessions(db, now);
  await insertConsoleSession(db, {
    id: newId("ses"),
    tokenHash: await sha256Hex(token),
    keyId: principal.keyId,
    scope: principal.scope as SessionScope,
    companyId: principal.companyId,
    createdAt: now,
    expiresAt,
  });
  return { token, csrfToken: await csrfTokenOf(token), principal, expiresAt };
}

/**
 * The principal of a live session. The key behind it is checked on every request, like a bearer
 * key: revoking the key ends its sessions at once.
 * @throws DomainError `unauthorized` when the session is unknown, expired, signed out or its key revoked.
 */
export async function resolveSession(
  env: Pick<Env, "DB">,
  token: string,
  now = Date.now(),
): Promise<{ principal: Principal; expiresAt: number }> {
  const db = controlDb(env);
  const session = await findLiveConsoleSession(db, await sha256Hex(token), now);
  if (!session)
    throw new DomainError("unauthorized", "The console session has expired or was signed out; sign in again");
  if (session.keyId !== "admin-token") {
    const key = await getApiKeyInfo(db, session.keyId);
    if (!key || key.revokedAt !== null) {
      throw new DomainError("unauthorized", "The key behind this console session was revoked; sign in again");
    }
  }
  return {
    principal: { keyId: session.keyId, scope: session.scope, companyId: session.companyId },
    expiresAt: session.expiresAt,
  };
}

/** Signs out: the session token stops working at once. Idempotent. */
export async function closeSession(env: Pick<Env, "DB">, token: string): Promise<void> {
  await deleteConsoleSession(controlDb(env), await sha256Hex(token));
}
