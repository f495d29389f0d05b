/**
 * The partner inbox's pagination cursor: opaque to partners; today the base64url of
 * {"v":2,"after":[<seq of shard 0>, <seq of shard 1>, …]}: per client shard, the inbox position of the
 * last lead seen there. A shard missing from the cursor (one added since) starts at its beginning.
 */
import { DomainError } from "./errors";

/** Encodes "continue after these inbox positions", one per shard. */
export function encodeInboxCursor(positions: readonly number[]): string {
  return btoa(JSON.stringify({ v: 2, after: positions }))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * The positions a cursor continues after, one per shard of `shardCount`; an empty cursor starts at
 * the beginning of every shard. Malformed: `validation_failed`.
 */
export function decodeInboxCursor(cursor: string | null | undefined, shardCount: number): number[] {
  const positions = new Array<number>(shardCount).fill(0);
  if (cursor === null || cursor === undefined || cursor === "") return positions;
  try {
    if (!/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) throw new Error("alphabet");
    const json = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const value = JSON.parse(json) as { v?: unknown; after?: unknown };
    if (
      value.v === 2 &&
      Array.isArray(value.after) &&
      value.after.length <= 1024 &&
      value.after.every((seq) => Number.isSafeInteger(seq) && seq >= 0)
    ) {
      for (let shard = 0; shard < shardCount; shard++) positions[shard] = (value.after[shard] as number) ?? 0;
      return positions;
    }
  } catch {
    // fall through to the error below
  }
  throw new DomainError(
    "validation_failed",
    "`cursor` is not a cursor returned by this API: pass `next_cursor` unchanged",
    ["query", "cursor"],
  );
}

/** A lead of one shard's inbox page, as far as merging cares. */
export interface InboxPosition {
  createdAt: number;
  seq: number;
}

/**
 * Merges the shards' pages (each ascending by `seq`, each holding up to `limit + 1` leads after its
 * position) into one page of at most `limit`, oldest first, and the positions to continue from. A
 * shard's position only moves over leads that were returned, so a poll never skips a lead.
 */
export function mergeInboxPages<T extends InboxPosition>(
  pages: readonly (readonly T[])[],
  positions: readonly number[],
  limit: number,
): { items: T[]; positions: number[]; hasMore: boolean } {
  const next = [...positions];
  const heads = pages.map(() => 0);
  const items: T[] = [];
  while (items.length < limit) {
    let best = -1;
    for (let shard = 0; shard < pages.length; shard++) {
      const candidate = pages[shard][heads[shard]];
      if (!candidate) continue;
      const current = best === -1 ? undefined : pages[best][heads[best]];
      if (!current || candidate.createdAt < current.createdAt) best = shard;
    }
    if (best === -1) break;
    const lead = pages[best][heads[best]++];
    items.push(lead);
    next[best] = lead.seq;
  }
  const hasMore = pages.some((page, shard) => heads[shard] < page.length);
  return { items, positions: next, hasMore };
}
