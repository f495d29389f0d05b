/** The client batch as a use case: per-item results, and the all-or-nothing personal-data refusal. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { isDomainError } from "../../../src/domain/errors";
import { putClientBatch } from "../../../src/usecases/client-intake/batch-clients";
import { clientPseudonym } from "../../../src/usecases/client-intake/pseudonym";
import { allShardsD1 } from "../../all-shards";
import { seedService, seedTenant } from "../../harness";
import { clientTableCounts, profile } from "../../http/routes/clients/helpers";

let companyId: string;

beforeAll(async () => {
  const tenant = await seedTenant("Batch use case");
  companyId = tenant.company.id;
  await seedService(companyId, { code: "uc-batch-card" });
});

describe("putClientBatch", () => {
  it("writes valid items and reports the others invalid, in request order", async () => {
    const result = await putClientBatch(env, {
      companyId,
      body: {
        clients: [
          { external_id: "uc-b-1", ...profile({ services: { "uc-batch-card": 1 } }) },
          { external_id: "uc-b-1", ...profile() },
          { external_id: "uc-b-2", ...profile({ services: { "uc-no-such": 1 } }) },
          { external_id: "uc-b-3", ...profile({ age: -4 }) },
        ],
      },
    });
    expect(result.summary).toEqual({ created: 1, updated: 0, invalid: 3 });
    expect(result.results.map((item) => [item.index, item.status, item.externalId])).toEqual([
      [0, "created", "uc-b-1"],
      [1, "invalid", "uc-b-1"],
      [2, "invalid", "uc-b-2"],
      [3, "invalid", "uc-b-3"],
    ]);
    const unknown = result.results[2];
    expect(unknown.status === "invalid" && unknown.errors.map((error) => error.path)).toEqual([
      ["body", "clients", "2", "services", "uc-no-such"],
    ]);
    // Stored under the company's keyed pseudonym, never the clear CRM id.
    const hash = await clientPseudonym(env, companyId, "uc-b-1");
    const stored = await allShardsD1
      .prepare("SELECT id FROM clients WHERE company_id = ? AND external_hash = ?")
      .bind(companyId, hash)
      .first<{ id: string }>();
    const created = result.results[0];
    expect(created.status === "created" && created.clientRef).toBe(stored?.id);
  });

  it("refuses the whole batch when any item carries personal data, writing nothing", async () => {
    const before = await clientTableCounts();
    const refused = await putClientBatch(env, {
      companyId,
      body: {
        clients: [
          { external_id: "uc-b-ok", ...profile() },
          { external_id: "uc-b-pd", ...profile({ region: "+7 912 345-67-89" }) },
        ],
      },
    }).catch((error: unknown) => error);
    expect(isDomainError(refused, "personal_data")).toBe(true);
    expect(await clientTableCounts()).toEqual(before);
  });
});
