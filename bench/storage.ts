/**
 * `npm run bench:storage [-- --clients N --calls N --deal-share F --concurrency C --shards S]`: what the
 * platform writes, measured on real local D1 databases, and what that means at bank scale.
 *
 * 1. A sandbox copy of the project (bench/lib/sandbox.ts) is seeded with the demo and served by
 *    `wrangler dev` with its control database and client shards (wrangler.toml).
 * 2. `--calls` lead calls of NEW clients (the worst case for growth: every call adds a client), then
 *    partner outcomes for `--deal-share` of the leads they created.
 * 3. Between the phases the Worker is stopped and every database file is read with SQLite's `dbstat`:
 *    bytes per table (its indexes included) and rows, so bytes per row, per lead call and per deal are
 *    measured, not estimated.
 * 4. The projection: 10M clients and 1M lead calls a day with the retention of docs/storage.md,
 *    spread over `--shards` client shards; it ends with the capacity line of docs/scaling.md.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { DEMO_DEFAULT_SEED, generateBankDataset } from "../scripts/datagen/demo";
import { GENDER_FEMALE, GENDER_MALE } from "../src/domain/dataset";
import { BROWSING_RETENTION_DAYS } from "../src/domain/site-events";
import { describeMachine } from "./lib/machine";
import { BenchReport, bytes, fixed, PROJECT_ROOT } from "./lib/report";
import { type DemoKeys, WorkerSandbox } from "./lib/sandbox";

const GB = 1024 ** 3;
/** D1's hard cap of one database (Cloudflare D1 limits page, read 2026-12-05). */
const D1_DATABASE_CAP_BYTES = 10 * GB;
/** The capacity target of docs/scaling.md: half of D1's cap. */
const TARGET_LARGEST_BYTES = 5 * GB;

const PLAN = {
  clients: 10_000_000,
  leadCallsPerDay: 1_000_000,
  /** Peak hour against the average (a bank's call centre day). */
  peakFactor: 3,
};

/** The retention variables of wrangler.toml `[vars]` (src/domain/retention.ts), in days. */
function configuredRetention(): { candidates: number; rollups: number; leadArchive: number } {
  const toml = readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8");
  const days = (name: string, fallback: number) => {
    const match = new RegExp(`^${name}\\s*=\\s*"(\\d+)"`, "m").exec(toml);
    return match ? Number(match[1]) : fallback;
  };
  return {
    candidates: days("CANDIDATE_RETENTION_DAYS", 30),
    rollups: days("ROLLUP_RETENTION_DAYS", 400),
    leadArchive: days("LEAD_ARCHIVE_AFTER_DAYS", 90),
  };
}

/**
 * How long each table's rows stay in a shard (days). `null`: part of a client's lifetime footprint
 * (its profile, its cells and their history, its needs, its website identities). Browsing days
 * are kept BROWSING_RETENTION_DAYS and event receipts a day (the bench sends no website events, so
 * both project to 0 here). Idempotency records live 48 h; the change log is
 * folded within the quarter-hour and pruned daily (1 day); closed leads and their events move to R2
 * after LEAD_ARCHIVE_AFTER_DAYS; deals are kept, counted here for a year.
 */
function retentionDays(): Record<string, number | null> {
  const configured = configuredRetention();
  return {
    clients: null,
    interactions: null,
    interaction_history: null,
    client_needs: null,
    anonymous_links: null,
    browsing_daily: BROWSING_RETENTION_DAYS,
    event_receipts: 1,
    model_stat_deltas: 1,
    idempotency_records: 2,
    scored_candidates: configured.candidates,
    candidate_rollups: configured.rollups,
    // Staged rollup increments: folded into candidate_rollups within minutes (src/storage/candidate-rollups.ts).
    candidate_rollup_pending: 0,
    leads: configured.leadArchive,
    lead_events: configured.leadArchive,
    archived_leads: 365,
    deals: 365,
  };
}

/**
 * Rollup rows a shard can add in one day, whatever its traffic, per service: one per (rating slot,
 * decision, outcome) that occurs; three decisions (below threshold, lead, not routed) and two outcome
 * states carry nearly all of them.
 */
const ROLLUP_ROWS_PER_SERVICE_DAY = 101 * 3 * 2;

function options() {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "3000" },
      calls: { type: "string", default: "600" },
      "deal-share": { type: "string", default: "0.5" },
      concurrency: { type: "string", default: "8" },
      shards: { type: "string", default: "128" },
    },
  });
  const parsed = {
    clients: Number(values.clients),
    calls: Number(values.calls),
    dealShare: Number(values["deal-share"]),
    concurrency: Number(values.concurrency),
    shards: Number(values.shards),
  };
  if (
    ![parsed.clients, parsed.calls, parsed.concurrency, parsed.shards].every((v) => Number.isInteger(v) && v > 0) ||
    !(parsed.dealShare >= 0 && parsed.dealShare <= 1)
  ) {
    throw new Error("usage: --clients N --calls N --deal-share 0..1 --concurrency C --shards S (positive integers)");
  }
  return parsed;
}

interface TableSize {
  rows: number;
  bytes: number;
}

interface DatabaseSize {
  file: string;
  kind: "control" | "shard";
  bytes: number;
  tables: Map<string, TableSize>;
}

/** Every local D1 database of the sandbox, measured with dbstat (pages of each table and its indexes). */
function measureDatabases(root: string): DatabaseSize[] {
  const dir = join(root, ".wrangler", "state", "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((name) => name.endsWith(".sqlite"));
  return files.map((name) => {
    const db = new DatabaseSync(join(dir, name), { readOnly: true });
    try {
      const owners = new Map<string, string>();
      for (const row of db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all()) {
        owners.set(String(row.name), String(row.tbl_name));
      }
      const tables = new Map<string, TableSize>();
      let total = 0;
      for (const row of db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all()) {
        const table = owners.get(String(row.name)) ?? String(row.name);
        const size = tables.get(table) ?? { rows: 0, bytes: 0 };
        size.bytes += Number(row.bytes);
        tables.set(table, size);
        total += Number(row.bytes);
      }
      for (const [table, size] of tables) {
        if (table.startsWith("sqlite_") || table.startsWith("_cf_")) continue;
        try {
          size.rows = Number((db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n);
        } catch {
          size.rows = 0;
        }
      }
      return { file: name, kind: tables.has("clients") ? "shard" : "control", bytes: total, tables };
    } finally {
      db.close();
    }
  });
}

/** Bytes and rows per table, summed over the client shards. */
function shardTables(sizes: DatabaseSize[]): Map<string, TableSize> {
  const sum = new Map<string, TableSize>();
  for (const database of sizes.filter((d) => d.kind === "shard")) {
    for (const [table, size] of database.tables) {
      const current = sum.get(table) ?? { rows: 0, bytes: 0 };
      current.rows += size.rows;
      current.bytes += size.bytes;
      sum.set(table, current);
    }
  }
  return sum;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function main() {
  const opts = options();
  const report = new BenchReport("storage", "npm run bench:storage", describeMachine());
  const sandbox = new WorkerSandbox();
  process.on("exit", () => sandbox.killNow());
  try {
    console.error(`[bench:storage] sandbox ${sandbox.root}: seeding ${opts.clients} demo clients…`);
    const keys: DemoKeys = await sandbox.seed(opts.clients, DEMO_DEFAULT_SEED);
    const seeded = measureDatabases(sandbox.root);
    const shardCount = seeded.filter((d) => d.kind === "shard").length;

    await sandbox.start();
    const base = sandbox.url;
    const admin = { authorization: `Bearer ${sandbox.adminToken}`, "content-type": "application/json" };
    await fetch(`${base}/v1/admin/model/retrain`, { method: "POST", headers: admin, body: "{}" });

    // New clients with the demo's profiles: every call adds a client, its cells and its candidates.
    const bank = generateBankDataset({ preset: "demo", clients: keys.clients, seed: keys.seed });
    const bankKeys = keys.companies.find((c) => c.kind === "bank") ?? keys.companies[0];
    const crm = { authorization: `Bearer ${bankKeys.crm_key}`, "content-type": "application/json" };
    const partnerKeyOf = new Map(keys.companies.map((c) => [c.id, c.partner_key]));
    const created: Array<{ id: string; company: string }> = [];
    let failedCalls = 0;
    const started = performance.now();
    await pool(
      Array.from({ length: opts.calls }, (_, i) => i),
      opts.concurrency,
      async (i) => {
        const row = i % bank.dataset.clients.count;
        const c = bank.dataset.clients;
        const needs: string[] = [];
        for (let k = c.needsPtr[row]; k < c.needsPtr[row + 1]; k++)
          needs.push(bank.dataset.needsVocabulary[c.needsIdx[k]]);
        const services: Record<string, number> = {};
        const r = bank.dataset.interactions;
        for (let k = r.rowPtr[row]; k < r.rowPtr[row + 1]; k++)
          services[bank.catalog.services[r.col[k]].code] = r.value[k];
        const body: Record<string, unknown> = {
          external_id: `bench-storage-${i}`,
          age: c.age[row],
          monthly_income: c.monthlyIncome[row],
          region: bank.dataset.regions[c.region[row]],
          needs,
          services,
        };
        if (c.gender[row] === GENDER_FEMALE) body.gender = "female";
        if (c.gender[row] === GENDER_MALE) body.gender = "male";
        const response = await fetch(`${base}/v1/leads`, {
          method: "POST",
          headers: { ...crm, "idempotency-key": randomUUID() },
          body: JSON.stringify(body),
        });
        if (response.status >= 300) {
          failedCalls++;
          await response.text();
          return;
        }
        const answer = (await response.json()) as {
          leads?: Array<{ id: string; target_company: { id: string } }>;
        };
        for (const lead of answer.leads ?? []) created.push({ id: lead.id, company: lead.target_company.id });
      },
    );
    const callSeconds = (performance.now() - started) / 1000;
    await sandbox.stop();
    const afterCalls = measureDatabases(sandbox.root);

    await sandbox.start();
    const dealBase = sandbox.url;
    const dealt = created.slice(0, Math.round(created.length * opts.dealShare));
    let failedDeals = 0;
    await pool(dealt, opts.concurrency, async (lead) => {
      const response = await fetch(`${dealBase}/v1/partner/leads/${lead.id}/outcome`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${partnerKeyOf.get(lead.company)}`,
          "content-type": "application/json",
          "idempotency-key": randomUUID(),
        },
        body: JSON.stringify({ outcome: Math.random() < 0.5 ? "accepted" : "declined", amount: 10_000 }),
      });
      const text = await response.text();
      if (response.status >= 300) {
        if (failedDeals++ === 0) console.error(`[bench:storage] first refused outcome: ${response.status} ${text}`);
      }
    });
    await sandbox.stop();
    const afterDeals = measureDatabases(sandbox.root);

    // ---- measured
    const RETENTION = retentionDays();
    const seededTables = shardTables(seeded);
    const callTables = shardTables(afterCalls);
    const dealTables = shardTables(afterDeals);
    const names = [...new Set([...dealTables.keys()])]
      .filter((t) => !t.startsWith("sqlite_") && !t.startsWith("_cf_") && t !== "d1_migrations")
      .sort();
    const calls = opts.calls - failedCalls;
    const deals = dealt.length - failedDeals;
    const perCall = (table: string) =>
      ((callTables.get(table)?.bytes ?? 0) - (seededTables.get(table)?.bytes ?? 0)) / Math.max(1, calls);
    const perDeal = (table: string) =>
      ((dealTables.get(table)?.bytes ?? 0) - (callTables.get(table)?.bytes ?? 0)) / Math.max(1, deals);
    report.print(
      `${opts.calls} lead calls of new clients (${failedCalls} refused) in ${fixed(callSeconds)} s at concurrency ${opts.concurrency}: ` +
        `${created.length} leads; ${deals} partner outcomes (${failedDeals} refused); ${shardCount} client shards + 1 control database.`,
    );
    report.table(
      "Client shards, per table (indexes included; measured with SQLite dbstat after each phase)",
      [
        { title: "table", align: "left" },
        { title: "rows" },
        { title: "bytes" },
        { title: "bytes/row" },
        { title: "per lead call" },
        { title: "per deal" },
        { title: "retention", align: "left" },
      ],
      names.map((table) => {
        const size = dealTables.get(table)!;
        const retention = RETENTION[table];
        return [
          table,
          String(size.rows),
          bytes(size.bytes),
          size.rows > 0 ? fixed(size.bytes / size.rows, 0) : "-",
          bytes(Math.round(Math.max(0, perCall(table)))),
          bytes(Math.round(Math.max(0, perDeal(table)))),
          retention === undefined
            ? "?"
            : retention === null
              ? "client lifetime"
              : retention === 0
                ? "folded within minutes"
                : `${retention} d`,
        ];
      }),
    );
    const totalPerCall = names.reduce((sum, t) => sum + Math.max(0, perCall(t)), 0);
    const totalPerDeal = names.reduce((sum, t) => sum + Math.max(0, perDeal(t)), 0);
    const controlBytes = afterDeals.filter((d) => d.kind === "control").reduce((s, d) => s + d.bytes, 0);
    report.notes(
      `per lead call (new client): ${bytes(totalPerCall)} written to its shard (the issue measured 34.7 KB before the change)`,
      `per deal: ${bytes(totalPerDeal)}; control database: ${bytes(controlBytes)} (grows with the catalogue and admin actions, not with clients)`,
    );

    // ---- projection: the largest shard (slots spread clients evenly over the shards)
    const clientsNow = dealTables.get("clients")?.rows ?? 1;
    const lifetimeTables = names.filter((t) => RETENTION[t] === null);
    const footprintPerClient = lifetimeTables.reduce((sum, t) => sum + (dealTables.get(t)?.bytes ?? 0), 0) / clientsNow;
    const dailyCalls = PLAN.leadCallsPerDay;
    const leadsPerCall = created.length / Math.max(1, calls);
    const dealsPerDay = dailyCalls * leadsPerCall * opts.dealShare;
    const services = bank.catalog.services.length;
    const rollups = dealTables.get("candidate_rollups");
    const rollupRowBytes = rollups && rollups.rows > 0 ? rollups.bytes / rollups.rows : 0;
    const windowed = names.filter((t) => typeof RETENTION[t] === "number");
    /** The largest of `shardCount` shards: its share of clients, of calls and deals, for each table's retention. */
    const largestShard = (shardCount: number) => {
      // 1,024 slots over S shards: a shard holds at most ⌈1024 / S⌉ of them.
      const share = Math.ceil(1024 / shardCount) / 1024;
      const parts = windowed.map((t) => {
        const days = RETENTION[t] as number;
        // A repeat call of a known client writes no profile, cells or history (the lifetime footprint
        // holds those): what remains grows with calls and deals.
        let daily = (Math.max(0, perCall(t)) * dailyCalls + Math.max(0, perDeal(t)) * dealsPerDay) * share;
        if (t === "candidate_rollups") daily = Math.min(daily, services * ROLLUP_ROWS_PER_SERVICE_DAY * rollupRowBytes);
        return { table: t, days, daily, steady: daily * days };
      });
      const clientBytes = footprintPerClient * PLAN.clients * share;
      const daily = parts.reduce((sum, p) => sum + p.daily, 0);
      return { share, parts, clientBytes, daily, total: clientBytes + parts.reduce((sum, p) => sum + p.steady, 0) };
    };
    const planned = largestShard(opts.shards);
    const largest = planned.total;
    const daysTo10GbNoRetention = (D1_DATABASE_CAP_BYTES - planned.clientBytes) / planned.daily;
    // Round trips on the client's shard: a lead call one read batch and one write batch (control data
    // cached per isolate); a partner outcome three (lead, references, write).
    const peakCallsPerSecond = (dailyCalls / 86_400) * PLAN.peakFactor;
    const peakDealsPerSecond = (dealsPerDay / 86_400) * PLAN.peakFactor;
    const queriesPerDatabase = (peakCallsPerSecond * 2 + peakDealsPerSecond * 3) * planned.share;
    let shardsForTarget = 1;
    while (shardsForTarget < 1024 && largestShard(shardsForTarget).total > TARGET_LARGEST_BYTES) shardsForTarget *= 2;
    report.table(
      `Projection, largest shard: ${PLAN.clients / 1e6}M clients, ${PLAN.leadCallsPerDay / 1e6}M lead calls a day (${fixed(leadsPerCall, 2)} leads each, ${opts.dealShare * 100} % answered), ${opts.shards} shards`,
      [{ title: "part", align: "left" }, { title: "per day" }, { title: "kept" }, { title: "steady state" }],
      [
        [
          "clients, cells, history",
          "-",
          "lifetime",
          `${bytes(planned.clientBytes)} (${fixed(footprintPerClient, 0)} B/client)`,
        ],
        ...planned.parts.map((p) => [p.table, bytes(p.daily), `${p.days} d`, bytes(p.steady)]),
        ["total", bytes(planned.daily), "", bytes(largest)],
      ],
    );
    report.notes(
      `shards needed (a power of two) for the largest database to stay ≤ 5 GB: ${shardsForTarget}; at ${opts.shards} shards the largest holds ${fixed(planned.share * 100, 2)} % of the clients`,
      `candidate rollups per shard and day are bounded by ${services} services × ${ROLLUP_ROWS_PER_SERVICE_DAY} rows (slot × decision × outcome), whatever the traffic`,
      `peak: ${fixed(peakCallsPerSecond, 1)} lead calls/s and ${fixed(peakDealsPerSecond, 1)} deals/s in all (×${PLAN.peakFactor} the daily average)`,
    );
    report.print();
    report.print(
      `capacity: largest database ${fixed(largest / GB, 2)} GB at steady state, ${fixed(daysTo10GbNoRetention, 0)} days to 10 GB without retention, ${fixed(queriesPerDatabase, 1)} queries/s per database at peak`,
    );
    report.target({
      target: "largest database ≤ 5 GB at steady state (default configuration)",
      value: largest / GB,
      limit: TARGET_LARGEST_BYTES / GB,
      measured: `${fixed(largest / GB, 2)} GB with ${opts.shards} shards`,
    });
    report.printTargets();
    report.finish({
      options: opts,
      perCallBytes: totalPerCall,
      perDealBytes: totalPerDeal,
      tables: Object.fromEntries(
        names.map((t) => [t, { ...dealTables.get(t), perCall: perCall(t), perDeal: perDeal(t) }]),
      ),
      projection: {
        largest,
        daily: planned.daily,
        daysTo10GbNoRetention,
        queriesPerDatabase,
        shardsForTarget,
        footprintPerClient,
      },
    });
  } catch (error) {
    await sandbox.stop();
    console.error(`[bench:storage] failed; the sandbox is kept for its log: ${sandbox.log}`);
    throw error;
  }
  await sandbox.stop();
  sandbox.remove();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
