/**
 * A small bank-and-partners world for the recommender tests: a catalog with business links, a
 * paused company and an inactive service, and synthetic clients written through the real client
 * intake (`PUT /v1/clients/{external_id}`), so every write goes through the change log.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { companies } from "../../../../src/storage/schema";
import { allShardsD1 } from "../../../all-shards";
import { api, db, seedCompany, seedKey, seedLink, seedService } from "../../../harness";

/** The catalog: code, owner, category, and whether it is active. */
export const CATALOG = [
  { code: "debit_card", owner: "bank", category: "cards" },
  { code: "credit_card", owner: "bank", category: "cards" },
  { code: "mortgage", owner: "bank", category: "loans" },
  { code: "car_loan", owner: "bank", category: "loans" },
  { code: "deposit", owner: "bank", category: "savings" },
  { code: "property_insurance", owner: "insurer", category: "insurance" },
  { code: "car_insurance", owner: "insurer", category: "insurance" },
  { code: "life_insurance", owner: "insurer", category: "insurance" },
  { code: "fitness_pass", owner: "gym", category: "lifestyle" },
  { code: "old_card", owner: "bank", category: "cards", active: false },
] as const;

export type ServiceCode = (typeof CATALOG)[number]["code"];

/** Deterministic uniform [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface World {
  bank: { id: string; name: string };
  insurer: { id: string; name: string };
  gym: { id: string; name: string };
  /** crm keys of the bank and of the insurer. */
  bankCrm: string;
  insurerCrm: string;
  serviceIds: Record<ServiceCode, string>;
}

/** Seeds the companies, keys, catalog and links (the gym is paused only after clients exist, see `pauseGym`). */
export async function seedWorld(): Promise<World> {
  const bank = await seedCompany({ name: "Expobank", kind: "bank" });
  const insurer = await seedCompany({ name: "Safe Insurance" });
  const gym = await seedCompany({ name: "City Gym" });
  const owners = { bank, insurer, gym };
  const serviceIds = {} as Record<ServiceCode, string>;
  for (const entry of CATALOG) {
    const row = await seedService(owners[entry.owner].id, {
      code: entry.code,
      name: entry.code.replace(/_/g, " "),
      category: entry.category,
      active: "active" in entry ? entry.active : true,
    });
    serviceIds[entry.code] = row.id;
  }
  await seedLink(serviceIds.mortgage, serviceIds.property_insurance, 0.9);
  await seedLink(serviceIds.car_loan, serviceIds.car_insurance, 0.8);
  return {
    bank: { id: bank.id, name: bank.name },
    insurer: { id: insurer.id, name: insurer.name },
    gym: { id: gym.id, name: gym.name },
    bankCrm: (await seedKey("crm", bank.id)).key,
    insurerCrm: (await seedKey("crm", insurer.id)).key,
    serviceIds,
  };
}

/** Pauses the gym (its services must not be recommended). */
export async function pauseGym(world: World) {
  await db().update(companies).set({ status: "paused" }).where(eq(companies.id, world.gym.id));
}

/** A client body for client intake. */
export interface ClientBody {
  age: number;
  monthly_income: number;
  region: string;
  gender?: "female" | "male" | null;
  needs?: string[];
  /** Catalog codes, or services a test creates itself. */
  services?: Partial<Record<ServiceCode, 1 | -1>> & Record<string, 1 | -1>;
}

/** Synthetic clients with the usual cross-sell patterns (mortgage → property insurance, car loan → car insurance…). */
export function syntheticClients(count: number, seed: number, prefix = "crm"): Array<{ id: string; body: ClientBody }> {
  const next = random(seed);
  const regions = ["msk", "spb", "kazan"];
  const out: Array<{ id: string; body: ClientBody }> = [];
  for (let i = 0; i < count; i++) {
    const needs: string[] = [];
    for (const need of ["housing", "car", "travel", "savings"]) if (next() < 0.35) needs.push(need);
    const services: Partial<Record<ServiceCode, 1 | -1>> = {};
    if (next() < 0.8) services.debit_card = 1;
    if (needs.includes("housing") && next() < 0.7) {
      services.mortgage = 1;
      if (next() < 0.75) services.property_insurance = 1;
    }
    if (needs.includes("car") && next() < 0.6) {
      services.car_loan = 1;
      services[next() < 0.7 ? "car_insurance" : "life_insurance"] = 1;
    }
    if (needs.includes("travel")) services.credit_card = next() < 0.6 ? 1 : -1;
    if (needs.includes("savings") && next() < 0.6) services.deposit = 1;
    if (next() < 0.15) services.fitness_pass = 1;
    if (next() < 0.1) services.life_insurance = -1;
    out.push({
      id: `${prefix}-${String(i).padStart(4, "0")}`,
      body: {
        age: 20 + Math.floor(next() * 50),
        monthly_income: Math.round(20_000 + next() * 380_000),
        region: regions[Math.floor(next() * regions.length)],
        gender: next() < 0.5 ? "female" : "male",
        needs,
        services,
      },
    });
  }
  return out;
}

/** Writes a client through client intake and checks it was accepted. */
export async function putClient(key: string, externalId: string, body: ClientBody) {
  const result = await api("PUT", `/v1/clients/${externalId}`, { key, body });
  expect([200, 201], JSON.stringify(result.body)).toContain(result.status);
  return result.body;
}

/** Writes many clients through the batch intake (100 per call). */
export async function putClients(key: string, clients: ReadonlyArray<{ id: string; body: ClientBody }>) {
  for (let i = 0; i < clients.length; i += 100) {
    const result = await api("POST", "/v1/clients:batch", {
      key,
      body: { clients: clients.slice(i, i + 100).map((client) => ({ external_id: client.id, ...client.body })) },
    });
    expect(result.status, JSON.stringify(result.body)).toBeLessThan(300);
  }
}

/** Forces a retrain through the admin route and returns its answer. */
export async function retrain() {
  const result = await api("POST", "/v1/admin/model/retrain");
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body as { status: string; version: string | null; current_version: string | null };
}

/** Recommendations of a client through the API. */
export async function recommendationsOf(key: string, externalId: string, query = "") {
  return api("GET", `/v1/clients/${externalId}/recommendations${query}`, { key });
}

/** Row count of a table. */
export async function countRows(table: string): Promise<number> {
  // A table of the control database or of the client shards (summed over every shard).
  const database = CLIENT_TABLES.has(table) ? allShardsD1 : env.DB;
  const row = await database.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

const CLIENT_TABLES = new Set([
  "clients",
  "interactions",
  "interaction_history",
  "leads",
  "lead_events",
  "deals",
  "scored_candidates",
  "idempotency_records",
  "model_stat_deltas",
]);
