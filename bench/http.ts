/**
 * `npm run bench:http` — the Worker on workerd (`wrangler dev`, local) with the demo bank, driven by
 * autocannon at a fixed concurrency and at a fixed request rate: p50 / p90 / p99 latency,
 * throughput and errors of GET /health, GET /v1/clients/{id}/recommendations, POST /v1/leads (a new
 * Idempotency-Key per request) and the partner inbox, each next to /health in the same run. The
 * lead call's targets (issue "Storage at bank scale": p50 ≤ 4× /health's, throughput ≥ 25 % of
 * /health's, both at fixed concurrency) use /health measured right before and after its run.
 *
 * Everything runs in a throw-away sandbox (lib/sandbox.ts): its own .dev.vars, D1 state and demo
 * keys, never the developer's. Routes this build does not serve yet are reported as "route not
 * available". The Worker's process group is stopped at the end, on errors and on Ctrl-C, and the
 * benchmark checks that none of its processes is left.
 *
 * Options: --clients 3000  --duration 10 (s per run)  --connections 10  --rate 50 (req/s)  --warmup 2 (s)
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon, { type Instance, type RawRequest } from "autocannon";
import { type BankDataset, clientExternalId, DEMO_DEFAULT_SEED, generateBankDataset } from "../scripts/datagen/demo";
import { GENDER_FEMALE, GENDER_MALE } from "../src/domain/dataset";
import { describeMachine } from "./lib/machine";
import { findOperation, fitBody, type OpenApiDocument, requestBodySchema } from "./lib/openapi";
import { BenchReport, duration, PROJECT_ROOT, times } from "./lib/report";
import { type DemoKeys, WorkerSandbox } from "./lib/sandbox";
import { ratio, type SampleSummary, summarize } from "./lib/stats";

/** One measured load run of one route. */
interface LoadRun {
  mode: "concurrency" | "rate";
  connections: number;
  /** Requested overall rate (req/s), null for the fixed-concurrency run. */
  rate: number | null;
  seconds: number;
  responses: number;
  requestsPerSecond: number;
  /** Latency of 2xx responses in ms, from every response's own timing (not histogram buckets). */
  latency: SampleSummary;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /**
   * autocannon's own histogram (1 ms resolution). At a fixed rate it back-fills "coordinated omission"
   * values with an expected interval of ceil(1 / rate) = 1 ms (rate in req/s), which drags its
   * percentiles down; kept for reference only.
   */
  autocannon: { p50: number; p90: number; p99: number };
  /** Fixed rate only: fewer than 95% of the requested requests per second were completed. */
  saturated: boolean;
}

/** Share of the requested rate a fixed-rate run must complete to count as holding the rate. */
const RATE_HELD = 0.95;

/** A route under test: how to make its next request, or why it cannot be measured. */
interface RouteBench {
  name: string;
  /** Null when measurable; otherwise the reason printed instead of numbers. */
  skipped: string | null;
  next: () => RawRequest;
  detail: string;
  runs: LoadRun[];
}

function options() {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "3000" },
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "10" },
      rate: { type: "string", default: "50" },
      warmup: { type: "string", default: "2" },
    },
  });
  const parsed = {
    clients: Number(values.clients),
    duration: Number(values.duration),
    connections: Number(values.connections),
    rate: Number(values.rate),
    warmup: Number(values.warmup),
  };
  if (Object.values(parsed).some((v) => !Number.isInteger(v) || v < 0) || parsed.duration < 1 || parsed.rate < 1) {
    throw new Error("options must be whole numbers: --clients N --duration S --connections C --rate R --warmup S");
  }
  return parsed;
}

/** Installed version of a package; `workerd` is the copy wrangler itself runs when it has its own. */
function packageVersion(name: string): string {
  for (const dir of [join("node_modules", "wrangler", "node_modules", name), join("node_modules", name)]) {
    try {
      return JSON.parse(readFileSync(join(PROJECT_ROOT, dir, "package.json"), "utf8")).version;
    } catch {
      // not installed there
    }
  }
  return "unknown";
}

/** The anonymized profile the CRM holds for one demo client, as the API's JSON fields. */
function clientFields(bank: BankDataset, row: number): Record<string, unknown> {
  const { dataset, catalog } = bank;
  const c = dataset.clients;
  const r = dataset.interactions;
  const needs: string[] = [];
  for (let k = c.needsPtr[row]; k < c.needsPtr[row + 1]; k++) needs.push(dataset.needsVocabulary[c.needsIdx[k]]);
  const services: Record<string, number> = {};
  for (let k = r.rowPtr[row]; k < r.rowPtr[row + 1]; k++) services[catalog.services[r.col[k]].code] = r.value[k];
  const fields: Record<string, unknown> = {
    external_id: clientExternalId(row),
    age: c.age[row],
    monthly_income: c.monthlyIncome[row],
    region: dataset.regions[c.region[row]],
    needs,
    services,
  };
  if (c.gender[row] === GENDER_FEMALE) fields.gender = "female";
  if (c.gender[row] === GENDER_MALE) fields.gender = "male";
  return fields;
}

/** Cycles through `items` forever. */
function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

/** Runs autocannon once and collects every response's own latency. */
async function load(
  url: string,
  next: () => RawRequest,
  settings: { connections: number; seconds: number; rate: number | null },
  track: (instance: Instance | null) => void,
): Promise<LoadRun> {
  const first = next();
  const instance = autocannon({
    url,
    connections: settings.connections,
    duration: settings.seconds,
    ...(settings.rate ? { overallRate: settings.rate } : {}),
    requests: [{ ...first, setupRequest: (request) => ({ ...request, ...next() }) }],
  });
  track(instance);
  const latencies: number[] = [];
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  track(null);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = Number(stat.count);
  const responses = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    mode: settings.rate ? "rate" : "concurrency",
    connections: settings.connections,
    rate: settings.rate,
    seconds: result.duration,
    responses,
    requestsPerSecond: responses / result.duration,
    latency: summarize(latencies),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    autocannon: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    saturated: settings.rate !== null && responses / result.duration < RATE_HELD * settings.rate,
  };
}

/** Sends one request; resolves with its status and parsed body (null when not JSON). */
async function send(base: string, request: RawRequest): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body as string | undefined,
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body };
}

/** "404 not_found: …" from the API's error envelope. */
function describeFailure(result: { status: number; body: any }): string {
  const error = result.body?.errors?.[0];
  return error ? `${result.status} ${error.code}: ${error.message}` : `HTTP ${result.status}`;
}

async function main() {
  const opts = options();
  const report = new BenchReport("http", "npm run bench:http", describeMachine());
  report.print(
    `wrangler ${packageVersion("wrangler")} · workerd ${packageVersion("workerd")} · autocannon ${packageVersion("autocannon")} · ` +
      `load generator in the same machine (${opts.connections} connections)`,
  );

  const sandbox = new WorkerSandbox();
  let current: Instance | null = null;
  let stopping = false;
  const shutdown = async (): Promise<number[]> => {
    current?.stop();
    const left = await sandbox.stop();
    sandbox.remove();
    return left;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    interrupted = true;
    console.error(`\n[bench:http] ${signal}: stopping the Worker…`);
    shutdown().finally(() => process.exit(130));
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  process.on("exit", () => sandbox.killNow());

  const routes: RouteBench[] = [];
  /** /health at fixed concurrency right before and after the lead call's run (its reference). */
  const leadBracket: { before: LoadRun | null; after: LoadRun | null } = { before: null, after: null };
  const notes: string[] = [];
  let left: number[] = [];
  try {
    console.error(`[bench:http] sandbox ${sandbox.root}: migrating and seeding ${opts.clients} demo clients…`);
    const keys: DemoKeys = await sandbox.seed(opts.clients, DEMO_DEFAULT_SEED);
    console.error("[bench:http] starting wrangler dev…");
    await sandbox.start();
    const base = sandbox.url;
    const admin = { authorization: `Bearer ${sandbox.adminToken}`, "content-type": "application/json" };
    const doc = (await send(base, { method: "GET", path: "/openapi.json" })).body as OpenApiDocument;

    const retrain = findOperation(doc, "post", /^\/v1\/admin\/model\/retrain$/);
    if (retrain) {
      const trained = await send(base, { method: "POST", path: retrain.path, headers: admin, body: "{}" });
      notes.push(
        trained.status < 300
          ? `model: trained by POST ${retrain.path} (${trained.status})`
          : `model: POST ${retrain.path} answered ${describeFailure(trained)}`,
      );
    } else notes.push("model: POST /v1/admin/model/retrain is not available in this build: no model trained");

    // The seed's clients, regenerated from the same seed: rows, CRM ids and source companies.
    const bank = generateBankDataset({ preset: "demo", clients: keys.clients, seed: keys.seed });
    const bankKeys = keys.companies.find((c) => c.kind === "bank") ?? keys.companies[0];
    const bankIndex = bank.catalog.companies.findIndex((c) => c.code === bankKeys.code);
    const bankRows: number[] = [];
    for (let row = 0; row < bank.dataset.clients.count; row++)
      if (bank.clientCompany[row] === bankIndex) bankRows.push(row);
    const crm = { authorization: `Bearer ${bankKeys.crm_key}`, "content-type": "application/json" };
    const nextRow = cycle(bankRows);

    routes.push({
      name: "GET /health",
      skipped: null,
      next: () => ({ method: "GET", path: "/health" }),
      detail: "no key",
      runs: [],
    });

    const recommendations = findOperation(doc, "get", /^\/v1\/clients\/\{[^}]+\}\/recommendations$/);
    routes.push({
      name: "GET /v1/clients/{id}/recommendations",
      skipped: recommendations ? null : "route not available",
      next: () => ({
        method: "GET",
        path: recommendations!.path.replace(/\{[^}]+\}/, encodeURIComponent(clientExternalId(nextRow()))),
        headers: crm,
      }),
      detail: `${bankRows.length} seeded clients of ${bankKeys.code}, crm key`,
      runs: [],
    });

    const leads = findOperation(doc, "post", /^\/v1\/leads$/);
    let leadSkip: string | null = leads ? null : "route not available";
    const leadBodies: string[] = [];
    if (leads) {
      const schema = requestBodySchema(doc, leads);
      for (const row of bankRows) {
        const fitted = fitBody(doc, schema, clientFields(bank, row));
        if ("missing" in fitted) {
          leadSkip = `request body needs fields the benchmark cannot fill: ${fitted.missing.join(", ")}`;
          break;
        }
        leadBodies.push(JSON.stringify(fitted.body));
      }
    }
    const nextLeadBody = cycle(leadBodies);
    routes.push({
      name: "POST /v1/leads",
      skipped: leadSkip,
      next: () => ({
        method: "POST",
        path: "/v1/leads",
        headers: { ...crm, "idempotency-key": randomUUID() },
        body: nextLeadBody(),
      }),
      detail: "seeded clients' profiles, new Idempotency-Key per request",
      runs: [],
    });

    const inbox = findOperation(doc, "get", /^\/v1\/partner\/leads$/);
    const inboxRoute: RouteBench = {
      name: "GET /v1/partner/leads",
      skipped: inbox ? null : "route not available",
      next: () => ({ method: "GET", path: "/v1/partner/leads?limit=50" }),
      detail: "",
      runs: [],
    };
    routes.push(inboxRoute);

    for (const route of routes) {
      if (route.skipped) {
        console.error(`[bench:http] ${route.name}: ${route.skipped}`);
        continue;
      }
      if (route === inboxRoute) {
        // Poll as the company that received the most leads (the inbox is empty before any lead call).
        let best = { count: -1, company: bankKeys };
        for (const company of keys.companies) {
          const page = await send(base, {
            method: "GET",
            path: "/v1/partner/leads?limit=100",
            headers: { authorization: `Bearer ${company.partner_key}` },
          });
          const count = Array.isArray(page.body?.items) ? page.body.items.length : -1;
          if (count > best.count) best = { count, company };
        }
        const headers = { authorization: `Bearer ${best.company.partner_key}` };
        route.next = () => ({ method: "GET", path: "/v1/partner/leads?limit=50", headers });
        route.detail = `${best.company.code} partner key, first page of 50 (${Math.max(0, Math.min(50, best.count))} leads)`;
      }
      const probe = await send(base, route.next());
      if (probe.status < 200 || probe.status >= 300) {
        route.skipped = `probe request failed: ${describeFailure(probe)}`;
        console.error(`[bench:http] ${route.name}: ${route.skipped}`);
        continue;
      }
      const track = (instance: Instance | null) => {
        current = instance;
      };
      if (opts.warmup > 0) await load(base, route.next, { connections: 2, seconds: opts.warmup, rate: null }, track);
      const fixedConcurrency = { connections: opts.connections, seconds: opts.duration, rate: null };
      const bracketed = route.name === "POST /v1/leads";
      // The lead call's targets compare it with /health run right before and right after it: the
      // machine's speed drifts between runs a minute apart (other tenants of the host), and a
      // reference measured next to the run cancels most of that drift.
      if (bracketed) {
        console.error(`[bench:http] GET /health (before the lead call): ${opts.connections} connections…`);
        leadBracket.before = await load(base, routes[0].next, fixedConcurrency, track);
      }
      console.error(`[bench:http] ${route.name}: ${opts.connections} connections for ${opts.duration} s…`);
      route.runs.push(await load(base, route.next, fixedConcurrency, track));
      if (bracketed) {
        console.error(`[bench:http] GET /health (after the lead call): ${opts.connections} connections…`);
        leadBracket.after = await load(base, routes[0].next, fixedConcurrency, track);
      }
      console.error(`[bench:http] ${route.name}: ${opts.rate} req/s for ${opts.duration} s…`);
      route.runs.push(
        await load(base, route.next, { connections: opts.connections, seconds: opts.duration, rate: opts.rate }, track),
      );
    }
  } finally {
    if (!stopping) {
      left = await shutdown();
      stopping = true;
    }
  }

  const health = routes[0];
  const tableFor = (mode: LoadRun["mode"]) =>
    routes.map((route) => {
      const run = route.runs.find((r) => r.mode === mode);
      const reference = health.runs.find((r) => r.mode === mode);
      if (!run) return [route.name, ...Array<string>(9).fill("-"), route.skipped ?? "not measured"];
      return [
        route.name,
        String(run.responses),
        run.requestsPerSecond.toFixed(1),
        duration(run.latency.p50),
        duration(run.latency.p90),
        duration(run.latency.p99),
        String(run.non2xx),
        String(run.errors + run.timeouts),
        times(ratio(run.latency.p50, reference?.latency.p50 ?? Number.NaN)),
        times(ratio(run.latency.p99, reference?.latency.p99 ?? Number.NaN)),
        run.saturated ? `saturated: ${run.requestsPerSecond.toFixed(1)} of ${run.rate} req/s` : "",
      ];
    });
  const columns = [
    { title: "route", align: "left" as const },
    { title: "responses" },
    { title: "req/s" },
    { title: "p50" },
    { title: "p90" },
    { title: "p99" },
    { title: "non-2xx" },
    { title: "errors" },
    { title: "p50 ÷ health" },
    { title: "p99 ÷ health" },
    { title: "note", align: "left" as const },
  ];
  report.table(
    `Fixed concurrency: ${opts.connections} connections, ${opts.duration} s per route`,
    columns,
    tableFor("concurrency"),
  );
  report.table(
    `Fixed rate: ${opts.rate} req/s over ${opts.connections} connections, ${opts.duration} s per route`,
    columns,
    tableFor("rate"),
  );
  report.notes(
    "latency: 2xx responses, each timed by autocannon from request write to response end; percentiles from the sorted samples.",
    "errors: connection errors + timeouts; non-2xx: responses with another status (both count as errors for the targets).",
    ...routes.filter((r) => r.runs.length > 0).map((r) => `${r.name}: ${r.detail}`),
    ...notes,
  );
  report.print(
    left.length === 0
      ? "Worker stopped: no process of its group is left."
      : `WARNING: processes of the Worker's group still alive: ${left.join(", ")}`,
  );

  const leadRoute = routes.find((r) => r.name === "POST /v1/leads");
  const leadRate = leadRoute?.runs.find((r) => r.mode === "rate");
  const healthRate = health.runs.find((r) => r.mode === "rate");
  const leadErrors = leadRoute?.runs.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0) ?? Number.NaN;
  // A route that cannot hold the rate has no bounded latency at that rate: the target is missed.
  const rateHeld = leadRate && healthRate && !leadRate.saturated && !healthRate.saturated;
  const leadRatio = ratio(leadRate?.latency.p99 ?? Number.NaN, healthRate?.latency.p99 ?? Number.NaN);
  report.target({
    target: `POST /v1/leads p99 ≤ 3× GET /health p99 (fixed rate ${opts.rate} req/s)`,
    value: leadRate ? (rateHeld ? leadRatio : Number.POSITIVE_INFINITY) : Number.NaN,
    limit: 3,
    measured: leadRate
      ? `${times(leadRatio)} (p99 ${duration(leadRate.latency.p99)} vs ${duration(healthRate?.latency.p99 ?? Number.NaN)})` +
        (rateHeld
          ? ""
          : `; rate not held: /v1/leads ${leadRate.requestsPerSecond.toFixed(1)}, /health ${healthRate?.requestsPerSecond.toFixed(1)} of ${opts.rate} req/s`)
      : (leadRoute?.skipped ?? "not measured"),
  });
  const leadConcurrency = leadRoute?.runs.find((r) => r.mode === "concurrency");
  const { before, after } = leadBracket;
  const reference =
    before && after
      ? {
          requestsPerSecond: (before.requestsPerSecond + after.requestsPerSecond) / 2,
          p50: (before.latency.p50 + after.latency.p50) / 2,
        }
      : null;
  const bracketNote = reference
    ? `/health right before and after: ${before!.requestsPerSecond.toFixed(1)} and ${after!.requestsPerSecond.toFixed(1)} req/s, ` +
      `p50 ${duration(before!.latency.p50)} and ${duration(after!.latency.p50)}`
    : "";
  report.target({
    target: `POST /v1/leads p50 ≤ 4× GET /health p50 (${opts.connections} connections; /health right before and after)`,
    value: leadConcurrency && reference ? ratio(leadConcurrency.latency.p50, reference.p50) : Number.NaN,
    limit: 4,
    measured:
      leadConcurrency && reference
        ? `${times(ratio(leadConcurrency.latency.p50, reference.p50))} (p50 ${duration(leadConcurrency.latency.p50)} vs ${duration(reference.p50)}; ${bracketNote})`
        : (leadRoute?.skipped ?? "not measured"),
  });
  report.target({
    target: `POST /v1/leads throughput ≥ 25 % of GET /health's (${opts.connections} connections; /health right before and after)`,
    // As "health ÷ lead ≤ 4", the form every target here takes (value ≤ limit).
    value:
      leadConcurrency && reference ? ratio(reference.requestsPerSecond, leadConcurrency.requestsPerSecond) : Number.NaN,
    limit: 4,
    measured:
      leadConcurrency && reference
        ? `${((100 * leadConcurrency.requestsPerSecond) / reference.requestsPerSecond).toFixed(1)} % ` +
          `(${leadConcurrency.requestsPerSecond.toFixed(1)} vs ${reference.requestsPerSecond.toFixed(1)} req/s)`
        : (leadRoute?.skipped ?? "not measured"),
  });
  report.target({
    target: "POST /v1/leads: zero errors (both runs)",
    value: leadRoute?.runs.length ? leadErrors : Number.NaN,
    limit: 0,
    measured: leadRoute?.runs.length
      ? `${leadErrors} errors / non-2xx in ${leadRoute.runs.reduce((s, r) => s + r.responses, 0)} responses`
      : (leadRoute?.skipped ?? "not measured"),
  });
  report.printTargets();
  report.finish({
    options: opts,
    versions: {
      wrangler: packageVersion("wrangler"),
      workerd: packageVersion("workerd"),
      autocannon: packageVersion("autocannon"),
    },
    notes,
    leadBracket,
    processesLeft: left,
    routes: routes.map(({ next: _next, ...rest }) => rest),
  });
  if (left.length > 0) process.exitCode = 1;
}

/** Set on Ctrl-C / SIGTERM: requests still in flight then fail by design and are not reported. */
let interrupted = false;

main().catch((error: unknown) => {
  if (interrupted) return;
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
