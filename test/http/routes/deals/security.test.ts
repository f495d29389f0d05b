/** POST /v1/deals through the shared company-key checks (company-security.ts). */
import { describe } from "vitest";
import { seedService } from "../../../harness";
import { dealTableCounts, putClient } from "../analytics/fixtures";
import { itEnforcesCompanyKeys } from "../company-security";

let counter = 0;

describe("POST /v1/deals: keys", () => {
  itEnforcesCompanyKeys({
    scope: "crm",
    namesOwnObject: true,
    snapshot: dealTableCounts,
    call: async (tenant) => {
      const n = ++counter;
      const service = await seedService(tenant.company.id, { code: `sec-deal-${n}` });
      await putClient(tenant.crmKey, `sec-deal-client-${n}`);
      return {
        method: "POST",
        path: "/v1/deals",
        body: { external_id: `sec-deal-client-${n}`, service: service.code, outcome: "accepted" },
        headers: { "idempotency-key": `sec-deal-${n}` },
      };
    },
  });
});
