/** The recommendation routes through the shared company-key checks (company-security.ts). */
import { describe } from "vitest";
import { putClient } from "../analytics/fixtures";
import { profile } from "../clients/helpers";
import { itEnforcesCompanyKeys } from "../company-security";

let counter = 0;

describe("GET /v1/clients/{external_id}/recommendations: keys", () => {
  itEnforcesCompanyKeys({
    scope: "crm",
    namesOwnObject: true,
    call: async (tenant) => {
      const externalId = `sec-rec-${++counter}`;
      await putClient(tenant.crmKey, externalId);
      return { method: "GET", path: `/v1/clients/${externalId}/recommendations` };
    },
  });
});

describe("POST /v1/recommendations:preview: keys", () => {
  itEnforcesCompanyKeys({
    scope: "crm",
    adminAllowed: true,
    call: () => ({ method: "POST", path: "/v1/recommendations:preview", body: profile() }),
  });
});
