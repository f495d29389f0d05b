/**
 * The personal-data corpus through the real routes (issue 11, "Done when"): every variant is sent
 * once, in turn in every free field of every client-facing route that takes a body, and refused
 * with 422 naming its path (a batch item is refused in its result, with the same 422 code and
 * path). At the end no table holds any of the values and no lead document carries one.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, seedKey, seedService, seedTenant } from "../harness";
import { seedLeads } from "../usecases/lead-delivery/fixtures";
import { digitCore, personalDataCorpus } from "./corpus";

interface Target {
  name: string;
  /** The request for one variant, and the path the refusal must name. */
  send: (variant: string, key: Keys) => Promise<{ status: number; body: any }>;
  path: string[];
  /** Batch items are refused in the 200 answer's results. */
  batch?: boolean;
}

interface Keys {
  crm: string;
  partner: string;
  leadPath: string;
}

const profile = { age: 34, monthly_income: 150000, region: "RU-MOW", gender: "female", needs: ["housing"] };

function targets(): Target[] {
  const put = (field: string, value: (v: string) => unknown): Target => ({
    name: `PUT /v1/clients ${field}`,
    path: ["body", ...field.split(".")],
    send: (v, k) =>
      api("PUT", `/v1/clients/corpus-${crypto.randomUUID()}`, {
        key: k.crm,
        body: withField({ ...profile, needs: [...profile.needs] }, field, value(v)),
      }),
  });
  return [
    put("region", (v) => v),
    put("needs.0", (v) => v),
    put("gender", (v) => v),
    put("age", (v) => v),
    put("monthly_income", (v) => (/^\d{10,}$/.test(v) ? Number(v) : v)),
    put("comment", (v) => v),
    {
      name: "POST /v1/clients:batch region",
      path: ["body", "clients", "0", "region"],
      batch: true,
      send: (v, k) =>
        api("POST", "/v1/clients:batch", {
          key: k.crm,
          body: { clients: [{ external_id: `b-${crypto.randomUUID()}`, ...profile, region: v }] },
        }),
    },
    {
      name: "POST /v1/clients:batch needs",
      path: ["body", "clients", "0", "needs", "0"],
      batch: true,
      send: (v, k) =>
        api("POST", "/v1/clients:batch", {
          key: k.crm,
          body: { clients: [{ external_id: `b-${crypto.randomUUID()}`, ...profile, needs: [v] }] },
        }),
    },
    ...(["region", "needs.1"] as const).map(
      (field): Target => ({
        name: `POST /v1/leads ${field}`,
        path: ["body", ...field.split(".")],
        send: (v, k) =>
          api("POST", "/v1/leads", {
            key: k.crm,
            body: withField(
              { external_id: `l-${crypto.randomUUID()}`, ...profile, needs: ["housing", "travel"] },
              field,
              v,
            ),
          }),
      }),
    ),
    ...(["region", "needs.0"] as const).map(
      (field): Target => ({
        name: `POST /v1/recommendations:preview ${field}`,
        path: ["body", ...field.split(".")],
        send: (v, k) =>
          api("POST", "/v1/recommendations:preview", {
            key: k.crm,
            body: withField({ ...profile, needs: [...profile.needs] }, field, v),
          }),
      }),
    ),
    ...(["outcome", "amount", "occurred_at"] as const).map(
      (field): Target => ({
        name: `POST /v1/deals ${field}`,
        path: ["body", field],
        send: (v, k) =>
          api("POST", "/v1/deals", {
            key: k.crm,
            headers: { "idempotency-key": crypto.randomUUID() },
            body: { external_id: "corpus-deal", service: "corpus-card", outcome: "accepted", amount: 100, [field]: v },
          }),
      }),
    ),
    ...(["outcome", "amount", "occurred_at"] as const).map(
      (field): Target => ({
        name: `POST outcome ${field}`,
        path: ["body", field],
        send: (v, k) =>
          api("POST", k.leadPath, {
            key: k.partner,
            body: {
              outcome: "accepted",
              amount: 100,
              [field]: /^\d{10,}$/.test(v) && field === "amount" ? Number(v) : v,
            },
          }),
      }),
    ),
  ];
}

function withField(body: Record<string, unknown>, field: string, value: unknown) {
  const path = field.split(".");
  let node = body as Record<string, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  node[path[path.length - 1]] = value;
  return body;
}

/** Every text of every table, for looking up stored values. */
async function everythingStored(): Promise<string> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    parts.push(JSON.stringify(results));
  }
  return parts.join("\n");
}

describe("personal-data corpus through the routes", () => {
  it("refuses every variant with 422 naming its path; nothing is stored or forwarded", async () => {
    const corpus = personalDataCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(1000);
    const tenant = await seedTenant("Corpus bank");
    await seedService(tenant.company.id, { code: "corpus-card" });
    const [lead] = await seedLeads(tenant.company, 1);
    const before = await everythingStored();
    const all = targets();

    let keys: Keys = {
      crm: tenant.crmKey,
      partner: tenant.partnerKey,
      leadPath: `/v1/partner/leads/${lead.id}/outcome`,
    };
    const failures: string[] = [];
    const PARALLEL = 12;
    for (let start = 0; start < corpus.length; start += PARALLEL) {
      // A fresh key pair now and then keeps the run under the per-key rate limits.
      if (start % 360 === 0 && start > 0) {
        keys = {
          ...keys,
          crm: (await seedKey("crm", tenant.company.id)).key,
          partner: (await seedKey("partner", tenant.company.id)).key,
        };
      }
      const chunk = corpus.slice(start, start + PARALLEL);
      const answers = await Promise.all(
        chunk.map(async (variant, offset) => {
          const target = all[(start + offset) % all.length];
          return { variant, target, res: await target.send(variant, keys) };
        }),
      );
      for (const { variant, target, res } of answers) {
        const want = target.path.join(".");
        const items: Array<{ code: string; path?: string[] }> =
          target.batch && res.status === 200 ? (res.body.results[0]?.errors ?? []) : (res.body?.errors ?? []);
        const refusedAtPath = items.some((item) => item.path?.join(".") === want);
        const status422 =
          target.batch && res.status === 200 ? res.body.results[0]?.status === "invalid" : res.status === 422;
        const codes422 = items.every((item) => ["personal_data", "unprocessable"].includes(item.code));
        if (!refusedAtPath || !status422 || !codes422) {
          failures.push(
            `${target.name} ${JSON.stringify(variant)} → ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`,
          );
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);

    const after = await everythingStored();
    const leaked = corpus.filter((variant) => {
      const core = digitCore(variant);
      return after.includes(variant) || (core.length >= 10 && !before.includes(core) && after.includes(core));
    });
    expect(leaked).toEqual([]);
  }, 600_000);
});
