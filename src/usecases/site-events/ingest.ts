/**
 * `POST /v1/events`: a batch of website events sent by a site key's snippet.
 *
 * What is kept of an event is the service it shows interest in, nothing else: a page's URL is cut
 * to origin and path and matched against the company's URL rules (the longest prefix wins); a
 * `track` event may name a catalog service in `properties.service`. The URL, the properties and the
 * anonymous id in clear are never stored. Events without analytics consent are dropped (counted);
 * a message id seen in the last 24 hours is a duplicate (counted, not stored again).
 *
 * Storage: the receipts and the links live on the shard of the anonymous id's keyed hash; the
 * daily counts of a linked visitor go to its client's shard (keyed by the client's pseudonym), an
 * unlinked visitor's to the anonymous id's shard, bounded per day, folded later when linked
 * (src/usecases/site-events/link-identity.ts). Raw events (type, matched service and rule, hashed
 * visitor) go to Workers Analytics Engine when the `EVENTS` binding exists.
 */
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import {
  dayNumber,
  EVENT_DEDUP_WINDOW_MS,
  MAX_ANONYMOUS_SERVICES_PER_DAY,
  MAX_EVENT_BYTES,
  MAX_EVENTS_BATCH_BYTES,
  MAX_EVENTS_PER_BATCH,
  matchPage,
  pageKey,
  urlRuleMatcher,
  utf8Bytes,
} from "../../domain/site-events";
import type { Env, Principal } from "../../env";
import { pseudonymize } from "../../lib/crypto";
import {
  addBrowsingQueries,
  anonymousDayRowsQuery,
  type BrowsingCount,
  claimMessageIdsQueries,
  linksOfQuery,
} from "../../storage/browsing";
import type { ClientShard } from "../../storage/shards";
import { controlDb, shardOfPseudonym } from "../../storage/shards";
import { eventCatalog } from "../../storage/url-rules";
import { assertSiteOrigin } from "./origin";

const eventSchema = z
  .object({
    type: z.enum(["page", "track"]).describe("`page`: a page view; `track`: an action named by `event`"),
    message_id: z.string().min(1).max(100).describe("Unique per event: a repeat within 24 hours is a duplicate"),
    anonymous_id: z
      .string()
      .min(8)
      .max(100)
      .describe("The visitor's first-party random id (the snippet keeps it in localStorage after opt-in)"),
    timestamp: z.iso
      .datetime({ offset: true })
      .describe(
        "When the event happened in the browser (ISO 8601); informational: an event counts on the UTC day it arrives " +
          "(a browser's clock is not trusted)",
      ),
    event: z.string().max(100).optional().describe("`track` only: the action's name, e.g. `calculator_used`"),
    context: z
      .object({
        consent: z
          .object({ analytics: z.boolean().describe("The visitor opted in to analytics; false or absent: dropped") })
          .optional(),
        page: z
          .object({ url: z.string().max(2048).describe("The page's URL; only origin and path are ever matched") })
          .optional(),
      })
      .describe("Consent and page of the event; nothing else of it is read"),
    properties: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Free properties; only `service` (a catalog service code) is read, nothing is stored"),
  })
  .meta({ id: "SiteEvent" });

export const eventsBatchSchema = z
  .strictObject({
    batch: z.array(eventSchema).min(1).max(MAX_EVENTS_PER_BATCH),
  })
  .meta({ id: "SiteEventsBatch" });

export type SiteEvent = z.infer<typeof eventSchema>;

export interface IngestResult {
  /** New events (consented, not seen within 24 h). */
  accepted: number;
  /** Events whose message id was already received within 24 h (or twice in this batch). */
  duplicates: number;
  /** Events without analytics consent: neither stored nor counted anywhere else. */
  dropped: number;
}

interface Prepared {
  event: SiteEvent;
  anonymousHash: string;
  serviceId: string | null;
  serviceCode: string | null;
  rulePrefix: string | null;
}

/**
 * Checks the raw body's size and each event's size, then parses it.
 * @throws DomainError `payload_too_large` (batch over 500 KB, an event over 32 KB), `invalid_json`.
 */
export function parseEventsBody(text: string): z.infer<typeof eventsBatchSchema> {
  if (utf8Bytes(text) > MAX_EVENTS_BATCH_BYTES) {
    throw new DomainError("payload_too_large", `An events batch is at most ${MAX_EVENTS_BATCH_BYTES} bytes`);
  }
  if (text.trim() === "") throw new DomainError("invalid_json", "The request body is empty; a JSON object is expected");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DomainError("invalid_json", "The request body is not valid JSON");
  }
  const batch = (body as { batch?: unknown } | null)?.batch;
  if (Array.isArray(batch)) {
    const tooLarge = batch.flatMap((event, i) =>
      utf8Bytes(JSON.stringify(event) ?? "") > MAX_EVENT_BYTES
        ? [{ message: `An event is at most ${MAX_EVENT_BYTES} bytes`, path: ["body", "batch", String(i)] }]
        : [],
    );
    if (tooLarge.length > 0) throw DomainError.many("payload_too_large", tooLarge);
  }
  return eventsBatchSchema.parse(body);
}

/**
 * The route's use case: the origin is checked before the body is read (a foreign page learns
 * nothing about the body rules), then the body is parsed and recorded.
 */
export async function ingestSiteEventsBody(
  env: Env,
  principal: Principal,
  origin: string | null,
  text: string,
  now = Date.now(),
): Promise<IngestResult> {
  assertSiteOrigin(principal, origin);
  return ingestSiteEvents(env, principal, origin, parseEventsBody(text).batch, now);
}

/** Records a batch for the site key's company. */
export async function ingestSiteEvents(
  env: Env,
  principal: Principal,
  origin: string | null,
  batch: readonly SiteEvent[],
  now = Date.now(),
): Promise<IngestResult> {
  assertSiteOrigin(principal, origin);
  const companyId = principal.companyId;
  if (!companyId) throw new DomainError("forbidden", "This key is not bound to a company");
  if (!env.PSEUDONYM_KEY) throw new DomainError("unavailable", "Event intake is not configured on this deployment");

  let dropped = 0;
  let duplicates = 0;
  const consented: SiteEvent[] = [];
  const seen = new Set<string>();
  for (const event of batch) {
    if (event.context.consent?.analytics !== true) dropped++;
    else if (seen.has(event.message_id)) duplicates++;
    else {
      seen.add(event.message_id);
      consented.push(event);
    }
  }
  if (consented.length === 0) return { accepted: 0, duplicates, dropped };

  const catalog = await eventCatalog(controlDb(env), companyId);
  const matcher = urlRuleMatcher(catalog.rules);
  const serviceByCode = new Map(catalog.services.map((s) => [s.code, s]));
  const codeOfService = new Map(catalog.services.map((s) => [s.id, s.code]));
  const hashes = new Map<string, string>();
  for (const event of consented) {
    if (!hashes.has(event.anonymous_id)) {
      hashes.set(event.anonymous_id, await anonymousHashOf(env.PSEUDONYM_KEY, companyId, event.anonymous_id));
    }
  }
  const byShard = new Map<ClientShard, Prepared[]>();
  for (const event of consented) {
    const anonymousHash = hashes.get(event.anonymous_id)!;
    const prepared = resolveService(event, anonymousHash, matcher, serviceByCode, codeOfService);
    const shard = shardOfPseudonym(env, anonymousHash);
    const list = byShard.get(shard) ?? [];
    list.push(prepared);
    byShard.set(shard, list);
  }

  const day = dayNumber(now);
  const counts = new Map<ClientShard, Map<string, BrowsingCount>>();
  const acceptedEvents: Prepared[] = [];
  await Promise.all(
    [...byShard].map(async ([shard, events]) => {
      const claimed = await claimOnShard(shard, companyId, events, now, day);
      for (const prepared of events) {
        if (!claimed.messageIds.has(prepared.event.message_id)) {
          duplicates++;
          continue;
        }
        acceptedEvents.push(prepared);
        if (prepared.serviceId === null) continue;
        const clientHash = claimed.links.get(prepared.anonymousHash);
        if (clientHash === undefined && !claimed.admitAnonymous(prepared.anonymousHash, prepared.serviceId)) continue;
        const target = clientHash === undefined ? shard : shardOfPseudonym(env, clientHash);
        const count: BrowsingCount = {
          companyId,
          subjectKind: clientHash === undefined ? "anonymous" : "client",
          subjectHash: clientHash ?? prepared.anonymousHash,
          serviceId: prepared.serviceId,
          day,
          events: 1,
        };
        const perShard = counts.get(target) ?? new Map<string, BrowsingCount>();
        counts.set(target, perShard);
        const key = `${count.subjectKind}\u0000${count.subjectHash}\u0000${count.serviceId}`;
        const existing = perShard.get(key);
        if (existing) existing.events++;
        else perShard.set(key, count);
      }
    }),
  );
  await Promise.all(
    [...counts].map(([shard, perShard]) => {
      const queries = addBrowsingQueries(shard.db, [...perShard.values()]);
      return queries.length > 0 ? shard.db.batch(queries as [(typeof queries)[0], ...typeof queries]) : null;
    }),
  );
  writeRawEvents(env, companyId, acceptedEvents);
  return { accepted: acceptedEvents.length, duplicates, dropped };
}

/** The keyed hash of a visitor's anonymous id at a company (never stored in clear). */
export function anonymousHashOf(rootKey: string, companyId: string, anonymousId: string): Promise<string> {
  return pseudonymize(rootKey, companyId, `anonymous:${anonymousId}`);
}

function resolveService(
  event: SiteEvent,
  anonymousHash: string,
  matcher: ReturnType<typeof urlRuleMatcher>,
  serviceByCode: Map<string, { id: string; code: string }>,
  codeOfService: Map<string, string>,
): Prepared {
  const named = event.type === "track" ? event.properties?.service : undefined;
  if (typeof named === "string") {
    const service = serviceByCode.get(named);
    if (service) return { event, anonymousHash, serviceId: service.id, serviceCode: service.code, rulePrefix: null };
  }
  const key = event.context.page?.url === undefined ? null : pageKey(event.context.page.url);
  const match = key === null ? null : matchPage(matcher, key);
  if (!match) return { event, anonymousHash, serviceId: null, serviceCode: null, rulePrefix: null };
  return {
    event,
    anonymousHash,
    serviceId: match.serviceId,
    serviceCode: codeOfService.get(match.serviceId) ?? null,
    rulePrefix: match.prefix,
  };
}

/**
 * One round trip to the anonymous ids' shard: claims the message ids, reads the ids' links and
 * today's anonymous rows. `admitAnonymous` applies the per-visitor daily bound of services.
 */
async function claimOnShard(shard: ClientShard, companyId: string, events: Prepared[], now: number, day: number) {
  const db = shard.db;
  const anonymousHashes = [...new Set(events.map((e) => e.anonymousHash))];
  const claims = claimMessageIdsQueries(
    db,
    companyId,
    events.map((e) => e.event.message_id),
    now,
    EVENT_DEDUP_WINDOW_MS,
  );
  const reads = chunk(anonymousHashes, 90).flatMap((hashes) => [
    linksOfQuery(db, companyId, hashes),
    anonymousDayRowsQuery(db, companyId, hashes, day),
  ]);
  const statements = [...claims, ...reads] as unknown as Parameters<typeof db.batch>[0];
  const results: unknown[] = [...(await db.batch(statements))];
  const messageIds = new Set<string>();
  for (const rows of results.slice(0, claims.length) as Array<Array<{ messageId: string }>>) {
    for (const row of rows) messageIds.add(row.messageId);
  }
  const links = new Map<string, string>();
  const servicesToday = new Map<string, Set<string>>();
  const readResults = results.slice(claims.length);
  for (let i = 0; i < readResults.length; i += 2) {
    for (const link of readResults[i] as Array<{ anonymousHash: string; clientHash: string }>) {
      links.set(link.anonymousHash, link.clientHash);
    }
    for (const row of readResults[i + 1] as Array<{ subjectHash: string; serviceId: string }>) {
      const set = servicesToday.get(row.subjectHash) ?? new Set<string>();
      set.add(row.serviceId);
      servicesToday.set(row.subjectHash, set);
    }
  }
  const admitAnonymous = (anonymousHash: string, serviceId: string): boolean => {
    const set = servicesToday.get(anonymousHash) ?? new Set<string>();
    servicesToday.set(anonymousHash, set);
    if (set.has(serviceId)) return true;
    if (set.size >= MAX_ANONYMOUS_SERVICES_PER_DAY) return false;
    set.add(serviceId);
    return true;
  };
  return { messageIds, links, admitAnonymous };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * One data point per accepted event in Workers Analytics Engine, when bound: the event's type, the
 * matched service and rule (never the URL, never a free-text name), and the visitor's keyed hash;
 * indexed by company.
 */
function writeRawEvents(env: Env, companyId: string, events: readonly Prepared[]): void {
  const dataset = env.EVENTS;
  if (!dataset) return;
  for (const prepared of events) {
    dataset.writeDataPoint({
      indexes: [companyId],
      blobs: [prepared.event.type, prepared.serviceCode ?? "", prepared.rulePrefix ?? "", prepared.anonymousHash],
      doubles: [1],
    });
  }
}
