/**
 * The admin console's overview: leads per day by receiving company and category over the last
 * days, and delivery health (waiting, failed, dead-lettered, the oldest undelivered lead). Client
 * data is read on every shard and merged; names come from the control database.
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { loadCatalogNames } from "../../storage/analytics";
import { type DeliveryHealthCounts, loadDailyLeadCounts, loadDeliveryHealth } from "../../storage/overview";
import { clientShards, controlDb } from "../../storage/shards";

const DAY_MS = 86_400_000;
export const OVERVIEW_MAX_DAYS = 90;

export interface OverviewReport {
  window: { from: number; to: number };
  /** One row per (day, company, category) with leads, oldest day first. */
  leadsPerDay: Array<{ day: string; companyId: string; companyName: string; category: string; leads: number }>;
  delivery: DeliveryHealthCounts;
}

/** The last `days` UTC days, today included. */
export async function overviewReport(env: Env, days: number, now = Date.now()): Promise<OverviewReport> {
  if (!Number.isInteger(days) || days < 1 || days > OVERVIEW_MAX_DAYS) {
    throw new DomainError("validation_failed", `days must be a whole number from 1 to ${OVERVIEW_MAX_DAYS}`, ["days"]);
  }
  const to = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  const from = to - days * DAY_MS;
  // Env is an interface (no index signature), so it does not match the seam's SHARD_n record type as is.
  const shards = clientShards(env as unknown as Parameters<typeof clientShards>[0]);
  const [catalog, counts, health] = await Promise.all([
    loadCatalogNames(controlDb(env)),
    Promise.all(shards.map((shard) => loadDailyLeadCounts(shard.db, from, to))),
    Promise.all(shards.map((shard) => loadDeliveryHealth(shard.db, from, to))),
  ]);

  const rows = new Map<string, OverviewReport["leadsPerDay"][number]>();
  for (const row of counts.flat()) {
    const category = catalog.services.get(row.serviceId)?.category ?? "unknown";
    const day = new Date(row.day * DAY_MS).toISOString().slice(0, 10);
    const key = `${day}|${row.companyId}|${category}`;
    const existing = rows.get(key);
    if (existing) existing.leads += row.leads;
    else {
      const companyName = catalog.companies.get(row.companyId)?.name ?? row.companyId;
      rows.set(key, { day, companyId: row.companyId, companyName, category, leads: row.leads });
    }
  }
  const leadsPerDay = [...rows.values()].sort(
    (a, b) =>
      a.day.localeCompare(b.day) || a.companyId.localeCompare(b.companyId) || a.category.localeCompare(b.category),
  );
  const delivery = health.reduce<DeliveryHealthCounts>(
    (sum, shard) => ({
      queued: sum.queued + shard.queued,
      failed: sum.failed + shard.failed,
      deadLettered: sum.deadLettered + shard.deadLettered,
      oldestQueuedAt:
        shard.oldestQueuedAt === null
          ? sum.oldestQueuedAt
          : Math.min(sum.oldestQueuedAt ?? shard.oldestQueuedAt, shard.oldestQueuedAt),
    }),
    { queued: 0, failed: 0, deadLettered: 0, oldestQueuedAt: null },
  );
  return { window: { from, to }, leadsPerDay, delivery };
}
