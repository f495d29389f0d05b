import { expect } from "vitest";
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
  return id;
}

export type CandidateFixture = Omit<typeof scoredCandidates.$inferInsert, "id" | "threshold" | "at"> & {
  threshold?: number;
  at?: number;
};

/** Inserts scored candidates (as the lead call records them). */
export async function seedCandidates(rows: CandidateFixture[]): Promise<void> {
  const now = Date.now();
  for (const row of rows) {
    await shardDbOf(row.clientId)
      .insert(scoredCandidates)
      .values({ threshold: 70, at: now - 60_000, ...row });
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
