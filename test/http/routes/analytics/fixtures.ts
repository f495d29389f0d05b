/**
 * Fixtures of the learning-loop tests: clients through the intake API (so they carry the real
 * pseudonym), leads, scored candidates and deals written straight into the client's shard, and the
 * deal call.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { expect } from "vitest";
import { type RollupOutcome, stageRollupIncrements } from "../../../../src/storage/candidate-rollups";
import { deals, leads, scoredCandidates } from "../../../../src/storage/schema";
import { newClientOwnedId, requireSlotOfId, SLOT_COUNT } from "../../../../src/storage/shards";
import { allShardsD1 } from "../../../all-shards";
import { api, shardD1Of, shardDbOf } from "../../../harness";

/** Creates (or updates) a client through PUT /v1/clients and returns its internal id (`client_ref`). */
export async function putClient(
  crmKey: string,
  externalId: string,
  services: Record<string, 1 | -1> = {},
): Promise<string> {
  const res = await api("PUT", `/v1/clients/${externalId}`, {
    key: crmKey,
    body: { age: 34, monthly_income: 150000, region: "msk", gender: "female", needs: ["housing"], services },
  });
  expect([200, 201]).toContain(res.status);
  return res.body.client_ref as string;
}

export interface LeadFixture {
  clientId: string;
  serviceId: string;
  sourceCompanyId: string;
  targetCompanyId: string;
  rating?: number;
  status?: (typeof leads.$inferInsert)["status"];
  createdAt?: number;
  deliveredAt?: number | null;
  acknowledgedAt?: number | null;
  outcomeAt?: number | null;
  /** Also count the lead's candidate (decision `lead`) in the daily rollup, as the lead call does. */
  rolledUp?: boolean;
}

/** The rollup's outcome code of a lead status. */
function outcomeOfStatus(status: string | null | undefined): RollupOutcome {
  return status === "accepted" ? 1 : status === "declined" ? -1 : 0;
}

/** Inserts a lead row (as the lead call would have created it) and returns its id. */
export async function seedLead(fixture: LeadFixture): Promise<string> {
  const id = newClientOwnedId("ld", requireSlotOfId(fixture.clientId));
  const createdAt = fixture.createdAt ?? Date.now() - 60_000;
  await shardDbOf(fixture.clientId)
    .insert(leads)
    .values({
      id,
      clientId: fixture.clientId,
      serviceId: fixture.serviceId,
      sourceCompanyId: fixture.sourceCompanyId,
      targetCompanyId: fixture.targetCompanyId,
      rating: fixture.rating ?? 80,
      status: fixture.status ?? "queued",
      payload: "{}",
      routing: "{}",
      deliveredAt: fixture.deliveredAt ?? null,
      acknowledgedAt: fixture.acknowledgedAt ?? null,
      outcomeAt: fixture.outcomeAt ?? null,
      createdAt,
      updatedAt: createdAt,
    });
  if (fixture.rolledUp) {
    const shard = shardDbOf(fixture.clientId);
    await shard.batch(
      stageRollupIncrements(shard, [
        {
          at: createdAt,
          companyId: fixture.targetCompanyId,
          serviceId: fixture.serviceId,
          rating: fixture.rating ?? 80,
          decision: "lead",
          outcome: outcomeOfStatus(fixture.status),
        },
      ]) as [BatchItem<"sqlite">],
    );
  }
  return id;
}

export type CandidateFixture = Omit<typeof scoredCandidates.$inferInsert, "id" | "threshold" | "at"> & {
  threshold?: number;
  at?: number;
};

/**
 * Inserts scored candidates and counts them in the daily rollup (as the lead call records them), a
 * candidate with a lead under its lead's current standing outcome.
 */
export async function seedCandidates(rows: CandidateFixture[]): Promise<void> {
  const now = Date.now();
  for (const row of rows) {
    const values = { threshold: 70, at: now - 60_000, ...row };
    const shard = shardDbOf(row.clientId);
    await shard.insert(scoredCandidates).values(values);
    const lead = row.leadId
      ? await shardD1Of(row.leadId)
          .prepare("SELECT status FROM leads WHERE id = ?1")
          .bind(row.leadId)
          .first<{ status: string }>()
      : null;
    await shard.batch(
      stageRollupIncrements(shard, [
        {
          at: values.at,
          companyId: values.companyId,
          serviceId: values.serviceId,
          rating: values.rating,
          decision: values.decision,
          outcome: outcomeOfStatus(lead?.status),
        },
      ]) as [BatchItem<"sqlite">],
    );
  }
}

export type DealFixture = Omit<typeof deals.$inferInsert, "id" | "createdAt" | "reportedBy"> & {
  reportedBy?: "crm" | "partner" | "admin";
  createdAt?: number;
};

/** Inserts a deal row directly (history that predates the test's API calls). */
export async function seedDeal(fixture: DealFixture): Promise<string> {
  const id = newClientOwnedId("dl", requireSlotOfId(fixture.clientId));
  await shardDbOf(fixture.clientId)
    .insert(deals)
    .values({ id, reportedBy: "crm", createdAt: fixture.createdAt ?? Date.now(), ...fixture });
  return id;
}

let keyCounter = 0;

/** POST /v1/deals with a fresh Idempotency-Key unless one is given. */
export function postDeal(crmKey: string | null, body: unknown, idempotencyKey?: string | null) {
  const key = idempotencyKey === undefined ? `test-deal-${Date.now()}-${++keyCounter}` : idempotencyKey;
  return api("POST", "/v1/deals", {
    key: crmKey,
    body,
    headers: key === null ? {} : { "idempotency-key": key },
  });
}

/** Row counts of the tables a deal write touches. */
export async function dealTableCounts() {
  const row = await allShardsD1
    .prepare(
      `SELECT (SELECT COUNT(*) FROM deals) AS deals,
            (SELECT COUNT(*) FROM interactions) AS interactions,
            (SELECT COUNT(*) FROM interaction_history) AS history,
            (SELECT COUNT(*) FROM lead_events) AS lead_events`,
    )
    .first<{ deals: number; interactions: number; history: number; lead_events: number }>();
  return row!;
}

/** The current interaction cell of a client and service, or null. */
export async function cell(clientId: string, serviceId: string) {
  return allShardsD1
    .prepare("SELECT value, source, at FROM interactions WHERE client_id = ?1 AND service_id = ?2")
    .bind(clientId, serviceId)
    .first<{ value: number; source: string; at: number }>();
}

/** Inserts a bare client row (for bulk fixtures that need no CRM id) and returns its id. */
export async function seedClientRow(companyId: string): Promise<string> {
  const id = newClientOwnedId("cl", Math.floor(Math.random() * SLOT_COUNT));
  const now = Date.now();
  await shardD1Of(id)
    .prepare(
      "INSERT INTO clients (id, company_id, external_hash, age, monthly_income, region, needs, created_at, updated_at) VALUES (?1, ?2, ?3, 30, 100000, 'msk', '[]', ?4, ?4)",
    )
    .bind(id, companyId, `hash-${id}`, now)
    .run();
  return id;
}
