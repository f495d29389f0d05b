import { describe } from "vitest";
import { allShardsD1 } from "../../../all-shards";
import { itEnforcesCompanyKeys } from "../company-security";

let counter = 0;

describe("POST /v1/leads: keys", () => {
  itEnforcesCompanyKeys({
    scope: "crm",
    snapshot: () =>
      allShardsD1
        .prepare(
          "SELECT (SELECT COUNT(*) FROM clients) AS clients, (SELECT COUNT(*) FROM leads) AS leads, (SELECT COUNT(*) FROM scored_candidates) AS candidates",
        )
        .first(),
    call: () => ({
      method: "POST",
      path: "/v1/leads",
      body: { external_id: `sec-lead-${++counter}`, age: 34, monthly_income: 150000, region: "msk" },
    }),
  });
});
