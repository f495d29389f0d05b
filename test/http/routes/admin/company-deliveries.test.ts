import { beforeAll, describe, expect, it } from "vitest";
import { newClientOwnedId, SLOT_COUNT } from "../../../../src/storage/shards";
import { api, errorCode, seedCompany, seedKey, seedService, shardD1Of } from "../../../harness";
import { seedLead } from "../analytics/fixtures";
import { itRefusesNonAdmins } from "./helpers";

/** A client row in a chosen slot: the first and the last slot land in different shards. */
async function seedClientInSlot(companyId: string, slot: number): Promise<string> {
  const id = newClientOwnedId("cl", slot);
  await shardD1Of(id)
    .prepare(
      "INSERT INTO clients (id, company_id, external_hash, age, monthly_income, region, needs, created_at, updated_at) VALUES (?1, ?2, ?3, 30, 100000, 'msk', '[]', ?4, ?4)",
    )
    .bind(id, companyId, `hash-${id}`, Date.now())
    .run();
  return id;
}

async function seedEvent(
  leadId: string,
  type: string,
  at: number,
  extra: { httpStatus?: number; error?: string; detail?: string } = {},
) {
  await shardD1Of(leadId)
    .prepare(
      "INSERT INTO lead_events (lead_id, type, at, attempt, http_status, error, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(leadId, type, at, 1, extra.httpStatus ?? null, extra.error ?? null, extra.detail ?? null)
    .run();
}

let receiver: { id: string };
let other: { id: string };
let leadInFirstShard: string;
let leadInLastShard: string;
const now = Date.now();

beforeAll(async () => {
  const bank = await seedCompany({ name: "Deliveries bank", kind: "bank" });
  receiver = await seedCompany({ name: "Deliveries receiver" });
  other = await seedCompany({ name: "Deliveries other" });
  const policy = await seedService(receiver.id, { code: "deliveries-policy", category: "insurance" });
  const otherPolicy = await seedService(other.id, { code: "deliveries-other", category: "insurance" });
  const firstClient = await seedClientInSlot(bank.id, 0);
  const lastClient = await seedClientInSlot(bank.id, SLOT_COUNT - 1);
  const lead = (clientId: string, service: { id: string }, target: string) =>
    seedLead({ clientId, serviceId: service.id, sourceCompanyId: bank.id, targetCompanyId: target });
  leadInFirstShard = await lead(firstClient, policy, receiver.id);
  leadInLastShard = await lead(lastClient, policy, receiver.id);
  const otherLead = await lead(firstClient, otherPolicy, other.id);
  await seedEvent(leadInFirstShard, "created", now - 10_000);
  await seedEvent(leadInFirstShard, "delivery_attempt", now - 9_000, { httpStatus: 500, error: "HTTP 500" });
  await seedEvent(leadInLastShard, "delivery_attempt", now - 8_000, { httpStatus: 200 });
  await seedEvent(leadInLastShard, "delivered", now - 7_999);
  await seedEvent(leadInFirstShard, "failed", now - 5_000, { error: "HTTP 410" });
  await seedEvent(leadInFirstShard, "endpoint_disabled", now - 4_999, { detail: "410 Gone" });
  await seedEvent(leadInFirstShard, "acknowledged", now - 1_000);
  await seedEvent(otherLead, "delivered", now - 500);
});

describe("GET /v1/admin/companies/{id}/deliveries", () => {
  it("lists the delivery events of the company's leads over every shard, newest first", async () => {
    expect(shardD1Of(leadInFirstShard)).not.toBe(shardD1Of(leadInLastShard));
    const res = await api("GET", `/v1/admin/companies/${receiver.id}/deliveries`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((item: { lead_id: string; type: string }) => [item.lead_id, item.type])).toEqual([
      [leadInFirstShard, "endpoint_disabled"],
      [leadInFirstShard, "failed"],
      [leadInLastShard, "delivered"],
      [leadInLastShard, "delivery_attempt"],
      [leadInFirstShard, "delivery_attempt"],
    ]);
    expect(res.body.items[4]).toEqual({
      lead_id: leadInFirstShard,
      service_id: expect.any(String),
      type: "delivery_attempt",
      at: new Date(now - 9_000).toISOString(),
      attempt: 1,
      http_status: 500,
      latency_ms: null,
      error: "HTTP 500",
      detail: null,
    });
  });

  it("keeps only the newest `limit` events after merging the shards", async () => {
    const res = await api("GET", `/v1/admin/companies/${receiver.id}/deliveries?limit=3`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((item: { type: string }) => item.type)).toEqual([
      "endpoint_disabled",
      "failed",
      "delivered",
    ]);
  });

  it("shows another company only its own leads' events", async () => {
    const res = await api("GET", `/v1/admin/companies/${other.id}/deliveries`);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].type).toBe("delivered");
  });

  it("is readable with a viewer key", async () => {
    const viewer = await seedKey("viewer", other.id);
    const res = await api("GET", `/v1/admin/companies/${receiver.id}/deliveries?limit=1`, { key: viewer.key });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
  });

  it("answers 404 for an unknown company and 400 for a limit out of range", async () => {
    const missing = await api("GET", "/v1/admin/companies/co_missing/deliveries");
    expect(missing.status).toBe(404);
    expect(errorCode(missing)).toBe("not_found");
    for (const limit of ["0", "201", "x"]) {
      const res = await api("GET", `/v1/admin/companies/${receiver.id}/deliveries?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: `/v1/admin/companies/${receiver.id}/deliveries` }));
});
