/**
 * Website browsing signals over HTTP: the site key scope, `POST /v1/events` (origin checks, CORS,
 * consent, dedup, size limits, what is and is not stored), the identity link and the URL rules.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { pseudonymize } from "../../../../src/lib/crypto";
import { runHousekeeping } from "../../../../src/usecases/housekeeping";
import { ingestSiteEvents } from "../../../../src/usecases/site-events/ingest";
import { api, errorCode, resetDatabase, seedCompany, seedKey, seedService, shardRows } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { profile } from "../clients/helpers";

const SHOP = "https://shop.example";

async function world() {
  const company = await seedCompany({ name: "Bank", kind: "bank" as never });
  const mortgage = await seedService(company.id, { code: "mortgage" });
  const deposit = await seedService(company.id, { code: "deposit" });
  const issued = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, {
    body: { scope: "site", allowed_origins: [SHOP, "http://localhost:8080"] },
  });
  expect(issued.status).toBe(201);
  const rule = await api("POST", `/v1/admin/companies/${company.id}/url-rules`, {
    body: { prefix: `${SHOP}/mortgage`, service: "mortgage" },
  });
  expect(rule.status).toBe(201);
  const crm = await seedKey("crm", company.id);
  return { company, mortgage, deposit, siteKey: issued.body.key as string, crmKey: crm.key };
}

let seq = 0;
function event(overrides: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  seq++;
  return {
    type: "page",
    message_id: `m-${seq}-${Math.random().toString(36).slice(2)}`,
    anonymous_id: "anon-visitor-0001",
    timestamp: new Date().toISOString(),
    context: {
      consent: { analytics: true },
      page: { url: `${SHOP}/mortgage/calculator?email=a%40b.ru&q=secret` },
      ...context,
    },
    properties: {},
    ...overrides,
  };
}

function send(siteKey: string | null, batch: unknown[], headers: Record<string, string> = { origin: SHOP }) {
  return api("POST", "/v1/events", { key: siteKey, body: { batch }, headers });
}

async function browsingRows() {
  return shardRows<{ subject_kind: string; subject_hash: string; service_id: string; events: number }>(
    "SELECT subject_kind, subject_hash, service_id, events FROM browsing_daily ORDER BY subject_kind, service_id",
  );
}

beforeEach(async () => {
  await resetDatabase();
});

describe("site keys", () => {
  it("issues a site key with normalized allowed origins, shown in the key list and the audit", async () => {
    const company = await seedCompany();
    const res = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, {
      body: {
        scope: "site",
        allowed_origins: ["https://Shop.Example", "https://shop.example/", "http://localhost:3000"],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.scope).toBe("site");
    expect(res.body.key).toMatch(/^cb_site_/);
    expect(res.body.allowed_origins).toEqual(["https://shop.example", "http://localhost:3000"]);
    const list = await api("GET", `/v1/admin/companies/${company.id}/api-keys`);
    expect(list.body.api_keys?.[0]?.allowed_origins ?? list.body[0]?.allowed_origins).toEqual([
      "https://shop.example",
      "http://localhost:3000",
    ]);
  });

  it("refuses bad origins, a site key without origins and origins on other scopes (nothing issued)", async () => {
    const company = await seedCompany();
    for (const body of [
      { scope: "site" },
      { scope: "site", allowed_origins: [] },
      { scope: "site", allowed_origins: ["https://shop.example/path"] },
      { scope: "site", allowed_origins: ["http://shop.example"] },
      { scope: "site", allowed_origins: ["https://shop.example?x=1"] },
      { scope: "site", allowed_origins: ["shop.example"] },
      { scope: "crm", allowed_origins: [SHOP] },
    ]) {
      const res = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
      expect(res.body.errors[0].path?.[0]).toBe("allowed_origins");
    }
    // Credentials in an origin: refused too (the personal-data guard reads them first).
    const credentials = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, {
      body: { scope: "site", allowed_origins: ["https://user:pw@shop.example"] },
    });
    expect([400, 422]).toContain(credentials.status);
    const list = await api("GET", `/v1/admin/companies/${company.id}/api-keys`);
    expect(JSON.stringify(list.body)).not.toContain("site");
  });

  it("a site key may call nothing but POST /v1/events (403 everywhere else, no console session)", async () => {
    const { siteKey, company } = await world();
    const calls: Array<[string, string, unknown?]> = [
      ["GET", "/v1/admin/companies"],
      ["GET", `/v1/admin/companies/${company.id}/url-rules`],
      ["PUT", "/v1/clients/c-1", profile()],
      ["GET", "/v1/clients/c-1"],
      ["POST", "/v1/leads", { external_id: "c-1", ...profile() }],
      ["GET", "/v1/partner/leads"],
      ["GET", "/v1/vocabularies"],
      ["POST", "/v1/clients/c-1/identities", { anonymous_id: "anon-visitor-0001" }],
      ["GET", "/v1/events"],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(method, path, { key: siteKey, body, headers: { origin: SHOP } });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
    }
    const session = await api("POST", "/v1/session", { key: null, body: { key: siteKey } });
    expect(session.status).toBe(403);
  });
});

describe("POST /v1/events: origin, CORS and keys", () => {
  it("accepts an allowed origin and answers CORS for it", async () => {
    const { siteKey } = await world();
    const res = await send(siteKey, [event()]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(res.headers.get("vary")).toContain("Origin");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("refuses a missing or foreign Origin with origin_not_allowed, without CORS, storing nothing", async () => {
    const { siteKey } = await world();
    const missing = await send(siteKey, [event()], {});
    expect(missing.status).toBe(403);
    expect(errorCode(missing)).toBe("origin_not_allowed");
    const foreign = await send(siteKey, [event()], { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(errorCode(foreign)).toBe("origin_not_allowed");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    // The origin is checked before the body: a foreign page learns nothing of the body rules.
    const foreignBadBody = await api("POST", "/v1/events", {
      key: siteKey,
      rawBody: "{",
      headers: { origin: "https://evil.example" },
    });
    expect(errorCode(foreignBadBody)).toBe("origin_not_allowed");
    expect(await browsingRows()).toHaveLength(0);
    expect(await shardRows("SELECT * FROM event_receipts")).toHaveLength(0);
  });

  it("takes the key from ?key= and a text/plain body (what sendBeacon sends)", async () => {
    const { siteKey } = await world();
    const res = await api("POST", `/v1/events?key=${siteKey}`, {
      key: null,
      rawBody: JSON.stringify({ batch: [event()] }),
      headers: { origin: SHOP, "content-type": "text/plain;charset=UTF-8" },
    });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
  });

  it("answers a preflight for an allowed origin only", async () => {
    const { siteKey } = await world();
    const ok = await api("OPTIONS", `/v1/events?key=${siteKey}`, {
      key: null,
      headers: { origin: SHOP, "access-control-request-method": "POST" },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(ok.headers.get("access-control-allow-methods")).toBe("POST");
    const foreign = await api("OPTIONS", `/v1/events?key=${siteKey}`, {
      key: null,
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(errorCode(foreign)).toBe("origin_not_allowed");
    const noKey = await api("OPTIONS", "/v1/events", { key: null, headers: { origin: SHOP } });
    expect(noKey.status).toBe(401);
  });

  it("refuses other scopes, no key and an unknown key", async () => {
    const { crmKey } = await world();
    const crm = await send(crmKey, [event()]);
    expect(crm.status).toBe(403);
    expect(errorCode(crm)).toBe("forbidden");
    expect((await send(null, [event()])).status).toBe(401);
    expect((await send("cb_site_thiskeywasneverissued00000000000", [event()])).status).toBe(401);
    const admin = await send(undefined as never, [event()]);
    expect(admin.status).toBe(403);
  });

  it("a revoked site key stops at once", async () => {
    const { siteKey, company } = await world();
    const keys = await api("GET", `/v1/admin/companies/${company.id}/api-keys`);
    const list = (keys.body.api_keys ?? keys.body) as Array<{ id: string; scope: string }>;
    const id = list.find((k) => k.scope === "site")!.id;
    expect((await api("DELETE", `/v1/admin/api-keys/${id}`)).status).toBe(200);
    expect((await send(siteKey, [event()])).status).toBe(401);
  });
});

describe("POST /v1/events: consent, dedup, limits and what is kept", () => {
  it("drops events without consent and counts them; nothing of them is stored", async () => {
    const { siteKey } = await world();
    const res = await send(siteKey, [
      event({}, { consent: { analytics: false } }),
      event({}, { consent: undefined }),
      event(),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, dropped: 2 });
    expect(await shardRows("SELECT * FROM event_receipts")).toHaveLength(1);
  });

  it("deduplicates message ids within a batch and across batches for 24 hours", async () => {
    const { siteKey } = await world();
    const first = event();
    const a = await send(siteKey, [first, { ...first }, event()]);
    expect(a.body).toEqual({ accepted: 2, duplicates: 1, dropped: 0 });
    const b = await send(siteKey, [first]);
    expect(b.body).toEqual({ accepted: 0, duplicates: 1, dropped: 0 });
    const rows = await browsingRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].events).toBe(2);
  });

  it("counts a repeat after 24 hours again (the receipt expires)", async () => {
    const { siteKey, company } = await world();
    const principal = { keyId: "k", scope: "site" as const, companyId: company.id, allowedOrigins: [SHOP] };
    const first = event();
    const now = Date.now();
    expect(await ingestSiteEvents(env, principal, SHOP, [first as never], now)).toEqual({
      accepted: 1,
      duplicates: 0,
      dropped: 0,
    });
    expect((await ingestSiteEvents(env, principal, SHOP, [first as never], now + 23 * 3600_000)).duplicates).toBe(1);
    expect((await ingestSiteEvents(env, principal, SHOP, [first as never], now + 25 * 3600_000)).accepted).toBe(1);
    void siteKey;
  });

  it("keeps only the matched service: no URL, query, anonymous id or property is stored", async () => {
    const { siteKey, mortgage } = await world();
    const res = await send(siteKey, [
      event({ properties: { note: "ivan.petrov@mail.ru", phone: "+7 916 123-45-67" } }),
      event({}, { page: { url: `${SHOP}/about?ref=newsletter` } }),
      event({ type: "track", event: "calculator_used", properties: { service: "deposit" } }, { page: undefined }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(3);
    const rows = await browsingRows();
    expect(rows.map((r) => r.service_id).sort()).toEqual([mortgage.id, (await serviceId("deposit"))!].sort());
    const dump = JSON.stringify(
      await Promise.all(
        ["browsing_daily", "event_receipts", "anonymous_links"].map((t) => shardRows(`SELECT * FROM ${t}`)),
      ),
    );
    for (const secret of [
      "email",
      "secret",
      "newsletter",
      "ivan",
      "916",
      "anon-visitor-0001",
      "calculator",
      "/mortgage",
    ]) {
      expect(dump).not.toContain(secret);
    }
  });

  it("refuses an event over 32 KB (413, its path named) and a batch over 500 KB, storing nothing", async () => {
    const { siteKey } = await world();
    const big = event({ properties: { blob: "x".repeat(33 * 1024) } });
    const res = await send(siteKey, [event(), big]);
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe("payload_too_large");
    expect(res.body.errors[0].path).toEqual(["body", "batch", "1"]);
    const many = Array.from({ length: 20 }, () => event({ properties: { blob: "y".repeat(30 * 1024) } }));
    const batch = await send(siteKey, many);
    expect(batch.status).toBe(413);
    // The refusal is readable by the allowed page (CORS on errors too).
    expect(batch.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(await shardRows("SELECT * FROM event_receipts")).toHaveLength(0);
  });

  it("refuses malformed batches with 400", async () => {
    const { siteKey } = await world();
    for (const body of [{}, { batch: [] }, { batch: [{ type: "identify" }] }, { batch: [event({ message_id: "" })] }]) {
      const res = await api("POST", "/v1/events", { key: siteKey, body, headers: { origin: SHOP } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    const broken = await api("POST", "/v1/events", { key: siteKey, rawBody: "{", headers: { origin: SHOP } });
    expect(broken.status).toBe(400);
    expect(errorCode(broken)).toBe("invalid_json");
  });

  it("bounds an unlinked visitor's services per day", async () => {
    const { siteKey, company } = await world();
    for (let i = 0; i < 25; i++) {
      const service = await seedService(company.id, { code: `svc-${i}` });
      void service;
    }
    const batch = Array.from({ length: 25 }, (_, i) =>
      event({ type: "track", properties: { service: `svc-${i}` } }, { page: undefined }),
    );
    const res = await send(siteKey, batch);
    expect(res.body.accepted).toBe(25);
    expect(await browsingRows()).toHaveLength(20);
  });

  it("writes one Analytics Engine data point per accepted event when EVENTS is bound (no URL in it)", async () => {
    const { company } = await world();
    const points: AnalyticsEngineDataPoint[] = [];
    const fake = { writeDataPoint: (point: AnalyticsEngineDataPoint) => points.push(point) };
    const principal = { keyId: "k", scope: "site" as const, companyId: company.id, allowedOrigins: [SHOP] };
    const first = event();
    const result = await ingestSiteEvents({ ...env, EVENTS: fake } as never, principal, SHOP, [
      first,
      first,
      event({}, { consent: { analytics: false } }),
    ] as never);
    expect(result).toEqual({ accepted: 1, duplicates: 1, dropped: 1 });
    expect(points).toHaveLength(1);
    expect(points[0].indexes).toEqual([company.id]);
    expect(points[0].blobs?.slice(0, 3)).toEqual(["page", "mortgage", `${SHOP}/mortgage`]);
    expect(JSON.stringify(points)).not.toContain("email");
    expect(JSON.stringify(points)).not.toContain("anon-visitor-0001");
  });
});

describe("housekeeping of browsing", () => {
  it("forgets receipts past 24 hours and browsing days past retention, keeps the rest", async () => {
    const { company, mortgage } = await world();
    const principal = { keyId: "k", scope: "site" as const, companyId: company.id, allowedOrigins: [SHOP] };
    const now = Date.now();
    await ingestSiteEvents(env, principal, SHOP, [event() as never], now - 2 * 86_400_000);
    await ingestSiteEvents(env, principal, SHOP, [event() as never], now);
    const day = Math.floor(now / 86_400_000);
    for (const d1 of [env.SHARD_0, env.SHARD_1!]) {
      await d1
        .prepare(
          "INSERT INTO browsing_daily (company_id, subject_kind, subject_hash, service_id, day, events) VALUES (?, 'client', 'h', ?, ?, 1)",
        )
        .bind(company.id, mortgage.id, day - 400)
        .run();
    }
    const result = await runHousekeeping(env, now);
    expect(result.shards.reduce((sum, shard) => sum + shard.purgedBrowsingRows, 0)).toBe(3);
    expect(await shardRows("SELECT * FROM event_receipts")).toHaveLength(1);
    expect(await shardRows("SELECT * FROM browsing_daily WHERE day < ?", day - 300)).toHaveLength(0);
    expect((await browsingRows()).length).toBeGreaterThan(0);
  });
});

async function serviceId(code: string) {
  const row = await env.DB.prepare("SELECT id FROM services WHERE code = ?").bind(code).first<{ id: string }>();
  return row?.id;
}

describe("POST /v1/clients/{external_id}/identities", () => {
  it("links a visitor to a CRM client, folds its browsing, and later events count for the client", async () => {
    const { siteKey, crmKey, company, mortgage } = await world();
    await send(siteKey, [event(), event()]);
    expect((await api("PUT", "/v1/clients/c-1", { key: crmKey, body: profile() })).status).toBeLessThan(300);
    const linked = await api("POST", "/v1/clients/c-1/identities", {
      key: crmKey,
      body: { anonymous_id: "anon-visitor-0001" },
    });
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual({ linked: true, created: true, folded: 1 });
    const clientHash = await pseudonymize(env.PSEUDONYM_KEY, company.id, "c-1");
    let rows = await browsingRows();
    expect(rows).toEqual([{ subject_kind: "client", subject_hash: clientHash, service_id: mortgage.id, events: 2 }]);

    await send(siteKey, [event()]);
    rows = await browsingRows();
    expect(rows).toEqual([{ subject_kind: "client", subject_hash: clientHash, service_id: mortgage.id, events: 3 }]);

    const again = await api("POST", "/v1/clients/c-1/identities", {
      key: crmKey,
      body: { anonymous_id: "anon-visitor-0001" },
    });
    expect(again.body).toEqual({ linked: true, created: false, folded: 0 });
    expect(await browsingRows()).toEqual(rows);
  });

  it("answers 404 for an unknown client, 409 for an id linked to another client, storing nothing", async () => {
    const { crmKey } = await world();
    const unknown = await api("POST", "/v1/clients/nobody/identities", {
      key: crmKey,
      body: { anonymous_id: "anon-visitor-0001" },
    });
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe("not_found");
    expect(await shardRows("SELECT * FROM anonymous_links")).toHaveLength(0);

    await api("PUT", "/v1/clients/c-1", { key: crmKey, body: profile() });
    await api("PUT", "/v1/clients/c-2", { key: crmKey, body: profile() });
    await api("POST", "/v1/clients/c-1/identities", { key: crmKey, body: { anonymous_id: "anon-visitor-0001" } });
    const conflict = await api("POST", "/v1/clients/c-2/identities", {
      key: crmKey,
      body: { anonymous_id: "anon-visitor-0001" },
    });
    expect(conflict.status).toBe(409);
    expect(errorCode(conflict)).toBe("conflict");
    const bad = await api("POST", "/v1/clients/c-1/identities", { key: crmKey, body: { anonymous_id: "x" } });
    expect(bad.status).toBe(400);
  });

  it("needs a crm key of the client's company", async () => {
    const { crmKey } = await world();
    await api("PUT", "/v1/clients/c-1", { key: crmKey, body: profile() });
    const other = await seedCompany();
    const partner = await seedKey("partner", other.id);
    const otherCrm = await seedKey("crm", other.id);
    const body = { anonymous_id: "anon-visitor-0001" };
    expect((await api("POST", "/v1/clients/c-1/identities", { key: partner.key, body })).status).toBe(403);
    // Another company's CRM does not see this client.
    expect((await api("POST", "/v1/clients/c-1/identities", { key: otherCrm.key, body })).status).toBe(404);
    expect((await api("POST", "/v1/clients/c-1/identities", { key: null, body })).status).toBe(401);
  });
});

describe("/v1/admin/companies/{id}/url-rules", () => {
  it("creates, lists and deletes rules, each write audited", async () => {
    const company = await seedCompany();
    await seedService(company.id, { code: "mortgage" });
    const created = await api("POST", `/v1/admin/companies/${company.id}/url-rules`, {
      body: { prefix: "https://Shop.Example/Mortgage", service: "mortgage" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ prefix: "https://shop.example/Mortgage", service: "mortgage" });
    const list = await api("GET", `/v1/admin/companies/${company.id}/url-rules`);
    expect(list.body.url_rules).toHaveLength(1);
    const removed = await api("DELETE", `/v1/admin/companies/${company.id}/url-rules/${created.body.id}`);
    expect(removed.status).toBe(204);
    expect((await api("GET", `/v1/admin/companies/${company.id}/url-rules`)).body.url_rules).toHaveLength(0);
    const audit = await api("GET", "/v1/admin/audit-log");
    const actions = JSON.stringify(audit.body);
    expect(actions).toContain("url_rule.created");
    expect(actions).toContain("url_rule.deleted");
  });

  it("refuses a prefix with a query, a relative or http prefix, an unknown service and a duplicate", async () => {
    const company = await seedCompany();
    await seedService(company.id, { code: "mortgage" });
    for (const body of [
      { prefix: "https://shop.example/m?x=1", service: "mortgage" },
      { prefix: "/mortgage", service: "mortgage" },
      { prefix: "http://shop.example/m", service: "mortgage" },
      { prefix: "https://shop.example/m", service: "nope" },
    ]) {
      const res = await api("POST", `/v1/admin/companies/${company.id}/url-rules`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const ok = { prefix: "https://shop.example/m", service: "mortgage" };
    expect((await api("POST", `/v1/admin/companies/${company.id}/url-rules`, { body: ok })).status).toBe(201);
    const dup = await api("POST", `/v1/admin/companies/${company.id}/url-rules`, { body: ok });
    expect(dup.status).toBe(409);
    expect((await api("POST", "/v1/admin/companies/co_unknown/url-rules", { body: ok })).status).toBe(404);
    expect((await api("DELETE", `/v1/admin/companies/${company.id}/url-rules/url_unknown`)).status).toBe(404);
  });

  describe("security", () => {
    itRefusesNonAdmins(async () => {
      const company = await seedCompany();
      await seedService(company.id, { code: `m-${Math.random().toString(36).slice(2, 8)}` });
      return { method: "GET", path: `/v1/admin/companies/${company.id}/url-rules` };
    });
  });
});
