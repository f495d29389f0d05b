import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, seedCompany, seedKey, seedService } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { seedCandidates, seedClientRow, seedLead } from "./fixtures";

const DAY = 86_400_000;
let bank: { id: string };
let insurer: { id: string };
let card: { id: string; code: string };
let policy: { id: string; code: string };

type Status = "accepted" | "declined" | "queued" | null;

beforeAll(async () => {
  bank = await seedCompany({ name: "Preview bank", kind: "bank" });
  insurer = await seedCompany({ name: "Preview insurer" });
  card = await seedService(bank.id, { code: "preview-card", category: "cards" });
  policy = await seedService(insurer.id, { code: "preview-policy", category: "insurance" });
  const clientId = await seedClientRow(bank.id);
  const at = Date.now() - DAY;
  const candidate = async (
    service: { id: string },
    companyId: string,
    rating: number,
    decision: "lead" | "below_threshold" | "duplicate" | "dry_run",
    status: Status = null,
    when = at,
  ) => {
    const leadId =
      decision === "lead"
        ? await seedLead({
            clientId,
            serviceId: service.id,
            sourceCompanyId: bank.id,
            targetCompanyId: companyId,
            rating,
            status: status ?? "queued",
          })
        : null;
    await seedCandidates([{ clientId, serviceId: service.id, companyId, rating, decision, leadId, at: when }]);
  };
  await candidate(card, bank.id, 85, "lead", "accepted");
  await candidate(card, bank.id, 82.5, "lead", "declined");
  await candidate(card, bank.id, 80, "lead", "queued");
  await candidate(card, bank.id, 79.9, "below_threshold");
  await candidate(card, bank.id, 78, "below_threshold");
  await candidate(card, bank.id, 50, "below_threshold");
  await candidate(card, bank.id, 100, "lead", "accepted");
  await candidate(card, bank.id, 90, "duplicate");
  await candidate(card, bank.id, 95, "dry_run");
  await candidate(policy, insurer.id, 81, "lead", "accepted");
  await candidate(card, bank.id, 88, "lead", "accepted", Date.now() - 40 * DAY);
});

function preview(query: string) {
  return api("GET", `/v1/admin/thresholds/preview?${query}`);
}

describe("GET /v1/admin/thresholds/preview", () => {
  it("counts the candidates passing each threshold and their outcomes (duplicates and dry runs left out)", async () => {
    const res = await preview("from=78&to=82");
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe("global");
    expect(res.body.candidates).toBe(8);
    expect(res.body.ignored).toBe(0);
    expect(res.body.current_threshold).toEqual({ value: 70, source: "default" });
    expect(res.body.thresholds).toEqual([
      { threshold: 78, passing: 7, accepted: 3, declined: 1, unknown: 3, acceptance_rate: 0.75 },
      { threshold: 79, passing: 6, accepted: 3, declined: 1, unknown: 2, acceptance_rate: 0.75 },
      // 79.9 no longer passes 80: a threshold compares with the rating itself.
      { threshold: 80, passing: 5, accepted: 3, declined: 1, unknown: 1, acceptance_rate: 0.75 },
      { threshold: 81, passing: 4, accepted: 3, declined: 1, unknown: 0, acceptance_rate: 0.75 },
      { threshold: 82, passing: 3, accepted: 2, declined: 1, unknown: 0, acceptance_rate: 2 / 3 },
    ]);
    const band80 = res.body.bands.find((band: { from: number }) => band.from === 80);
    expect(band80).toEqual({
      from: 80,
      to: 90,
      candidates: 4,
      accepted: 2,
      declined: 1,
      unknown: 1,
      acceptance_rate: 2 / 3,
    });
    const band90 = res.body.bands.find((band: { from: number }) => band.from === 90);
    expect(band90).toMatchObject({ to: 100, candidates: 1, accepted: 1 });
    expect(res.body.bands).toHaveLength(10);
    expect(Date.parse(res.body.window.to) - Date.parse(res.body.window.from)).toBe(30 * DAY);
  });

  it("filters by company (the seller) or service, widens the window with days, and shows the threshold in force", async () => {
    const put = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "company", scope_id: insurer.id, key: "min_rating", value: 75 }] },
    });
    expect(put.status).toBe(200);
    const company = await preview(`scope=company:${insurer.id}&from=78&to=78`);
    expect(company.status).toBe(200);
    expect(company.body.thresholds).toEqual([
      { threshold: 78, passing: 1, accepted: 1, declined: 0, unknown: 0, acceptance_rate: 1 },
    ]);
    expect(company.body.current_threshold).toEqual({ value: 75, source: "company" });
    const service = await preview(`scope=service:${card.code}&from=80&to=80&band_width=50`);
    expect(service.body.thresholds[0]).toMatchObject({ threshold: 80, passing: 4 });
    expect(service.body.bands).toHaveLength(2);
    expect(service.body.current_threshold).toEqual({ value: 70, source: "default" });
    const wide = await preview("from=88&to=88&days=60");
    expect(wide.body.thresholds[0]).toMatchObject({ passing: 2, accepted: 2 });
    const defaults = await preview("");
    expect(defaults.body.thresholds).toHaveLength(101);
  });

  it("refuses bad parameters (400) and unknown scopes (404)", async () => {
    for (const query of [
      "from=90&to=80",
      "from=-1",
      "to=101",
      "from=7.5",
      "days=0",
      "days=400",
      "scope=everything",
      "scope=company:",
      "band_width=0",
      "colour=red",
    ]) {
      const res = await preview(query);
      expect(res.status, query).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    for (const scope of ["company:co_unknown", "service:no-such-service"]) {
      const res = await preview(`scope=${scope}`);
      expect(res.status).toBe(404);
      expect(errorCode(res)).toBe("not_found");
    }
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/thresholds/preview" }));
});

describe("threshold changes are audited", () => {
  it("GET /v1/admin/audit-log shows who changed the threshold, when, and the old and new values", async () => {
    const admin = await seedKey("admin", null);
    const set = (value: number) =>
      api("PUT", "/v1/admin/settings", {
        key: admin.key,
        body: { changes: [{ scope: "global", key: "min_rating", value }] },
      });
    const startedAt = Date.now();
    expect((await set(80)).status).toBe(200);
    expect((await set(78)).status).toBe(200);
    const log = await api("GET", "/v1/admin/audit-log?entity_type=setting");
    expect(log.status).toBe(200);
    const entries = log.body.entries.filter((entry: { actor: string }) => entry.actor === admin.id);
    expect(entries).toHaveLength(2);
    const [latest, first] = entries;
    expect(first).toMatchObject({ action: "setting.set", before: null, after: { value: 80 } });
    expect(latest).toMatchObject({ action: "setting.set", before: { value: 80 }, after: { value: 78 } });
    expect(Date.parse(latest.at)).toBeGreaterThanOrEqual(startedAt - 1000);
    // The preview now reports the new threshold in force.
    expect((await preview("from=78&to=78")).body.current_threshold).toEqual({ value: 78, source: "global" });
  });
});
