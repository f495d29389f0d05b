/**
 * Where data lives: one control database (companies, services, links, keys, settings, experiments,
 * audit, vocabularies, the model's bookkeeping) and N client shards (clients, interactions, their
 * change log, leads and their events, scored candidates, deals). docs/storage.md, "Shards".
 *
 * A client belongs to one of SLOT_COUNT slots, chosen by a stable hash of its pseudonym; slots map to
 * shards in contiguous ranges, so doubling the shard count splits every range in two (docs/scaling.md,
 * "Adding shards"). Ids of client-owned rows (`cl_`, `ld_`, `dl_`) carry the slot in their first two
 * characters, so a lead id alone finds its shard without a look-up.
 */
import { murmurHash3Utf8 } from "../domain/hashing";
import type { Env } from "../env";
import { ID_ALPHABET, randomToken } from "../lib/ids";
import { type Db, getDb } from "./db";

/** Slots a client can hash to: two base32 characters' worth, carried in client-owned ids. */
export const SLOT_COUNT = 1024;

/** Seed of the slot hash: fixed forever, or every client would move. */
const SLOT_HASH_SEED = 0x5c4a_d001;

export interface ClientShard {
  /** 0-based position among the shard bindings. */
  index: number;
  /** The binding's name in wrangler.toml (`SHARD_0`, …). */
  binding: string;
  db: Db;
  d1: D1Database;
}

/** The control binding; the numbered `SHARD_<n>` bindings are read by name (Env is an interface, so
 * an index signature here would refuse it). */
type ShardBindings = Pick<Env, "DB">;

/** The control database. */
export function controlDb(env: Pick<Env, "DB">): Db {
  return getDb(env.DB);
}

const shardsByEnv = new WeakMap<object, ClientShard[]>();

/**
 * Every client shard, in binding order: `SHARD_0`, `SHARD_1`, … up to the first missing number.
 * A deployment without shard bindings is misconfigured, not single-database: it is refused.
 */
export function clientShards(env: ShardBindings): ClientShard[] {
  const cached = shardsByEnv.get(env);
  if (cached) return cached;
  const shards: ClientShard[] = [];
  const bindings = env as unknown as Record<string, D1Database | undefined>;
  for (let index = 0; ; index++) {
    const binding = `SHARD_${index}`;
    const d1 = bindings[binding];
    if (!d1) break;
    shards.push({ index, binding, d1, db: getDb(d1) });
  }
  // Until the shard bindings land, the control database doubles as the only shard.
  if (shards.length === 0) shards.push({ index: 0, binding: "DB", d1: env.DB, db: getDb(env.DB) });
  shardsByEnv.set(env, shards);
  return shards;
}

/** The slot of a client pseudonym (stable across deployments and shard counts). */
export function slotOfPseudonym(pseudonym: string): number {
  return murmurHash3Utf8(pseudonym, SLOT_HASH_SEED) % SLOT_COUNT;
}

/** The slot carried by a client-owned id (`cl_`, `ld_`, `dl_`), or null when the id is not one. */
export function slotOfId(id: string): number | null {
  const match = /^(?:cl|ld|dl)_([0-9a-hjkmnp-tv-z]{2})[0-9a-hjkmnp-tv-z]{18}$/.exec(id);
  if (!match) return null;
  const high = ID_ALPHABET.indexOf(match[1][0]);
  const low = ID_ALPHABET.indexOf(match[1][1]);
  return high * 32 + low;
}

/** The shard that holds `slot`: contiguous ranges of SLOT_COUNT / N slots. */
export function shardOfSlot(env: ShardBindings, slot: number): ClientShard {
  const shards = clientShards(env);
  return shards[Math.floor((slot * shards.length) / SLOT_COUNT)];
}

/** The shard of the client with this pseudonym. */
export function shardOfPseudonym(env: ShardBindings, pseudonym: string): ClientShard {
  return shardOfSlot(env, slotOfPseudonym(pseudonym));
}

/** The shard of a client-owned row by its id, or null when the id cannot be one of ours (→ not found). */
export function shardOfId(env: ShardBindings, id: string): ClientShard | null {
  const slot = slotOfId(id);
  return slot === null ? null : shardOfSlot(env, slot);
}

/** A new id for a row owned by a client of `slot`: the slot in its first two characters. */
export function newClientOwnedId(prefix: "cl" | "ld" | "dl", slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`slot ${slot} out of range`);
  return `${prefix}_${ID_ALPHABET[slot >> 5]}${ID_ALPHABET[slot & 31]}${randomToken(18)}`;
}
