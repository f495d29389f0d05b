import { describe, expect, it } from "vitest";
import { api } from "../../../harness";

const OPERATIONS: Array<[string, string, string[]]> = [
  ["post", "/v1/deals", ["200", "201", "400", "401", "403", "404", "409", "422", "500"]],
  ["post", "/v1/admin/experiments", ["201", "400", "401", "403", "409", "500"]],
  ["get", "/v1/admin/experiments", ["200", "400", "401", "403", "500"]],
  ["get", "/v1/admin/experiments/{id}", ["200", "401", "403", "404", "500"]],
  ["get", "/v1/admin/experiments/{id}/report", ["200", "400", "401", "403", "404", "500"]],
  ["get", "/v1/admin/thresholds/preview", ["200", "400", "401", "403", "404", "500"]],
  ["get", "/v1/admin/analytics/funnel", ["200", "400", "401", "403", "404", "500"]],
  ["get", "/v1/admin/analytics/calibration", ["200", "400", "401", "403", "404", "500"]],
  ["get", "/v1/admin/commissions", ["200", "400", "401", "403", "404", "500"]],
  ["get", "/v1/partner/commissions", ["200", "400", "401", "403", "500"]],
];

describe("OpenAPI document of the learning-loop routes", () => {
  it("documents every operation, its answers and the error envelope", async () => {
    const res = await api("GET", "/openapi.json", { key: null });
    expect(res.status).toBe(200);
    for (const [method, path, statuses] of OPERATIONS) {
      const operation = res.body.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(statuses));
      expect(operation.responses["401"].content["application/json"].schema.$ref).toBe(
        "#/components/schemas/ErrorEnvelope",
      );
    }
    const deal = res.body.paths["/v1/deals"].post;
    expect(deal.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain(
      "header:idempotency-key",
    );
    for (const schema of [
      "Deal",
      "Experiment",
      "ExperimentReport",
      "ThresholdPreview",
      "Funnel",
      "CalibrationReport",
      "CommissionStatement",
    ]) {
      expect(res.body.components.schemas[schema], schema).toBeDefined();
    }
  });
});
