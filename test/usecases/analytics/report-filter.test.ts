/** The analytics window and filter: defaults, refused windows, unknown company or service. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../../../src/storage/db";
import { resolveReportFilter, resolveWindow } from "../../../src/usecases/analytics/report-filter";
import { seedCompany, seedService } from "../../harness";

const DAY = 86_400_000;

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

describe("resolveWindow", () => {
  it("defaults to the 30 days up to now, and to 30 days before an explicit end", () => {
    expect(resolveWindow({}, 100 * DAY)).toEqual({ from: 70 * DAY, to: 100 * DAY });
    expect(resolveWindow({ to: 50 * DAY }, 100 * DAY)).toEqual({ from: 20 * DAY, to: 50 * DAY });
  });

  it("refuses an empty or reversed window and one longer than 366 days, at query.from", () => {
    for (const query of [
      { from: DAY, to: DAY },
      { from: 2 * DAY, to: DAY },
      { from: 0, to: 367 * DAY },
    ]) {
      expect(thrown(() => resolveWindow(query))).toMatchObject({
        code: "validation_failed",
        items: [{ path: ["query", "from"] }],
      });
    }
    expect(resolveWindow({ from: 0, to: 366 * DAY })).toEqual({ from: 0, to: 366 * DAY });
  });
});

describe("resolveReportFilter", () => {
  it("resolves a service code to its id and echoes the filters", async () => {
    const company = await seedCompany();
    const service = await seedService(company.id, { code: `uc-filter-${company.id.slice(3, 9)}` });
    const { filter, filters } = await resolveReportFilter(
      getDb(env.DB),
      { companyId: company.id, serviceCode: service.code },
      100 * DAY,
    );
    expect(filter).toEqual({ from: 70 * DAY, to: 100 * DAY, companyId: company.id, serviceId: service.id });
    expect(filters).toEqual({ company: company.id, service: service.code });
  });

  it("is not_found for an unknown company or service, at its query path", async () => {
    await expect(resolveReportFilter(getDb(env.DB), { companyId: "co_unknown" })).rejects.toMatchObject({
      code: "not_found",
      items: [{ path: ["query", "company"] }],
    });
    await expect(resolveReportFilter(getDb(env.DB), { serviceCode: "nope" })).rejects.toMatchObject({
      code: "not_found",
      items: [{ path: ["query", "service"] }],
    });
  });
});
