import { describe } from "vitest";
import { allShardsD1 } from "../../../all-shards";
import { seedLeads } from "../../../usecases/lead-delivery/fixtures";
import { itEnforcesCompanyKeys, type Tenant } from "../company-security";

/** Row counts and statuses an inbox call may change. */
async function inboxState() {
  return allShardsD1
    .prepare(
      `SELECT (SELECT COUNT(*) FROM deals) AS deals,
            (SELECT COUNT(*) FROM lead_events) AS events,
            (SELECT group_concat(status) FROM (SELECT status FROM leads ORDER BY id)) AS statuses`,
    )
    .first();
}

async function leadOf(tenant: Tenant): Promise<string> {
  const [row] = await seedLeads(tenant.company, 1);
  return row.id;
}

describe("GET /v1/partner/leads: keys", () => {
  itEnforcesCompanyKeys({ scope: "partner", call: () => ({ method: "GET", path: "/v1/partner/leads" }) });
});

describe("GET /v1/partner/leads/{id}: keys", () => {
  itEnforcesCompanyKeys({
    scope: "partner",
    namesOwnObject: true,
    call: async (tenant) => ({ method: "GET", path: `/v1/partner/leads/${await leadOf(tenant)}` }),
  });
});

describe("POST /v1/partner/leads/{id}/ack: keys", () => {
  itEnforcesCompanyKeys({
    scope: "partner",
    namesOwnObject: true,
    snapshot: inboxState,
    call: async (tenant) => ({ method: "POST", path: `/v1/partner/leads/${await leadOf(tenant)}/ack` }),
  });
});

describe("POST /v1/partner/leads/{id}/outcome: keys", () => {
  itEnforcesCompanyKeys({
    scope: "partner",
    namesOwnObject: true,
    snapshot: inboxState,
    call: async (tenant) => ({
      method: "POST",
      path: `/v1/partner/leads/${await leadOf(tenant)}/outcome`,
      body: { outcome: "accepted", amount: 1000 },
    }),
  });
});
