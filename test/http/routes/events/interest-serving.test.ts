/**
 * Browsing reaches the recommender end to end: a visitor browses the bank's site, the CRM links
 * the visitor to its client, and the client's recommendations and lead-call ratings lift the
 * browsed service with a "Browsed …" reason, while the matrix stays as it was (interest is never a
 * 1). The half-life setting is read from the admin settings.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../harness";
import {
  putClient,
  putClients,
  recommendationsOf,
  seedWorld,
  syntheticClients,
  type World,
} from "../recommendations/fixtures";

const SHOP = "https://bank.example";
const SUBJECT = "browsing-subject";
const subjectBody = {
  age: 36,
  monthly_income: 160_000,
  region: "msk",
  gender: "female" as const,
  needs: ["housing"],
  services: { debit_card: 1 as const, mortgage: 1 as const },
};

let world: World;
let siteKey: string;

beforeAll(async () => {
  world = await seedWorld();
  await putClients(world.bankCrm, syntheticClients(120, 11));
  await putClient(world.bankCrm, SUBJECT, subjectBody);
  const issued = await api("POST", `/v1/admin/companies/${world.bank.id}/api-keys`, {
    body: { scope: "site", allowed_origins: [SHOP] },
  });
  siteKey = issued.body.key;
});

type Item = { code: string; rating: number; reasons: Array<{ kind: string; text: string }> };

describe("browsing in recommendations and the lead call", () => {
  it("lifts the browsed service modestly, with a 'browsed' reason, once the visitor is linked", async () => {
    const before = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=20");
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    const items = before.body.recommendations as Item[];
    const target = items[items.length - 1];
    expect(items.some((item) => item.reasons.some((r) => r.kind === "browsing_interest"))).toBe(false);

    const rule = await api("POST", `/v1/admin/companies/${world.bank.id}/url-rules`, {
      body: { prefix: `${SHOP}/products/${target.code}`, service: target.code },
    });
    expect(rule.status).toBe(201);
    const batch = Array.from({ length: 6 }, (_, i) => ({
      type: "page",
      message_id: `serving-${i}`,
      anonymous_id: "visitor-browsing-1",
      timestamp: new Date().toISOString(),
      context: { consent: { analytics: true }, page: { url: `${SHOP}/products/${target.code}?utm_source=x` } },
    }));
    const sent = await api("POST", "/v1/events", { key: siteKey, body: { batch }, headers: { origin: SHOP } });
    expect(sent.body).toEqual({ accepted: 6, duplicates: 0, dropped: 0 });

    // Not linked yet: the client's recommendations do not know the visitor.
    const unlinked = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=20");
    expect((unlinked.body.recommendations as Item[]).find((i) => i.code === target.code)?.rating).toBe(target.rating);

    const linked = await api("POST", `/v1/clients/${SUBJECT}/identities`, {
      key: world.bankCrm,
      body: { anonymous_id: "visitor-browsing-1" },
    });
    expect(linked.status).toBe(200);
    const after = await recommendationsOf(world.bankCrm, SUBJECT, "?limit=20");
    const lifted = (after.body.recommendations as Item[]).find((item) => item.code === target.code)!;
    expect(lifted.rating).toBeGreaterThan(target.rating);
    expect(lifted.rating - target.rating).toBeLessThan(20);
    const reason = lifted.reasons.find((r) => r.kind === "browsing_interest");
    expect(reason?.text).toMatch(/^Browsed .+ on the company's website lately$/);

    // The lead call rates the same way (dry run: nothing written).
    const call = await api("POST", "/v1/leads", {
      key: world.bankCrm,
      body: { external_id: SUBJECT, ...subjectBody, dry_run: true },
    });
    expect(call.status, JSON.stringify(call.body)).toBe(200);
    const rated = (call.body.ratings as Array<{ service: string; reasons: string[] }>).find(
      (r) => r.service === target.code,
    );
    expect(rated?.reasons.some((text) => text.startsWith("Browsed "))).toBe(true);

    // Interest never becomes a deal: the client's stored services are unchanged.
    const client = await api("GET", `/v1/clients/${SUBJECT}`, { key: world.bankCrm });
    expect(JSON.stringify(client.body)).not.toContain(`"${target.code}"`);
  });

  it("honours the interest_half_life_days setting and refuses invalid values", async () => {
    const bad = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "global", key: "interest_half_life_days", value: 0 }] },
    });
    expect(bad.status).toBe(400);
    const ok = await api("PUT", "/v1/admin/settings", {
      body: { changes: [{ scope: "global", key: "interest_half_life_days", value: 30 }] },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const view = await api("GET", "/v1/admin/settings");
    expect(view.body.effective.global.interest_half_life_days).toEqual({ value: 30, source: "global" });
  });
});
