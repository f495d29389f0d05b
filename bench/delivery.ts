/**
 * `npm run bench:delivery` — webhook delivery while one partner fails. The Worker runs on workerd
 * (`wrangler dev`, local, port 8791) in a throw-away sandbox with the demo bank; two demo partner
 * companies get webhooks pointing at two fake partner servers on loopback:
 * - "healthy" answers 204 at once;
 * - "failing" answers 500 to 20 % of requests, never answers 10 % (the request hangs until our
 *   timeout aborts it), and 204 to the rest.
 * Thresholds are set so that every lead call creates exactly one lead for each of the two partners
 * (global `min_rating` 100, `min_rating` 0 on one service of each, in two different categories).
 * Then `--calls` lead calls of new clients are made at `--rate` calls per second, and the benchmark
 * waits (at most `--wait` seconds) until every lead is delivered or failed.
 *
 * Printed per partner: leads created, delivered, still pending, failed; p50 / p95 / max from lead
 * creation (the document's `created_at`) to the first verified 2xx delivery; attempts per lead;
 * duplicate deliveries per webhook-id and bad signatures (both must be 0 / absorbed).
 *
 * Options: --calls 60  --rate 2 (lead calls/s)  --wait 150 (s)  --clients 300  --port 8791
 *          --fail 0.2  --hang 0.1  --seed 7
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";
import { DEMO_DEFAULT_SEED, generateBankDataset } from "../scripts/datagen/demo";
import { seededRandom } from "../src/domain/random";
import { describeMachine } from "./lib/machine";
import { BenchReport, duration } from "./lib/report";
import { type DemoCompanyKeys, WorkerSandbox } from "./lib/sandbox";
import { percentile, summarize } from "./lib/stats";

/** The issue's target for the healthy partner while the other fails: "within a few seconds". */
const HEALTHY_P95_TARGET_MS = 5_000;

function options() {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "60" },
      rate: { type: "string", default: "2" },
      wait: { type: "string", default: "150" },
      clients: { type: "string", default: "300" },
      port: { type: "string", default: "8791" },
      fail: { type: "string", default: "0.2" },
      hang: { type: "string", default: "0.1" },
      seed: { type: "string", default: "7" },
    },
  });
  const parsed = {
    calls: Number(values.calls),
    rate: Number(values.rate),
    wait: Number(values.wait),
    clients: Number(values.clients),
    port: Number(values.port),
    fail: Number(values.fail),
    hang: Number(values.hang),
    seed: Number(values.seed),
  };
  if (
    ![parsed.calls, parsed.wait, parsed.clients, parsed.port, parsed.seed].every((v) => Number.isInteger(v) && v > 0) ||
    !(parsed.rate > 0) ||
    !(parsed.fail >= 0 && parsed.hang >= 0 && parsed.fail + parsed.hang <= 1)
  ) {
    throw new Error(
      "options: --calls N --rate R --wait S --clients N --port P --seed N (positive) --fail F --hang H (F + H <= 1)",
    );
  }
  return parsed;
}

/** What one fake partner saw. */
interface PartnerLog {
  name: string;
  company: DemoCompanyKeys;
  secret: string;
  requests: number;
  answered500: number;
  hung: number;
  badSignatures: number;
  /** webhook-id → first verified 2xx (epoch ms) and the document's created_at (epoch ms). */
  delivered: Map<string, { at: number; createdAt: number }>;
  /** webhook-id → requests carrying it. */
  attemptsById: Map<string, number>;
  duplicates: number;
}

/**
 * A fake partner endpoint on 127.0.0.1: verifies every request's signature, answers 500 with
 * probability `fail`, hangs with probability `hang` (until the Worker aborts the request), else 204.
 */
async function startPartner(
  log: PartnerLog,
  behaviour: { fail: number; hang: number; random: () => number },
): Promise<{ server: Server; url: string; hanging: Set<ServerResponse> }> {
  const hanging = new Set<ServerResponse>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = Date.now();
      log.requests++;
      const id = String(request.headers["webhook-id"] ?? "");
      log.attemptsById.set(id, (log.attemptsById.get(id) ?? 0) + 1);
      const roll = behaviour.random();
      if (roll < behaviour.fail) {
        log.answered500++;
        response.writeHead(500).end("failing on purpose");
        return;
      }
      if (roll < behaviour.fail + behaviour.hang) {
        log.hung++;
        hanging.add(response);
        response.on("close", () => hanging.delete(response));
        return; // never answered: the Worker's timeout ends it
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers)) if (typeof value === "string") headers[key] = value;
      let document: { created_at?: string };
      try {
        document = new Webhook(log.secret).verify(body, headers) as { created_at?: string };
      } catch {
        log.badSignatures++;
        response.writeHead(401).end("bad signature");
        return;
      }
      if (log.delivered.has(id)) log.duplicates++;
      else log.delivered.set(id, { at, createdAt: Date.parse(document.created_at ?? "") });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hooks/leads`, hanging };
}

/** Sends one JSON request to the Worker; resolves with its status and parsed body. */
async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

function expectOk(result: { status: number; body: any }, what: string): any {
  if (result.status >= 200 && result.status < 300) return result.body;
  const error = result.body?.errors?.[0];
  throw new Error(`${what}: HTTP ${result.status}${error ? ` ${error.code}: ${error.message}` : ""}`);
}

async function main() {
  const opts = options();
  const report = new BenchReport("delivery", "npm run bench:delivery", describeMachine());
  const random = seededRandom(opts.seed);
  const sandbox = new WorkerSandbox();
  const servers: Array<{ server: Server; hanging: Set<ServerResponse> }> = [];
  let stopping = false;
  const shutdown = async (): Promise<number[]> => {
    for (const { server, hanging } of servers) {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      server.close();
    }
    const left = await sandbox.stop();
    sandbox.remove();
    return left;
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n[bench:delivery] ${signal}: stopping the Worker…`);
      shutdown().finally(() => process.exit(130));
    });
  }
  process.on("exit", () => sandbox.killNow());

  let left: number[] = [];
  const partners: PartnerLog[] = [];
  const created = new Map<string, { partner: PartnerLog; sentAt: number }>();
  const leadCallErrors: string[] = [];
  /** Wall time of each lead call: the Worker is busy with these while it delivers. */
  const leadCallMs: number[] = [];
  let leadCallsWithoutBoth = 0;
  let waitedMs = 0;
  const statusOf = new Map<string, { status: string; attempts: number }>();
  try {
    console.error(`[bench:delivery] sandbox ${sandbox.root}: migrating and seeding ${opts.clients} demo clients…`);
    const keys = await sandbox.seed(opts.clients, DEMO_DEFAULT_SEED);
    console.error(`[bench:delivery] starting wrangler dev on port ${opts.port}…`);
    await sandbox.start(opts.port);
    const base = sandbox.url;
    const admin = { authorization: `Bearer ${sandbox.adminToken}` };
    expectOk(await call(base, "POST", "/v1/admin/model/retrain", admin, {}), "retrain");

    const bankKeys = keys.companies.find((c) => c.kind === "bank") ?? keys.companies[0];
    const crm = { authorization: `Bearer ${bankKeys.crm_key}` };
    const bank = generateBankDataset({ preset: "demo", clients: keys.clients, seed: keys.seed });
    // Letters only: long digit runs in an id can look like personal data to the guard (422).
    const letters = (n: number) =>
      n.toString(26).replace(/./g, (d) => String.fromCharCode(97 + Number.parseInt(d, 26)));
    const runTag = letters(Date.now());
    const profile = (i: number) => {
      // A seeded client's anonymous profile under a new CRM id, so every call is a new client.
      const row = i % bank.dataset.clients.count;
      const c = bank.dataset.clients;
      const needs: string[] = [];
      for (let k = c.needsPtr[row]; k < c.needsPtr[row + 1]; k++)
        needs.push(bank.dataset.needsVocabulary[c.needsIdx[k]]);
      return {
        external_id: `bench-delivery-${runTag}-${letters(i)}`,
        age: c.age[row],
        monthly_income: c.monthlyIncome[row],
        region: bank.dataset.regions[c.region[row]],
        needs,
      };
    };

    // Two partner services in two categories that the bank's clients are rated for.
    const probe = expectOk(
      await call(base, "POST", "/v1/leads", crm, { ...profile(0), dry_run: true }),
      "dry-run lead call",
    );
    const partnerIds = new Set(keys.companies.filter((c) => c.kind === "partner").map((c) => c.id));
    const chosen: Array<{ service: string; category: string; company: DemoCompanyKeys }> = [];
    for (const rating of probe.ratings as Array<{ service: string; category: string; company_id: string }>) {
      if (!partnerIds.has(rating.company_id)) continue;
      if (chosen.some((c) => c.category === rating.category || c.company.id === rating.company_id)) continue;
      chosen.push({
        service: rating.service,
        category: rating.category,
        company: keys.companies.find((c) => c.id === rating.company_id)!,
      });
      if (chosen.length === 2) break;
    }
    if (chosen.length < 2) throw new Error("the demo bank rates fewer than two partner companies' services");
    const serviceIds: string[] = [];
    for (const pick of chosen) {
      const service = expectOk(
        await call(base, "GET", `/v1/admin/services/${encodeURIComponent(pick.service)}`, admin),
        "service",
      );
      serviceIds.push(service.id);
    }
    expectOk(
      await call(base, "PUT", "/v1/admin/settings", admin, {
        changes: [
          { scope: "global", key: "min_rating", value: 100 },
          ...serviceIds.map((id) => ({ scope: "service", scope_id: id, key: "min_rating", value: 0 })),
        ],
      }),
      "thresholds",
    );

    const behaviours = [
      { name: "healthy", fail: 0, hang: 0 },
      { name: "failing", fail: opts.fail, hang: opts.hang },
    ];
    for (const [i, behaviour] of behaviours.entries()) {
      const log: PartnerLog = {
        name: behaviour.name,
        company: chosen[i].company,
        secret: "",
        requests: 0,
        answered500: 0,
        hung: 0,
        badSignatures: 0,
        delivered: new Map(),
        attemptsById: new Map(),
        duplicates: 0,
      };
      const partner = await startPartner(log, { fail: behaviour.fail, hang: behaviour.hang, random });
      servers.push(partner);
      const updated = expectOk(
        await call(base, "PATCH", `/v1/admin/companies/${log.company.id}`, admin, { webhook_url: partner.url }),
        "webhook URL",
      );
      log.secret =
        updated.webhook_secret ??
        expectOk(
          await call(base, "POST", `/v1/admin/companies/${log.company.id}/webhook-secret:rotate`, admin, {}),
          "secret",
        ).webhook_secret;
      partners.push(log);
    }
    const partnerOf = new Map(partners.map((p) => [p.company.id, p]));

    console.error(`[bench:delivery] ${opts.calls} lead calls at ${opts.rate}/s…`);
    const started = Date.now();
    const calls: Promise<void>[] = [];
    for (let i = 0; i < opts.calls; i++) {
      const due = started + (i * 1000) / opts.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      calls.push(
        (async () => {
          const sentAt = Date.now();
          const result = await call(
            base,
            "POST",
            "/v1/leads",
            { ...crm, "idempotency-key": randomUUID() },
            profile(i + 1),
          );
          leadCallMs.push(Date.now() - sentAt);
          if (result.status !== 201) {
            leadCallErrors.push(
              `${result.status}${result.body?.errors?.[0] ? ` ${result.body.errors[0].code}` : " (no lead created)"}`,
            );
            return;
          }
          const leads = result.body.leads as Array<{ id: string; target_company: { id: string } }>;
          const targets = new Set<string>();
          for (const lead of leads) {
            const partner = partnerOf.get(lead.target_company.id);
            if (!partner) continue;
            targets.add(partner.name);
            created.set(lead.id, { partner, sentAt });
          }
          if (targets.size !== 2) leadCallsWithoutBoth++;
        })(),
      );
    }
    await Promise.all(calls);

    console.error(`[bench:delivery] ${created.size} leads created; waiting up to ${opts.wait} s for delivery…`);
    const deadline = started + opts.wait * 1000;
    const settled = async (): Promise<boolean> => {
      const open = [...created].filter(([id, { partner }]) => !partner.delivered.has(id) && !statusOf.has(id));
      for (const [id] of open) {
        const detail = await call(base, "GET", `/v1/admin/leads/${id}`, admin);
        const lead = detail.body?.lead;
        if (lead && lead.status !== "queued")
          statusOf.set(id, { status: lead.status, attempts: lead.delivery_attempts });
      }
      return [...created].every(([id, { partner }]) => partner.delivered.has(id) || statusOf.has(id));
    };
    while (Date.now() < deadline && !(await settled())) await sleep(1000);
    waitedMs = Date.now() - started;
  } finally {
    if (!stopping) {
      left = await shutdown();
      stopping = true;
    }
  }

  const rows = partners.map((partner) => {
    const mine = [...created].filter(([, c]) => c.partner === partner).map(([id]) => id);
    const latencies = mine
      .filter((id) => partner.delivered.has(id))
      .map((id) => {
        const d = partner.delivered.get(id)!;
        return d.at - d.createdAt;
      });
    const failed = mine.filter((id) => !partner.delivered.has(id) && statusOf.get(id)?.status === "failed").length;
    const delivered = mine.filter((id) => partner.delivered.has(id)).length;
    const attempts = summarize(mine.map((id) => partner.attemptsById.get(id) ?? 0));
    const latency = summarize(latencies);
    return {
      partner,
      created: mine.length,
      delivered,
      pending: mine.length - delivered - failed,
      failed,
      latency,
      attempts,
    };
  });
  const p95By = new Map(
    rows.map((row) => {
      const latencies = [...row.partner.delivered].filter(([id]) => created.has(id)).map(([, d]) => d.at - d.createdAt);
      return [row.partner.name, percentile(Float64Array.from(latencies).sort(), 95)];
    }),
  );

  report.print(
    `${opts.calls} lead calls at ${opts.rate}/s, each for both partners; failing partner: ${Math.round(opts.fail * 100)} % HTTP 500, ` +
      `${Math.round(opts.hang * 100)} % hang; waited ${(waitedMs / 1000).toFixed(0)} s (limit ${opts.wait} s)`,
  );
  report.table(
    "Lead creation (document created_at) → first verified 2xx at the partner",
    [
      { title: "partner", align: "left" },
      { title: "leads" },
      { title: "delivered" },
      { title: "pending" },
      { title: "failed" },
      { title: "p50" },
      { title: "p95" },
      { title: "max" },
      { title: "requests" },
      { title: "500s" },
      { title: "hangs" },
      { title: "max attempts/lead" },
      { title: "dup ids" },
      { title: "bad sigs" },
    ],
    rows.map((row) => [
      row.partner.name,
      String(row.created),
      String(row.delivered),
      String(row.pending),
      String(row.failed),
      duration(row.latency.p50),
      duration(p95By.get(row.partner.name) ?? Number.NaN),
      duration(row.latency.max),
      String(row.partner.requests),
      String(row.partner.answered500),
      String(row.partner.hung),
      String(row.attempts.max),
      String(row.partner.duplicates),
      String(row.partner.badSignatures),
    ]),
  );
  const leadCallTimes = summarize(leadCallMs);
  report.notes(
    `lead call itself (same Worker): p50 ${duration(leadCallTimes.p50)}, p90 ${duration(leadCallTimes.p90)}, max ${duration(leadCallTimes.max)}`,
    `lead calls that did not answer 201: ${leadCallErrors.length}${leadCallErrors.length ? ` (${leadCallErrors.join(", ")})` : ""}; answered 201 without a lead for each partner: ${leadCallsWithoutBoth}`,
    "dup ids: a webhook-id verified twice (a receiver deduplicating by webhook-id absorbs it); bad sigs must be 0.",
  );
  const healthyP95 = p95By.get("healthy") ?? Number.NaN;
  // The target is about a failing neighbour: a run where both partners are healthy is the baseline.
  const otherFails = opts.fail + opts.hang > 0;
  report.target({
    target: "healthy partner p95 within a few seconds (≤ 5 s) while the other fails",
    value: otherFails ? healthyP95 : Number.NaN,
    limit: HEALTHY_P95_TARGET_MS,
    measured: otherFails ? duration(healthyP95) : `baseline run, both healthy: ${duration(healthyP95)}`,
  });
  report.printTargets();
  report.print(
    left.length === 0
      ? "Worker stopped: no process of its group is left."
      : `WARNING: processes of the Worker's group still alive: ${left.join(", ")}`,
  );
  report.finish({
    options: opts,
    leadCallMs: leadCallTimes,
    partners: rows.map((row) => ({
      name: row.partner.name,
      created: row.created,
      delivered: row.delivered,
      pending: row.pending,
      failed: row.failed,
      latencyMs: row.latency,
      p95Ms: p95By.get(row.partner.name),
      requests: row.partner.requests,
      answered500: row.partner.answered500,
      hung: row.partner.hung,
      attemptsPerLead: row.attempts,
      duplicates: row.partner.duplicates,
      badSignatures: row.partner.badSignatures,
    })),
  });
  process.exit(0);
}

await main();
