import { beforeAll, describe, expect, it } from "vitest";
import { candidateCalibrationReport } from "../../../../src/domain/calibration-report";
import { api, errorCode, seedCompany, seedService } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { seedClientRow, seedLead } from "./fixtures";

let bank: { id: string };
let insurer: { id: string };
let card: { id: string; code: string };
let policy: { id: string; code: string };

// The worked example of docs/experiments.md §5, plus two leads without an outcome.
const LEADS: Array<[number, "accepted" | "declined" | "queued" | "expired"]> = [
  [85, "accepted"],
  [85, "declined"],
  [82, "accepted"],
  [88, "accepted"],
  [95, "accepted"],
  [100, "accepted"],
  [35, "declined"],
  [80, "queued"],
  [70, "expired"],
];

beforeAll(async () => {
  bank = await seedCompany({ name: "Calibration bank", kind: "bank" });
  insurer = await seedCompany({ name: "Calibration insurer" });
  card = await seedService(bank.id, { code: "calibration-card" });
  policy = await seedService(insurer.id, { code: "calibration-policy" });
  const clientId = await seedClientRow(bank.id);
  for (const [rating, status] of LEADS) {
    await seedLead({
      clientId,
      serviceId: card.id,
      sourceCompanyId: bank.id,
      targetCompanyId: bank.id,
      rating,
      status,
      rolledUp: true,
    });
  }
  await seedLead({
    clientId,
    serviceId: policy.id,
    sourceCompanyId: bank.id,
    targetCompanyId: insurer.id,
    rating: 10,
    status: "accepted",
    rolledUp: true,
  });
});

describe("GET /v1/admin/analytics/calibration", () => {
  it("compares each rating band with the observed acceptance (hand-computed example)", async () => {
    const res = await api("GET", `/v1/admin/analytics/calibration?company=${bank.id}`);
    expect(res.status).toBe(200);
    const report = res.body.report;
    expect(report).toMatchObject({ band_width: 10, resolved: 7, accepted: 5, unknown: 2, ignored: 0 });
    // ECE = (4·0.1 + 2·0.025 + 0.35)/7; Brier = 0.9168/7.
    expect(report.expected_calibration_error).toBeCloseTo(0.8 / 7, 12);
    expect(report.brier_score).toBeCloseTo(0.9168 / 7, 12);
    const band80 = report.bands.find((band: { from: number }) => band.from === 80);
    expect(band80.predicted_rate).toBeCloseTo(0.85, 12);
    expect(band80.observed_rate).toBe(0.75);
    expect(band80.observed_ci_low).toBeCloseTo(0.3006, 4);
    expect(band80.observed_ci_high).toBeCloseTo(0.9544, 4);
    // The SQL aggregation equals the domain report on the same leads.
    const resolved = LEADS.map(([rating, status]) => ({
      rating,
      outcome: status === "accepted" ? 1 : status === "declined" ? -1 : 0,
    }));
    const expected = candidateCalibrationReport({
      rating: resolved.map((lead) => lead.rating),
      outcome: resolved.map((lead) => lead.outcome),
    });
    expect(report.bands.map((band: { resolved: number }) => band.resolved)).toEqual(
      expected.bands.map((band) => band.resolved),
    );
    expect(report.maximum_calibration_error).toBeCloseTo(expected.maximum_calibration_error!, 12);
  });

  it("filters by service and company, takes a band width, and counts every company without a filter", async () => {
    const all = await api("GET", "/v1/admin/analytics/calibration?band_width=25");
    expect(all.body.report.resolved).toBe(8);
    expect(all.body.report.bands).toHaveLength(4);
    const service = await api("GET", `/v1/admin/analytics/calibration?service=${policy.code}`);
    expect(service.body.report).toMatchObject({ resolved: 1, accepted: 1 });
    expect(service.body.filters).toEqual({ company: null, service: policy.code });
    const old = await api("GET", "/v1/admin/analytics/calibration?from=2020-01-01T00:00:00Z&to=2020-06-01T00:00:00Z");
    expect(old.body.report).toMatchObject({ resolved: 0, expected_calibration_error: null, brier_score: null });
  });

  it("refuses bad parameters (400) and unknown filters (404)", async () => {
    for (const query of [
      "band_width=0",
      "band_width=101",
      "to=2020-01-01T00:00:00Z&from=2021-01-01T00:00:00Z",
      "x=1",
    ]) {
      const res = await api("GET", `/v1/admin/analytics/calibration?${query}`);
      expect(res.status, query).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    expect((await api("GET", "/v1/admin/analytics/calibration?company=co_nope")).status).toBe(404);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/analytics/calibration" }));
});
