/**
 * The partner inbox's pagination cursor: opaque to partners; today the base64url of
 * {"v":1,"after":<seq>}, where `seq` is the inbox position of the last lead seen.
 */
import { DomainError } from "./errors";

/** Encodes "continue after inbox position `seq`". */
export function encodeInboxCursor(seq: number): string {
  return btoa(JSON.stringify({ v: 1, after: seq }))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The position a cursor continues after; an empty cursor starts at the beginning. Malformed: `validation_failed`. */
export function decodeInboxCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined || cursor === "") return 0;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new Error("alphabet");
    const json = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const value = JSON.parse(json) as { v?: unknown; after?: unknown };
    if (value.v === 1 && Number.isSafeInteger(value.after) && (value.after as number) >= 0)
      return value.after as number;
  } catch {
    // fall through to the error below
  }
  throw new DomainError(
    "validation_failed",
    "`cursor` is not a cursor returned by this API: pass `next_cursor` unchanged",
    ["query", "cursor"],
  );
}
