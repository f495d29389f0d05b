import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { countClientsWithNeeds } from "../../../../src/usecases/needs/audience-needs";
import { allShardsD1 } from "../../../all-shards";
import { api, errorCode, seedService, seedTenant } from "../../../harness";
import { itRefusesNonAdmins } from "./helpers";

let crmKey: string;

/**
 * 460 clients: 120 hold sa + sb and need housing, 40 hold sa and need housing, 60 hold sc, 180 hold
 * nothing and need car, 60 hold sa + sb and state no need. So sa → sb has support 180 and lift
 * (180/220)/(180/460) ≈ 2.09; housing → sa support 160, lift 2.09; holders of sa carry housing at
 * 160/220 ≈ 0.73, which infers housing for the 60 who did not state it.
 */
beforeAll(async () => {
  const tenant = await seedTenant("Rules Bank");
  crmKey = tenant.crmKey;
  for (const code of ["sa", "sb", "sc"]) await seedService(tenant.company.id, { code });
  const base = { age: 40, monthly_income: 100000, region: "msk" };
  const groups: Array<[number, Record<string, 1>, string[]]> = [
    [120, { sa: 1, sb: 1 }, ["housing"]],
    [40, { sa: 1 }, ["housing"]],
    [60, { sc: 1 }, []],
    [180, {}, ["car"]],
    [60, { sa: 1, sb: 1 }, []],
  ];
  const clients = groups.flatMap(([count, services, needs], g) =>
    Array.from({ length: count }, (_, i) => ({ external_id: `rules-${g}-${i}`, ...base, services, needs })),
  );
  const res = await api("POST", "/v1/clients:batch", { key: crmKey, body: { clients } });
  expect(res.body.summary).toEqual({ created: 460, updated: 0, invalid: 0 });
});

type Proposal = { id: string; antecedent: { kind: string; code: string }; consequent: string; status: string };
const rule = (p: Proposal) => `${p.antecedent.kind}:${p.antecedent.code}->${p.consequent}`;

async function proposals(status = "proposed"): Promise<Proposal[]> {
  const res = await api("GET", `/v1/admin/link-proposals?status=${status}`);
  expect(res.status).toBe(200);
  return res.body.proposals;
}

async function auditActions(entityId: string) {
  const { results } = await env.DB.prepare("SELECT action, actor FROM audit_log WHERE entity_id = ? ORDER BY id")
    .bind(entityId)
    .all<{ action: string; actor: string }>();
  return results;
}

describe("link proposals", () => {
  it("computes rules over every shard with their statistics and base rates, and infers needs", async () => {
    const computed = await api("POST", "/v1/admin/link-proposals:compute");
    expect(computed.status).toBe(200);
    expect(computed.body).toMatchObject({ clients: 460, expired_needs: 0 });
    expect(computed.body.inferred_needs).toBeGreaterThanOrEqual(60);
    const list = await proposals();
    expect(list.map(rule)).toEqual(
      expect.arrayContaining(["service:sa->sb", "service:sb->sa", "need:housing->sa", "need:housing->sb"]),
    );
    expect(list.map(rule)).not.toContain("need:car->sa");
    const ab = (list as Array<Proposal & Record<string, any>>).find((p) => rule(p) === "service:sa->sb")!;
    expect(ab).toMatchObject({
      support: 180,
      antecedent_clients: 220,
      consequent_clients: 180,
      total_clients: 460,
      status: "proposed",
      weight: null,
      decided_at: null,
    });
    expect(ab.confidence).toBeCloseTo(180 / 220, 12);
    expect(ab.base_rates.antecedent).toBeCloseTo(220 / 460, 12);
    expect(ab.base_rates.consequent).toBeCloseTo(180 / 460, 12);
    expect(ab.lift).toBeCloseTo(180 / 220 / (180 / 460), 12);
    expect(ab.lift_lower).toBeGreaterThan(1);
    expect(ab.lift_lower).toBeLessThan(ab.lift);
    for (const p of list as Array<Proposal & Record<string, number>>) {
      expect(p.support).toBeGreaterThanOrEqual(50);
      expect(p.lift).toBeGreaterThanOrEqual(1.2);
      expect(p.lift_lower).toBeGreaterThan(1);
    }
    const inferred = await allShardsD1
      .prepare(
        "SELECT COUNT(*) AS n, MIN(confidence) AS c FROM client_needs WHERE source = 'inferred' AND need_code = 'housing'",
      )
      .first<{ n: number; c: number }>();
    expect(inferred!.n).toBe(60);
    expect(inferred!.c).toBeGreaterThanOrEqual(0.5);
    // The audience filter counts stated and inferred needs, once per client.
    expect(await countClientsWithNeeds(env, { codes: ["housing"] })).toBe(220);
    expect(await countClientsWithNeeds(env, { codes: ["housing"], minConfidence: 0.9 })).toBe(160);
    expect(await countClientsWithNeeds(env, { codes: ["housing", "car"] })).toBe(400);
  });

  it("approves a service rule into the cross-service matrix with its weight, audited; a second decision is 409", async () => {
    const target = (await proposals()).find((p) => rule(p) === "service:sa->sb")!;
    const approved = await api("POST", `/v1/admin/link-proposals/${target.id}:approve`, { body: { weight: 0.6 } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id: target.id, status: "approved", weight: 0.6, decided_by: "admin-token" });
    const links = await api("GET", "/v1/admin/cross-services?service=sa");
    expect(links.body.links).toEqual([expect.objectContaining({ from: "sa", to: "sb", weight: 0.6 })]);
    expect(await auditActions(target.id)).toEqual([{ action: "link_proposal.approved", actor: "admin-token" }]);
    expect(await auditActions("sa->sb")).toEqual([{ action: "cross_service_link.set", actor: "admin-token" }]);
    const again = await api("POST", `/v1/admin/link-proposals/${target.id}:reject`);
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe("conflict");
    expect(await auditActions(target.id)).toHaveLength(1);
  });

  it("rejects a rule, audited; decided rules are never proposed again", async () => {
    const target = (await proposals()).find((p) => rule(p) === "service:sb->sa")!;
    const rejected = await api("POST", `/v1/admin/link-proposals/${target.id}:reject`);
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: "rejected", weight: null });
    expect(await auditActions(target.id)).toEqual([{ action: "link_proposal.rejected", actor: "admin-token" }]);
    expect(
      (await api("GET", "/v1/admin/cross-services?service=sb")).body.links.map((l: { from: string }) => l.from),
    ).toEqual(["sa"]);

    expect((await api("POST", "/v1/admin/link-proposals:compute")).status).toBe(200);
    const open = (await proposals()).map(rule);
    expect(open).not.toContain("service:sa->sb");
    expect(open).not.toContain("service:sb->sa");
    const all = await proposals("all");
    expect(all.filter((p) => rule(p) === "service:sb->sa").map((p) => p.status)).toEqual(["rejected"]);
    expect(all.filter((p) => rule(p) === "service:sa->sb").map((p) => p.status)).toEqual(["approved"]);
  });

  it("a cold-start client's need lifts the services its need rule points to, with the reason", async () => {
    const put = await api("PUT", "/v1/clients/rules-cold", {
      key: crmKey,
      body: { age: 40, monthly_income: 100000, region: "msk", needs: [{ code: "housing", confidence: 0.9 }] },
    });
    expect(put.status).toBe(201);
    const res = await api("GET", "/v1/clients/rules-cold/recommendations", { key: crmKey });
    expect(res.status).toBe(200);
    const sa = res.body.recommendations.find((r: { code: string }) => r.code === "sa");
    expect(sa).toBeDefined();
    expect(sa.reasons).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "client_need", text: "Need: housing (crm, 0.9)" })]),
    );
  });

  it("refuses unknown proposals (404), bad weights and unknown statuses (400)", async () => {
    const unknown = await api("POST", "/v1/admin/link-proposals/lp_doesnotexist:approve", { body: {} });
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe("not_found");
    const open = (await proposals())[0];
    const heavy = await api("POST", `/v1/admin/link-proposals/${open.id}:approve`, { body: { weight: 2 } });
    expect(heavy.status).toBe(400);
    const zero = await api("POST", `/v1/admin/link-proposals/${open.id}:approve`, { body: { weight: 0 } });
    expect(zero.status).toBe(400);
    expect((await proposals()).find((p) => p.id === open.id)?.status).toBe("proposed");
    expect((await api("GET", "/v1/admin/link-proposals?status=maybe")).status).toBe(400);
    // A need rule approved without a weight keeps boosting at full strength (weight 1).
    const needRule = (await proposals()).find((p) => rule(p) === "need:housing->sb")!;
    const approved = await api("POST", `/v1/admin/link-proposals/${needRule.id}:approve`, { body: {} });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", weight: 1 });
    expect((await api("GET", "/v1/admin/cross-services?service=sb")).body.links).toHaveLength(1);
  });
});

describe("link proposals: security", () => {
  describe("GET /v1/admin/link-proposals", () => {
    itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/link-proposals" }));
  });
  describe("POST /v1/admin/link-proposals:compute", () => {
    itRefusesNonAdmins(() => ({ method: "POST", path: "/v1/admin/link-proposals:compute" }));
  });
  describe("POST /v1/admin/link-proposals/{id}:approve", () => {
    itRefusesNonAdmins(() => ({ method: "POST", path: "/v1/admin/link-proposals/lp_unknown:approve", body: {} }));
  });
  describe("POST /v1/admin/link-proposals/{id}:reject", () => {
    itRefusesNonAdmins(() => ({ method: "POST", path: "/v1/admin/link-proposals/lp_unknown:reject" }));
  });
});
