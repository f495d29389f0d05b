/** The threshold preview use case: refused ranges and scopes, and the threshold in force per scope. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { changeSettings } from "../../../src/usecases/admin/settings";
import { previewThresholds, type ThresholdPreviewQuery } from "../../../src/usecases/analytics/threshold-preview";
import { seedCompany, seedService } from "../../harness";

const DAY = 86_400_000;
let company: { id: string };
let service: { id: string; code: string };

beforeAll(async () => {
  company = await seedCompany();
  service = await seedService(company.id, { code: `uc-thr-${company.id.slice(3, 9)}` });
  await changeSettings(env, "key_usecase_admin", [
    { scope: "company", scope_id: company.id, key: "min_rating", value: 72 },
  ]);
});

const query = (overrides: Partial<ThresholdPreviewQuery>): ThresholdPreviewQuery => ({
  scope: { kind: "global" },
  from: 0,
  to: 100,
  days: 30,
  bandWidth: 10,
  ...overrides,
});

describe("previewThresholds", () => {
  it("refuses from > to before reading anything", async () => {
    await expect(previewThresholds(env, query({ from: 80, to: 70 }))).rejects.toMatchObject({
      code: "validation_failed",
      items: [{ path: ["query", "from"] }],
    });
  });

  it("is not_found for an unknown company or service scope", async () => {
    await expect(
      previewThresholds(env, query({ scope: { kind: "company", companyId: "co_unknown" } })),
    ).rejects.toMatchObject({ code: "not_found", items: [{ path: ["query", "scope"] }] });
    await expect(
      previewThresholds(env, query({ scope: { kind: "service", serviceCode: "nope" } })),
    ).rejects.toMatchObject({ code: "not_found", items: [{ path: ["query", "scope"] }] });
  });

  it("reports the company's own threshold, which its services inherit, over a window ending now", async () => {
    const now = 1_000 * DAY;
    const forCompany = await previewThresholds(
      env,
      query({ scope: { kind: "company", companyId: company.id }, days: 7 }),
      now,
    );
    expect(forCompany.currentThreshold).toEqual({ value: 72, source: "company" });
    expect(forCompany.window).toEqual({ from: now - 7 * DAY, to: now });
    expect(forCompany.thresholds).toHaveLength(101);

    const forService = await previewThresholds(env, query({ scope: { kind: "service", serviceCode: service.code } }));
    expect(forService.currentThreshold).toEqual({ value: 72, source: "company" });
  });
});
