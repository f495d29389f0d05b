/**
 * The experiment use cases called directly: every refused period and scope, the overlap
 * conflict that writes nothing, not-found reads, and the snapshot showing a service by code.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, experiments } from "../../../src/storage/schema";
import {
  createExperiment,
  experimentSnapshot,
  experimentUplift,
  getExperiment,
  listExperiments,
  type NewExperiment,
} from "../../../src/usecases/analytics/experiments";
import { db, seedCompany, seedService } from "../../harness";

const DAY = 86_400_000;
const ACTOR = "key_usecase_admin";
const suffix = Math.random().toString(36).slice(2, 7);
let service: { id: string; code: string; category: string };
let otherService: { id: string; code: string; category: string };

beforeAll(async () => {
  const company = await seedCompany();
  service = await seedService(company.id, { code: `uc-exp-a-${suffix}`, category: `uc-exp-a-${suffix}` });
  otherService = await seedService(company.id, { code: `uc-exp-b-${suffix}`, category: `uc-exp-b-${suffix}` });
});

/** Far in the future so that no experiment of another test overlaps in time. */
function inFuture(startDay: number, days: number, now: number): Pick<NewExperiment, "startsAt" | "endsAt"> {
  return { startsAt: now + (5000 + startDay) * DAY, endsAt: now + (5000 + startDay + days) * DAY };
}

function experiment(overrides: Partial<NewExperiment> = {}): NewExperiment {
  return {
    name: "Holdout",
    scopeType: "category",
    scopeId: service.category,
    holdoutShare: 0.1,
    endsAt: 0,
    ...overrides,
  };
}

describe("createExperiment", () => {
  it("refuses a start in the past, an end before the start and a run longer than 366 days", async () => {
    const now = Date.now();
    const cases: Array<[Partial<NewExperiment>, string]> = [
      [{ startsAt: now - 10 * 60_000, endsAt: now + DAY }, "starts_at"],
      [{ startsAt: now + DAY, endsAt: now + DAY }, "ends_at"],
      [{ startsAt: now + DAY, endsAt: now + 368 * DAY }, "ends_at"],
    ];
    for (const [period, field] of cases) {
      await expect(createExperiment(env, ACTOR, experiment(period), now)).rejects.toMatchObject({
        code: "validation_failed",
        items: [{ path: ["body", field] }],
      });
    }
  });

  it("refuses a scope id with `all`, a missing one, and unknown companies, categories and codes", async () => {
    const now = Date.now();
    const period = inFuture(0, 10, now);
    const refused: Array<Partial<NewExperiment>> = [
      { scopeType: "all", scopeId: "x" },
      { scopeType: "company", scopeId: undefined },
      { scopeType: "company", scopeId: "co_unknown" },
      { scopeType: "category", scopeId: "no-such-category" },
      { scopeType: "service", scopeId: "no-such-code" },
    ];
    for (const scope of refused) {
      await expect(createExperiment(env, ACTOR, experiment({ ...period, ...scope }), now)).rejects.toMatchObject({
        code: "validation_failed",
        items: [{ path: ["body", "scope_id"] }],
      });
    }
  });

  it("stores a service scope by id and the realized share, and audits the snapshot", async () => {
    const now = Date.now();
    const { experiment: created, serviceCodes } = await createExperiment(
      env,
      ACTOR,
      experiment({ scopeType: "service", scopeId: service.code, holdoutShare: 0.123456, ...inFuture(100, 10, now) }),
      now,
    );
    expect(created).toMatchObject({ scopeId: service.id, holdoutShare: 0.1235, createdBy: ACTOR });
    const snapshot = experimentSnapshot(created, serviceCodes, now);
    expect(snapshot).toMatchObject({ scope_type: "service", scope_id: service.code, status: "scheduled" });
    const [entry] = await db().select().from(auditLog).where(eq(auditLog.entityId, created.id));
    expect(JSON.parse(entry.after!)).toEqual(snapshot);
  });

  it("refuses an experiment overlapping another in time and scope, and writes nothing", async () => {
    const now = Date.now();
    const first = await createExperiment(env, ACTOR, experiment(inFuture(200, 30, now)), now);
    const clash = createExperiment(
      env,
      ACTOR,
      experiment({ scopeType: "service", scopeId: service.code, ...inFuture(210, 30, now) }),
      now,
    );
    await expect(clash).rejects.toMatchObject({ code: "conflict", items: [{ path: ["body", "scope_type"] }] });
    await expect(clash).rejects.toThrow(first.experiment.id);
    const stored = await db().select().from(experiments).where(eq(experiments.scopeId, service.id));
    expect(stored.filter((row) => row.startsAt === now + 5210 * DAY)).toEqual([]);

    // The same period over a disjoint scope is fine.
    await createExperiment(env, ACTOR, experiment({ scopeId: otherService.category, ...inFuture(210, 30, now) }), now);
  });
});

describe("reading experiments", () => {
  it("is not_found for an unknown id, for the experiment and its report", async () => {
    await expect(getExperiment(env, "exp_unknown")).rejects.toMatchObject({ code: "not_found" });
    await expect(experimentUplift(env, "exp_unknown", 0.95)).rejects.toMatchObject({
      code: "not_found",
      message: "Experiment exp_unknown not found",
    });
  });

  it("pages newest first with a cursor that continues after the last experiment", async () => {
    const firstPage = await listExperiments(env, { limit: 1 });
    expect(firstPage.experiments).toHaveLength(1);
    expect(firstPage.next).toEqual({ createdAt: firstPage.experiments[0].createdAt, id: firstPage.experiments[0].id });
    const secondPage = await listExperiments(env, { limit: 1, after: firstPage.next! });
    expect(secondPage.experiments[0].id).not.toBe(firstPage.experiments[0].id);
  });
});
