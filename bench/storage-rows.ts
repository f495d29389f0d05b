/**
 * `npm run measure:rows` — bytes per row of every D1 table and index, and bytes stored per lead
 * call, measured on the Worker itself: a throw-away sandbox (lib/sandbox.ts) seeded with the demo
 * bank, `wrangler dev` (local D1), the model trained, then N lead calls of NEW clients (each with
 * an Idempotency-Key) through POST /v1/leads. SQLite's `dbstat` on the sandbox's D1 file, read
 * before and after the calls, gives each table's and index's pages; the difference over the rows
 * added is the size per row, and the total difference over N the bytes stored per lead call.
 *
 * Options: --calls 500  --clients 2000 (seeded demo clients)  --port 8792  --concurrency 4
 * The numbers in docs/storage.md come from this script.
 */
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants } from "node:zlib";
import { type BankDataset, DEMO_DEFAULT_SEED, generateBankDataset } from "../scripts/datagen/demo";
import { GENDER_FEMALE, GENDER_MALE } from "../src/domain/dataset";
import { type DemoKeys, WorkerSandbox } from "./lib/sandbox";

const { values: args } = parseArgs({
  options: {
    calls: { type: "string", default: "500" },
    clients: { type: "string", default: "2000" },
    port: { type: "string", default: "8792" },
    concurrency: { type: "string", default: "4" },
  },
});
const CALLS = Number(args.calls);
const CONCURRENCY = Number(args.concurrency);

/** Pages and rows of every table and index (dbstat's "name"), and each index's table. */
interface Usage {
  /** Page bytes (dbstat `pgsize`): what the database file holds. */
  bytes: Map<string, number>;
  /** Record bytes (dbstat `payload`): the rows themselves, without page slack. */
  payload: Map<string, number>;
  rows: Map<string, number>;
  tableOf: Map<string, string>;
  /** The database's text encoding and page size (they explain the payload and page figures). */
  encoding: string;
  pageSize: number;
}

function measure(file: string): Usage {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const bytes = new Map<string, number>();
    const payload = new Map<string, number>();
    for (const row of db
      .prepare("SELECT name, SUM(pgsize) AS bytes, SUM(payload) AS payload FROM dbstat GROUP BY name")
      .all()) {
      bytes.set(String(row.name), Number(row.bytes));
      payload.set(String(row.name), Number(row.payload));
    }
    const tableOf = new Map<string, string>();
    const rows = new Map<string, number>();
    const objects = db
      .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
      .all() as Array<{ type: string; name: string; tbl_name: string }>;
    for (const object of objects) {
      tableOf.set(object.name, object.tbl_name);
      if (object.type === "table" && !object.name.startsWith("sqlite_") && !object.name.startsWith("_cf")) {
        const counted = db.prepare(`SELECT COUNT(*) AS n FROM "${object.name}"`).get() as { n: number };
        rows.set(object.name, Number(counted.n));
      }
    }
    const encoding = (db.prepare("PRAGMA encoding").get() as { encoding: string }).encoding;
    const pageSize = (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size;
    return { bytes, payload, rows, tableOf, encoding, pageSize };
  } finally {
    db.close();
  }
}

/** The sandbox's local D1 database file (the only one: the DB binding). */
function d1File(root: string): string {
  const dir = join(root, ".wrangler", "state", "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 file in ${dir}, found ${files.join(", ")}`);
  return join(dir, files[0]);
}

function leadBody(bank: BankDataset, row: number, externalId: string): Record<string, unknown> {
  const { dataset, catalog } = bank;
  const c = dataset.clients;
  const r = dataset.interactions;
  const needs: string[] = [];
  for (let k = c.needsPtr[row]; k < c.needsPtr[row + 1]; k++) needs.push(dataset.needsVocabulary[c.needsIdx[k]]);
  const services: Record<string, number> = {};
  for (let k = r.rowPtr[row]; k < r.rowPtr[row + 1]; k++) services[catalog.services[r.col[k]].code] = r.value[k];
  const body: Record<string, unknown> = {
    external_id: externalId,
    age: c.age[row],
    monthly_income: c.monthlyIncome[row],
    region: dataset.regions[c.region[row]],
    needs,
    services,
  };
  if (c.gender[row] === GENDER_FEMALE) body.gender = "female";
  if (c.gender[row] === GENDER_MALE) body.gender = "male";
  return body;
}

async function main() {
  const sandbox = new WorkerSandbox();
  process.on("exit", () => sandbox.killNow());
  try {
    console.error(`[measure:rows] seeding ${args.clients} demo clients in ${sandbox.root}…`);
    const keys: DemoKeys = await sandbox.seed(Number(args.clients), DEMO_DEFAULT_SEED);
    await sandbox.start(Number(args.port));
    const admin = { authorization: `Bearer ${sandbox.adminToken}`, "content-type": "application/json" };
    const trained = await fetch(`${sandbox.url}/v1/admin/model/retrain`, {
      method: "POST",
      headers: admin,
      body: "{}",
    });
    if (!trained.ok) throw new Error(`retrain answered ${trained.status}: ${await trained.text()}`);
    const bank = generateBankDataset({ preset: "demo", clients: keys.clients, seed: keys.seed });
    const bankKeys = keys.companies.find((company) => company.kind === "bank") ?? keys.companies[0];
    const crm = { authorization: `Bearer ${bankKeys.crm_key}`, "content-type": "application/json" };
    const file = d1File(sandbox.root);
    const before = measure(file);

    const statuses = new Map<number, number>();
    let answerBytes = 0;
    let sample = null as Buffer | null;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let call = next++; call < CALLS; call = next++) {
          const row = call % bank.dataset.clients.count;
          const response = await fetch(`${sandbox.url}/v1/leads`, {
            method: "POST",
            headers: { ...crm, "idempotency-key": randomUUID() },
            body: JSON.stringify(leadBody(bank, row, `measure-${call}-${randomUUID().slice(0, 8)}`)),
          });
          const answer = Buffer.from(await response.arrayBuffer());
          answerBytes += answer.byteLength;
          if (call === 0) sample = answer;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    // Let D1 checkpoint nothing pending: dbstat reads the database file and its WAL through SQLite.
    const after = measure(file);

    const tables = [...new Set([...after.rows.keys()])].sort();
    const lines: string[] = [];
    let total = 0;
    for (const table of tables) {
      const addedRows = (after.rows.get(table) ?? 0) - (before.rows.get(table) ?? 0);
      const names = [...after.tableOf].filter(([, owner]) => owner === table).map(([name]) => name);
      const growth = (name: string) => (after.bytes.get(name) ?? 0) - (before.bytes.get(name) ?? 0);
      const tableBytes = growth(table);
      const indexBytes = names.filter((name) => name !== table).reduce((sum, name) => sum + growth(name), 0);
      const rows = after.rows.get(table) ?? 0;
      const allBytes = names.reduce((sum, name) => sum + (after.bytes.get(name) ?? 0), 0);
      total += tableBytes + indexBytes;
      lines.push(
        [
          table.padEnd(28),
          String(rows).padStart(8),
          String(addedRows).padStart(7),
          (addedRows > 0 ? ((tableBytes + indexBytes) / addedRows).toFixed(0) : "-").padStart(9),
          (addedRows > 0 ? (tableBytes / addedRows).toFixed(0) : "-").padStart(8),
          (addedRows > 0 ? (indexBytes / addedRows).toFixed(0) : "-").padStart(8),
          (rows > 0 ? (allBytes / rows).toFixed(0) : "-").padStart(10),
          ((tableBytes + indexBytes) / CALLS).toFixed(0).padStart(9),
          (rows > 0 ? ((after.payload.get(table) ?? 0) / rows).toFixed(0) : "-").padStart(12),
        ].join(" "),
      );
    }
    console.log(
      `${CALLS} lead calls of new clients in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `answer ${(answerBytes / CALLS).toFixed(0)} B per call`,
    );
    if (sample) {
      const packed = brotliCompressSync(sample, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
      console.log(`one answer: ${sample.byteLength} B of JSON, ${packed.byteLength} B Brotli (quality 5)`);
    }
    console.log(`database: ${after.encoding}, pages of ${after.pageSize} B`);
    console.log(
      `${"table".padEnd(28)} ${"rows".padStart(8)} ${"+rows".padStart(7)} ${"B/+row".padStart(9)} ${"(table)".padStart(8)} ${"(index)".padStart(8)} ${"B/row all".padStart(10)} ${"B/call".padStart(9)} ${"payload/row".padStart(12)}`,
    );
    for (const line of lines) console.log(line);
    console.log(`stored per lead call: ${(total / CALLS / 1024).toFixed(1)} KB (pages grown / ${CALLS} calls)`);
  } finally {
    await sandbox.stop();
    sandbox.remove();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
