import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { armStatsFromClients, experimentReport } from "../../../../src/domain/experiment-report";
import { insertExperimentQuery } from "../../../../src/storage/experiments";
import { auditLog, experiments } from "../../../../src/storage/schema";
import { api, db, errorCode, seedCompany, seedService } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { seedCandidates, seedClientRow, seedDeal, seedLead } from "./fixtures";

const DAY = 86_400_000;
let bank: { id: string };
let insurer: { id: string };
let card: { id: string; code: string };
let travel: { id: string; code: string };
let policy: { id: string; code: string };

beforeAll(async () => {
  bank = await seedCompany({ name: "Experiment bank", kind: "bank" });
  insurer = await seedCompany({ name: "Experiment insurer" });
  card = await seedService(bank.id, { code: "exp-card", category: "exp-cards" });
  travel = await seedService(bank.id, { code: "exp-travel", category: "exp-travel" });
  policy = await seedService(insurer.id, { code: "exp-policy", category: "exp-insurance" });
});

function future(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString();
}

function createExperiment(body: Record<string, unknown>) {
  return api("POST", "/v1/admin/experiments", {
    body: { name: "Holdout", holdout_share: 0.1, ends_at: future(30), ...body },
  });
}

describe("POST /v1/admin/experiments", () => {
  it("creates an experiment, resolves the share to 1/10,000 and writes the audit log", async () => {
    const res = await createExperiment({
      name: "Travel card holdout",
      scope_type: "service",
      scope_id: travel.code,
      holdout_share: 0.07,
      starts_at: future(100),
      ends_at: future(130),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Travel card holdout",
      scope_type: "service",
      scope_id: travel.code,
      holdout_share: 0.07,
      status: "scheduled",
      created_by: "admin-token",
    });
    expect(res.body.id).toMatch(/^exp_/);
    const [row] = await db().select().from(experiments).where(eq(experiments.id, res.body.id));
    expect(row.scopeId).toBe(travel.id);
    const [audit] = await db().select().from(auditLog).where(eq(auditLog.entityId, res.body.id));
    expect(audit).toMatchObject({ action: "experiment.created", entityType: "experiment", actor: "admin-token" });
    expect(JSON.parse(audit.after!)).toEqual(res.body);
    expect(audit.before).toBeNull();

    const got = await api("GET", `/v1/admin/experiments/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it("refuses invalid experiments with the field at fault, writing nothing", async () => {
    const count = async () => (await db().select().from(experiments)).length;
    const before = await count();
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ scope_type: "all", holdout_share: 0 }, ["body", "holdout_share"]],
      [{ scope_type: "all", holdout_share: 0.6 }, ["body", "holdout_share"]],
      [{ scope_type: "all", starts_at: new Date(Date.now() - DAY).toISOString() }, ["body", "starts_at"]],
      [{ scope_type: "all", starts_at: future(200), ends_at: future(199) }, ["body", "ends_at"]],
      [{ scope_type: "all", starts_at: future(200), ends_at: future(700) }, ["body", "ends_at"]],
      [{ scope_type: "all", scope_id: "x" }, ["body", "scope_id"]],
      [{ scope_type: "company" }, ["body", "scope_id"]],
      [{ scope_type: "company", scope_id: "co_unknown" }, ["body", "scope_id"]],
      [{ scope_type: "category", scope_id: "no-such-category" }, ["body", "scope_id"]],
      [{ scope_type: "service", scope_id: "no-such-service" }, ["body", "scope_id"]],
      [{ scope_type: "galaxy" }, ["body", "scope_type"]],
    ];
    for (const [body, path] of cases) {
      const res = await createExperiment(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
      expect(res.body.errors.map((e: { path?: string[] }) => e.path?.join("."))).toContain(path.join("."));
    }
    const unknownField = await createExperiment({ scope_type: "all", colour: "red" });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors[0].message).toContain("colour");
    const noName = await api("POST", "/v1/admin/experiments", {
      body: { scope_type: "all", holdout_share: 0.1, ends_at: future(1) },
    });
    expect(noName.status).toBe(400);
    const notJson = await api("POST", "/v1/admin/experiments", { rawBody: "{" });
    expect(errorCode(notJson)).toBe("invalid_json");
    expect(await count()).toBe(before);
  });

  it("refuses an experiment that overlaps another in time and scope (409), accepts disjoint ones", async () => {
    const window = { starts_at: future(200), ends_at: future(230) };
    const first = await createExperiment({ scope_type: "company", scope_id: insurer.id, ...window });
    expect(first.status).toBe(201);
    // The insurer sells exp-policy in exp-insurance: a category scope over it overlaps.
    const category = await createExperiment({ scope_type: "category", scope_id: "exp-insurance", ...window });
    expect(category.status).toBe(409);
    expect(errorCode(category)).toBe("conflict");
    expect(category.body.errors[0].message).toContain(first.body.id);
    const everything = await createExperiment({ scope_type: "all", ...window });
    expect(everything.status).toBe(409);
    // A bank service in the same window is disjoint; the same scope later is fine too.
    expect((await createExperiment({ scope_type: "service", scope_id: card.code, ...window })).status).toBe(201);
    expect(
      (
        await createExperiment({
          scope_type: "company",
          scope_id: insurer.id,
          starts_at: future(230),
          ends_at: future(240),
        })
      ).status,
    ).toBe(201);
  });

  itRefusesNonAdmins(() => ({
    method: "POST",
    path: "/v1/admin/experiments",
    body: {
      name: "sec",
      scope_type: "service",
      scope_id: policy.code,
      holdout_share: 0.05,
      starts_at: future(300 + Math.floor(Math.random() * 60)),
      ends_at: future(365),
    },
  }));
});

describe("GET /v1/admin/experiments", () => {
  it("lists newest first with a cursor and filters by status", async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { experiments: Array<{ id: string }>; next_cursor: string | null } } =
        await api("GET", `/v1/admin/experiments?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.experiments.length).toBeLessThanOrEqual(2);
      all.push(...page.body.experiments.map((e) => e.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    const stored = await db().select().from(experiments);
    expect(new Set(all).size).toBe(stored.length);
    expect(all).toHaveLength(stored.length);

    const scheduled = await api("GET", "/v1/admin/experiments?status=scheduled&limit=200");
    expect(scheduled.body.experiments.every((e: { status: string }) => e.status === "scheduled")).toBe(true);
    const running = await api("GET", "/v1/admin/experiments?status=running");
    expect(running.body.experiments.every((e: { status: string }) => e.status === "running")).toBe(true);
  });

  it("refuses bad queries and unknown ids", async () => {
    expect((await api("GET", "/v1/admin/experiments?status=paused")).status).toBe(400);
    expect((await api("GET", "/v1/admin/experiments?cursor=abc")).status).toBe(400);
    expect((await api("GET", "/v1/admin/experiments?limit=0")).status).toBe(400);
    expect((await api("GET", "/v1/admin/experiments?colour=red")).status).toBe(400);
    const missing = await api("GET", "/v1/admin/experiments/exp_unknown");
    expect(missing.status).toBe(404);
    expect(errorCode(missing)).toBe("not_found");
    expect((await api("GET", "/v1/admin/experiments/exp_unknown/report")).status).toBe(404);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/experiments" }));
});

describe("GET /v1/admin/experiments/{id}/report", () => {
  let experimentId: string;
  const startsAt = Date.now() - 20 * DAY;
  const controlSpend = [1000, 500, 0, 0, 0, 0, 0, 0, 0, 0];
  const treatmentSpend: number[] = [];

  beforeAll(async () => {
    experimentId = "exp_reporttest000000000";
    await insertExperimentQuery(db(), {
      id: experimentId,
      name: "Card holdout",
      scopeType: "category",
      scopeId: "exp-cards",
      holdoutShare: 0.2,
      startsAt,
      endsAt: Date.now() + 10 * DAY,
      createdAt: startsAt,
      createdBy: "admin-token",
    });
    const enteredAt = startsAt + DAY;
    // Control: 10 clients, 2 responders (spends 1000 and 500).
    for (let i = 0; i < 10; i++) {
      const clientId = await seedClientRow(bank.id);
      // Two candidates for one client still count one client.
      const rows = [
        {
          clientId,
          serviceId: card.id,
          companyId: bank.id,
          rating: 85,
          decision: "control" as const,
          experimentId,
          at: enteredAt,
        },
      ];
      if (i === 0) rows.push({ ...rows[0], at: enteredAt + DAY });
      await seedCandidates(rows);
      if (i < 2) {
        await seedDeal({
          clientId,
          serviceId: card.id,
          companyId: bank.id,
          outcome: "accepted",
          amount: controlSpend[i],
          occurredAt: enteredAt + 2 * DAY,
        });
      } else if (i === 2) {
        // Not responses: a decline, a deal outside the scope, a deal before the client entered.
        await seedDeal({
          clientId,
          serviceId: card.id,
          companyId: bank.id,
          outcome: "declined",
          occurredAt: enteredAt + DAY,
        });
        await seedDeal({
          clientId,
          serviceId: policy.id,
          companyId: insurer.id,
          outcome: "accepted",
          amount: 99,
          occurredAt: enteredAt + DAY,
        });
        await seedDeal({
          clientId,
          serviceId: card.id,
          companyId: bank.id,
          outcome: "accepted",
          amount: 77,
          occurredAt: enteredAt - DAY,
        });
      }
    }
    // Treatment: 40 clients (some not routed: intention to treat), 16 responders spending 100 … 1600.
    for (let i = 0; i < 40; i++) {
      const clientId = await seedClientRow(bank.id);
      const decision = i % 10 === 9 ? ("not_routed" as const) : ("lead" as const);
      const leadId =
        decision === "lead"
          ? await seedLead({
              clientId,
              serviceId: card.id,
              sourceCompanyId: bank.id,
              targetCompanyId: bank.id,
              createdAt: enteredAt,
            })
          : null;
      await seedCandidates([
        { clientId, serviceId: card.id, companyId: bank.id, rating: 85, decision, experimentId, leadId, at: enteredAt },
      ]);
      if (i < 16) {
        const amount = 100 * (i + 1);
        treatmentSpend.push(amount);
        if (leadId && i === 0) {
          // A corrected lead report: only the standing (latest) one counts.
          await seedDeal({
            clientId,
            serviceId: card.id,
            companyId: bank.id,
            leadId,
            outcome: "accepted",
            amount: 5000,
            occurredAt: enteredAt + DAY,
          });
          await seedDeal({
            clientId,
            serviceId: card.id,
            companyId: bank.id,
            leadId,
            outcome: "accepted",
            amount,
            occurredAt: enteredAt + 2 * DAY,
          });
        } else {
          await seedDeal({
            clientId,
            serviceId: card.id,
            companyId: bank.id,
            leadId,
            outcome: "accepted",
            amount,
            occurredAt: enteredAt + DAY,
          });
        }
      } else {
        treatmentSpend.push(0);
        if (i === 16 && leadId) {
          // Accepted, then corrected to declined: not a responder.
          await seedDeal({
            clientId,
            serviceId: card.id,
            companyId: bank.id,
            leadId,
            outcome: "accepted",
            amount: 300,
            occurredAt: enteredAt + DAY,
          });
          await seedDeal({
            clientId,
            serviceId: card.id,
            companyId: bank.id,
            leadId,
            outcome: "declined",
            occurredAt: enteredAt + 2 * DAY,
          });
        }
      }
    }
    // Candidates of other experiments or without one are not part of this report.
    const stranger = await seedClientRow(bank.id);
    await seedCandidates([
      {
        clientId: stranger,
        serviceId: card.id,
        companyId: bank.id,
        rating: 90,
        decision: "lead",
        experimentId: null,
        at: enteredAt,
      },
    ]);
  });

  it("reports both arms and the uplift, matching hand-computed values", async () => {
    const res = await api("GET", `/v1/admin/experiments/${experimentId}/report`);
    expect(res.status).toBe(200);
    const report = res.body.report;
    expect(report.control).toMatchObject({
      clients: 10,
      responders: 2,
      response_rate: 0.2,
      spend_total: 1500,
      spend_per_client: 150,
    });
    expect(report.treatment).toMatchObject({
      clients: 40,
      responders: 16,
      response_rate: 0.4,
      spend_total: 13600,
      spend_per_client: 340,
    });
    // Hand computation: d = 0.4 − 0.2; SE = √(0.4·0.6/40 + 0.2·0.8/10) = √0.022 = 0.148324;
    // CI = 0.2 ± 1.959964·0.148324; pooled p̄ = 0.36, z = 0.2/√(0.36·0.64·0.125) = 1.178511, p = 0.238593.
    const rate = report.response_rate;
    expect(rate.absolute_uplift.estimate).toBeCloseTo(0.2, 12);
    expect(rate.absolute_uplift.standard_error).toBeCloseTo(0.148323969741913, 12);
    expect(rate.absolute_uplift.ci_low).toBeCloseTo(-0.0907096387381587, 10);
    expect(rate.absolute_uplift.ci_high).toBeCloseTo(0.4907096387381588, 10);
    expect(rate.z_statistic).toBeCloseTo(1.17851130197758, 10);
    expect(rate.p_value).toBeCloseTo(0.2385928293164355, 8);
    // RR = 2 → +100 %, Katz: exp(ln 2 ± z·√(1/16 − 1/40 + 1/2 − 1/10)) − 1.
    expect(rate.relative_uplift.estimate).toBeCloseTo(1, 12);
    expect(rate.relative_uplift.ci_low).toBeCloseTo(-0.4529675418697644, 10);
    expect(rate.relative_uplift.ci_high).toBeCloseTo(6.312180366174348, 8);
    expect(rate.significant).toBe(false);
    expect(report.verdict).toBe("no_significant_difference");
    expect(report.sample_ratio).toMatchObject({
      expected_control_share: 0.2,
      observed_control_share: 0.2,
      mismatch: false,
    });
    // Spend: the SQL aggregation equals the domain on the per-client spends.
    const expected = experimentReport({
      holdoutShare: 0.2,
      control: armStatsFromClients(
        controlSpend.map((s) => (s > 0 ? 1 : 0)),
        controlSpend,
      ),
      treatment: armStatsFromClients(
        treatmentSpend.map((s) => (s > 0 ? 1 : 0)),
        treatmentSpend,
      ),
    });
    expect(report.spend_per_client.absolute_uplift.estimate).toBeCloseTo(
      expected.spend_per_client!.absolute_uplift.estimate!,
      9,
    );
    expect(report.spend_per_client.absolute_uplift.ci_low).toBeCloseTo(
      expected.spend_per_client!.absolute_uplift.ci_low!,
      6,
    );
    expect(report.spend_per_client.p_value).toBeCloseTo(expected.spend_per_client!.p_value!, 9);
    expect(res.body.experiment).toMatchObject({
      id: experimentId,
      scope_type: "category",
      scope_id: "exp-cards",
      status: "running",
    });
    expect(Date.parse(res.body.measured_until)).toBeLessThanOrEqual(Date.now());
  });

  it("honours confidence_level and refuses values outside 0.8–0.999", async () => {
    const res = await api("GET", `/v1/admin/experiments/${experimentId}/report?confidence_level=0.9`);
    expect(res.status).toBe(200);
    expect(res.body.report.confidence_level).toBe(0.9);
    expect(res.body.report.response_rate.absolute_uplift.ci_low).toBeCloseTo(
      0.2 - 1.6448536269514722 * 0.148323969741913,
      9,
    );
    expect((await api("GET", `/v1/admin/experiments/${experimentId}/report?confidence_level=1.5`)).status).toBe(400);
    expect((await api("GET", `/v1/admin/experiments/${experimentId}/report?confidence_level=x`)).status).toBe(400);
  });

  it("an experiment without candidates yet reports empty arms with explanations", async () => {
    const res = await createExperiment({
      scope_type: "service",
      scope_id: policy.code,
      starts_at: future(400),
      ends_at: future(401),
    });
    const report = await api("GET", `/v1/admin/experiments/${res.body.id}/report`);
    expect(report.status).toBe(200);
    expect(report.body.report.control.clients).toBe(0);
    expect(report.body.report.verdict).toBe("insufficient_data");
    expect(report.body.report.notes.length).toBeGreaterThan(0);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: `/v1/admin/experiments/${experimentId}/report` }));
});
