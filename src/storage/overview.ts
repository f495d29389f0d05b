/**
 * The admin overview's reads on one client shard: leads created per UTC day by receiving company
 * and service, and the state of delivery. The use case runs them on every shard and merges.
 */
import { and, count, eq, gte, lt, min, sql } from "drizzle-orm";
import type { Db } from "./db";
import { leadEvents, leads } from "./schema";

const DAY_MS = 86_400_000;

export interface DailyLeadCount {
  /** Days since the epoch (UTC). */
  day: number;
  companyId: string;
  serviceId: string;
  leads: number;
}

export interface DeliveryHealthCounts {
  /** Leads still waiting for their first delivery (webhook push pending or retrying). */
  queued: number;
  oldestQueuedAt: number | null;
  /** Leads whose pushing gave up (they stay in the inbox). */
  failed: number;
  /** Dead-lettered delivery messages in the window. */
  deadLettered: number;
}

export async function loadDailyLeadCounts(db: Db, from: number, to: number): Promise<DailyLeadCount[]> {
  const day = sql<number>`${leads.createdAt} / ${DAY_MS}`;
  return db
    .select({ day, companyId: leads.targetCompanyId, serviceId: leads.serviceId, leads: count() })
    .from(leads)
    .where(and(gte(leads.createdAt, from), lt(leads.createdAt, to)))
    .groupBy(day, leads.targetCompanyId, leads.serviceId);
}

export async function loadDeliveryHealth(db: Db, from: number, to: number): Promise<DeliveryHealthCounts> {
  const [queued, failed, deadLettered] = await db.batch([
    db
      .select({ n: count(), oldest: min(leads.createdAt) })
      .from(leads)
      .where(eq(leads.status, "queued")),
    db.select({ n: count() }).from(leads).where(eq(leads.status, "failed")),
    db
      .select({ n: count() })
      .from(leadEvents)
      .where(and(eq(leadEvents.type, "dead_lettered"), gte(leadEvents.at, from), lt(leadEvents.at, to))),
  ]);
  return {
    queued: queued[0]?.n ?? 0,
    oldestQueuedAt: queued[0]?.oldest ?? null,
    failed: failed[0]?.n ?? 0,
    deadLettered: deadLettered[0]?.n ?? 0,
  };
}
