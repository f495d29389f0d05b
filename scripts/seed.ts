/**
 * `npm run seed [-- --clients N] [--seed S] [--reset]`: loads the demo bank (Expobank, its partners,
 * the catalog, the cross-service matrix, 3,000 clients with their interaction histories, default
 * settings and one crm + one partner API key per company) into the LOCAL D1 of `wrangler dev`.
 *
 * Rows are exactly what the API writes: prefixed random ids, client external hashes computed by
 * the same `pseudonymize()` under PSEUDONYM_KEY from .dev.vars, interactions with source "import"
 * plus their history rows, key hashes only (the clear keys are printed and saved to
 * .wrangler/demo-keys.json), and audit entries for the admin-side rows (actor "seed").
 *
 * The whole import is one SQL file that wrangler runs as a single D1 batch: it lands entirely or
 * not at all. A database that already has companies is left alone unless --reset is given, which
 * deletes every row first (in the same batch).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { GENDER_FEMALE, GENDER_MALE } from "../src/domain/dataset";
import { assignArm } from "../src/domain/experiments";
import { buildLeadDocument } from "../src/domain/lead-document";
import { SETTING_DEFINITIONS, type SettingKey, settingEntityId } from "../src/domain/settings";
import { canonicalRegion } from "../src/domain/vocabularies/regions";
import { apiKeyView, companyView, serviceView } from "../src/http/routes/admin/schemas";
import { pseudonymize, receiverPseudonym } from "../src/lib/crypto";
import { type KeyScope, newApiKey } from "../src/storage/api-keys";
import { auditJson } from "../src/storage/audit";
import {
  apiKeys,
  auditLog,
  clientNeeds,
  clients,
  companies,
  crossServiceLinks,
  deals,
  experiments,
  interactions,
  leadEvents,
  leads,
  scoredCandidates,
  services,
  settings,
} from "../src/storage/schema";
import { requireSlotOfId, shardIndexOfSlot, slotOfPseudonym } from "../src/storage/shards";
import {
  type BankDataset,
  clientExternalId,
  DEMO_DEFAULT_CLIENTS,
  DEMO_DEFAULT_SEED,
  DEMO_HISTORY_WINDOW_MS,
  generateBankDataset,
} from "./datagen/demo";
import { type DemoHistory, generateDemoHistory, HISTORY_EXPERIMENT } from "./datagen/demo/history";
import {
  applyLocalMigrations,
  assertSupportedNode,
  DEMO_KEYS_PATH,
  DEV_VARS_PATH,
  executeLocalD1File,
  localCompanyCount,
  localDatabaseBindings,
  PROJECT_ROOT,
  queryLocalD1,
  readDevVars,
} from "./lib/local-d1.mjs";
import { SqlFileWriter } from "./lib/sql-file";
import { writeDemoCampaign } from "./seed-campaign";

/** Largest client base the seed loads into a local D1 (the generator itself goes further). */
const MAX_SEED_CLIENTS = 100_000;
/** Actor recorded in settings rows and audit entries written by the seed. */
const SEED_ACTOR = "seed";
/** Global settings written on a fresh database (keys and values per src/domain/settings.ts). */
const DEFAULT_GLOBAL_SETTINGS: SettingKey[] = [
  "min_rating",
  "max_leads_per_request",
  "exclusivity_window_hours",
  "decline_cooldown_days",
];
/**
 * Demo values that differ from the platform defaults. The demo's recorded deals calibrate the blend,
 * so ratings read as acceptance probabilities: the demo's good offers are taken 40–60% of the time,
 * and at the default threshold of 70 the demo would produce no lead before an admin lowers it.
 */
const DEMO_SETTING_OVERRIDES: Partial<Record<SettingKey, unknown>> = { min_rating: 45 };
/** Pseudonyms computed concurrently (WebCrypto HMAC is asynchronous). */
const PSEUDONYM_CONCURRENCY = 500;
/** Sample clients per company listed in the keys file for walk-throughs. */
const SAMPLE_CLIENTS_PER_COMPANY = 3;

const USAGE = `Usage: npm run seed -- [--clients N] [--seed S] [--reset] [--skip-migrations]

Loads the deterministic demo bank into the local D1 of \`wrangler dev\`.
  --clients N        number of clients, 1..${MAX_SEED_CLIENTS} (default ${DEMO_DEFAULT_CLIENTS})
  --seed S           random seed of the generator, 0..4294967295 (default ${DEMO_DEFAULT_SEED})
  --reset            delete every row of the local database first (a seeded database is otherwise left alone)
  --skip-migrations  do not apply pending migrations first (\`npm run dev\` has just applied them)
  --help             show this help`;

const OPTION_SPEC = {
  clients: { type: "string" },
  seed: { type: "string" },
  reset: { type: "boolean", default: false },
  "skip-migrations": { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

class UsageError extends Error {}

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // the alphabet of src/lib/ids.ts

/**
 * The id of a demo row: the platform's id format (prefix + 20 base32 characters), derived from the
 * seed and the row's identity instead of drawn at random. Same seed, same ids — so a fresh start
 * reads the clients in the same order and trains byte-identical models — and the ids still look
 * like (and sort like) uniformly random ones, as the rebuild's "first clients by id" sample expects.
 */
function demoId(seed: number, prefix: string, key: string | number, slot?: number): string {
  const digest = createHash("sha256").update(`cactubase-demo:${seed}:${prefix}:${key}`).digest();
  let out = "";
  for (let i = 0; i < 20; i++) out += ID_ALPHABET[digest[i] & 31];
  // Client-owned ids carry their client's slot in the first two characters (src/storage/shards.ts).
  if (slot !== undefined) out = `${ID_ALPHABET[slot >> 5]}${ID_ALPHABET[slot & 31]}${out.slice(2)}`;
  return `${prefix}_${out}`;
}

/**
 * One SQL file per database: the control database and each client shard (rows of a client go to the
 * shard of its slot). Each file runs as one batch on its database.
 */
class DatabaseWriters {
  readonly control: SqlFileWriter;
  readonly shards: SqlFileWriter[];

  constructor(
    dir: string,
    readonly bindings: { control: string; shards: string[] },
  ) {
    this.control = new SqlFileWriter(join(dir, `${bindings.control}.sql`));
    this.shards = bindings.shards.map((binding) => new SqlFileWriter(join(dir, `${binding}.sql`)));
  }

  /** The writer of the shard that holds a client-owned id. */
  shardOf(clientOwnedId: string): SqlFileWriter {
    return this.shards[shardIndexOfSlot(requireSlotOfId(clientOwnedId), this.shards.length)];
  }

  /** Inserts client data, each row into the shard of the client-owned id `idOf` names. */
  insertByClient<T extends SQLiteTable>(
    table: T,
    rows: Iterable<T["$inferInsert"]>,
    idOf: (row: T["$inferInsert"]) => string,
  ) {
    const parts = this.shards.map(() => [] as Array<T["$inferInsert"]>);
    for (const row of rows) parts[this.shards.indexOf(this.shardOf(idOf(row)))].push(row);
    parts.forEach((part, i) => {
      if (part.length > 0) this.shards[i].insert(table, part);
    });
  }

  all(): Array<{ binding: string; writer: SqlFileWriter }> {
    return [
      { binding: this.bindings.control, writer: this.control },
      ...this.shards.map((writer, i) => ({ binding: this.bindings.shards[i], writer })),
    ];
  }

  /** Rows inserted per table name, over every database. */
  rowCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { writer } of this.all()) {
      for (const [table, n] of writer.rowCounts) counts.set(table, (counts.get(table) ?? 0) + n);
    }
    return counts;
  }

  close() {
    for (const { writer } of this.all()) writer.close();
  }
}

interface SeedOptions {
  clients: number;
  seed: number;
  reset: boolean;
  skipMigrations: boolean;
}

function parseIntegerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number) {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

/** The command-line options, or null when help was asked for. */
function parseOptions(argv: string[]): SeedOptions | null {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTION_SPEC }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTION_SPEC, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return null;
  return {
    clients: parseIntegerOption("clients", parsed.values.clients, DEMO_DEFAULT_CLIENTS, 1, MAX_SEED_CLIENTS),
    seed: parseIntegerOption("seed", parsed.values.seed, DEMO_DEFAULT_SEED, 0, 0xffffffff),
    reset: parsed.values.reset,
    skipMigrations: parsed.values["skip-migrations"],
  };
}

/**
 * DELETE statements for every application table, children before parents so that foreign keys
 * hold at each step (read from the live schema, so tables added later are covered too).
 */
async function resetStatements(binding: string): Promise<string[]> {
  const rows = await queryLocalD1(
    `SELECT m.name AS tbl, p."table" AS parent FROM sqlite_master m LEFT JOIN pragma_foreign_key_list(m.name) p ` +
      `WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_cf_%' AND m.name <> 'd1_migrations'`,
    binding,
  );
  const parentsOf = new Map<string, Set<string>>();
  for (const row of rows) {
    const table = String(row.tbl);
    if (!parentsOf.has(table)) parentsOf.set(table, new Set());
    if (row.parent && row.parent !== table) parentsOf.get(table)!.add(String(row.parent));
  }
  // A table can be emptied once no remaining table references it.
  const remaining = new Set([...parentsOf.keys()].sort());
  const order: string[] = [];
  while (remaining.size > 0) {
    const next = [...remaining].find((table) =>
      [...remaining].every((other) => other === table || !parentsOf.get(other)!.has(table)),
    );
    // A reference cycle cannot be ordered; delete the rest as listed and let D1 report a violation.
    const table = next ?? [...remaining][0];
    remaining.delete(table);
    order.push(table);
  }
  return order.map((table) => `DELETE FROM "${table.replaceAll('"', '""')}"`);
}

interface SeededCompany {
  code: string;
  id: string;
  name: string;
  kind: "bank" | "partner";
  crmKey: string;
  partnerKey: string;
}

interface SampleClient {
  company_code: string;
  company_id: string;
  external_id: string;
  segment: string;
}

/** Writes the whole demo import into `writer`; returns what the keys file and the summary need. */
async function writeSeedSql(
  writers: DatabaseWriters,
  data: BankDataset,
  pseudonymKey: string,
  now: number,
  seed: number,
  botEncryptionKey: string,
): Promise<{ companies: SeededCompany[]; sampleClients: SampleClient[]; history: DemoHistory }> {
  const { catalog, dataset, truth, clientCompany } = data;
  const writer = writers.control;
  // The catalog predates the imported history, in catalog order (default routing ranks companies
  // by creation time, so the bank comes first).
  const catalogAt = now - DEMO_HISTORY_WINDOW_MS - 24 * 60 * 60 * 1000;
  const audits: Array<typeof auditLog.$inferInsert> = [];
  const audit = (action: string, entityType: string, entityId: string, after: unknown, at: number) =>
    audits.push({ at, actor: SEED_ACTOR, action, entityType, entityId, before: null, after: auditJson(after) });

  const companyRows = catalog.companies.map((company, i) => {
    const at = catalogAt + i;
    const row: typeof companies.$inferSelect = {
      id: demoId(seed, "co", company.code),
      name: company.name,
      kind: company.kind,
      status: "active",
      dailyLeadCap: company.dailyLeadCap,
      commissionRate: company.commissionRate,
      webhookUrl: null,
      webhookSecret: null,
      webhookSecretPrevious: null,
      webhookSecretPreviousExpiresAt: null,
      webhookDisabledAt: null,
      webhookDisabledReason: null,
      createdAt: at,
      updatedAt: at,
    };
    audit("company.created", "company", row.id, companyView(row, now), at);
    return row;
  });
  const companyIdByCode = new Map(catalog.companies.map((c, i) => [c.code, companyRows[i].id]));
  writer.insert(companies, companyRows);

  const servicesAt = catalogAt + catalog.companies.length;
  const serviceRows = catalog.services.map((service) => {
    const at = servicesAt + service.modelIndex;
    const row: typeof services.$inferSelect = {
      id: demoId(seed, "svc", service.code),
      code: service.code,
      name: service.name,
      category: service.category,
      companyId: companyIdByCode.get(service.companyCode)!,
      description: service.description,
      active: true,
      modelIndex: service.modelIndex,
      createdAt: at,
      updatedAt: at,
    };
    audit("service.created", "service", row.id, serviceView(row), at);
    return row;
  });
  writer.insert(services, serviceRows);

  const linksAt = servicesAt + catalog.services.length;
  writer.insert(
    crossServiceLinks,
    catalog.links.map((link) => {
      audit(
        "cross_service_link.set",
        "cross_service_link",
        `${link.fromCode}->${link.toCode}`,
        { from: link.fromCode, to: link.toCode, weight: link.weight, note: link.note },
        linksAt,
      );
      return {
        fromServiceId: serviceRows[link.from].id,
        toServiceId: serviceRows[link.to].id,
        weight: link.weight,
        note: link.note,
        updatedAt: linksAt,
      };
    }),
  );

  writer.insert(
    settings,
    DEFAULT_GLOBAL_SETTINGS.map((key) => {
      const value = DEMO_SETTING_OVERRIDES[key] ?? SETTING_DEFINITIONS[key].defaultValue;
      audit(
        "setting.set",
        "setting",
        settingEntityId("global", "", key),
        { scope: "global", scope_id: null, setting: key, value },
        linksAt,
      );
      return {
        scope: "global" as const,
        scopeId: "",
        key,
        value: JSON.stringify(value),
        updatedAt: linksAt,
        updatedBy: SEED_ACTOR,
      };
    }),
  );

  const seeded: SeededCompany[] = [];
  const keyRows: Array<typeof apiKeys.$inferInsert> = [];
  for (const [i, company] of catalog.companies.entries()) {
    const issued: Partial<Record<KeyScope, string>> = {};
    for (const scope of ["crm", "partner"] as const) {
      const { row, issued: key } = await newApiKey(
        { scope, companyId: companyRows[i].id, name: `demo ${scope} key` },
        linksAt,
      );
      keyRows.push(row);
      const { hash: _hash, ...info } = row;
      audit("api_key.created", "api_key", row.id, apiKeyView({ ...info, lastUsedAt: null, revokedAt: null }), linksAt);
      issued[scope] = key.key;
    }
    seeded.push({
      code: company.code,
      id: companyRows[i].id,
      name: company.name,
      kind: company.kind,
      crmKey: issued.crm!,
      partnerKey: issued.partner!,
    });
  }
  writer.insert(apiKeys, keyRows);
  writer.insert(auditLog, audits);

  // Clients: the external hash is what the CRM intake computes for the same CRM id.
  const { count } = dataset.clients;
  const { rowPtr, col, value, time } = dataset.interactions;
  const externalHashes = new Array<string>(count);
  for (let from = 0; from < count; from += PSEUDONYM_CONCURRENCY) {
    const to = Math.min(count, from + PSEUDONYM_CONCURRENCY);
    const batch = await Promise.all(
      Array.from({ length: to - from }, (_, k) =>
        pseudonymize(pseudonymKey, companyRows[clientCompany[from + k]].id, clientExternalId(from + k)),
      ),
    );
    batch.forEach((hash, k) => {
      externalHashes[from + k] = hash;
    });
  }

  const clientIds = externalHashes.map((hash, i) => demoId(seed, "cl", i, slotOfPseudonym(hash)));
  const cellTime = (k: number) => (time ? time[k] : now);
  writers.insertByClient(clients, clientRowsOf(), (row) => row.id);
  function* clientRowsOf(): Generator<typeof clients.$inferInsert> {
    const { age, monthlyIncome, region, gender, needsPtr, needsIdx } = dataset.clients;
    for (let i = 0; i < count; i++) {
      let first = now;
      let last = rowPtr[i] < rowPtr[i + 1] ? 0 : now;
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        first = Math.min(first, cellTime(k));
        last = Math.max(last, cellTime(k));
      }
      const needs: string[] = [];
      for (let k = needsPtr[i]; k < needsPtr[i + 1]; k++) needs.push(dataset.needsVocabulary[needsIdx[k]]);
      yield {
        id: clientIds[i],
        companyId: companyRows[clientCompany[i]].id,
        externalHash: externalHashes[i],
        age: age[i],
        monthlyIncome: monthlyIncome[i],
        // Stored as the API would store it: the canonical code of the region vocabulary.
        region: canonicalRegion(dataset.regions[region[i]]) ?? dataset.regions[region[i]],
        gender: gender[i] === GENDER_FEMALE ? "female" : gender[i] === GENDER_MALE ? "male" : null,
        needs: JSON.stringify(needs),
        createdAt: first,
        updatedAt: last,
      };
    }
  }
  // The same needs with their source (crm, confidence 1, no expiry), as the CRM intake stores them.
  writers.insertByClient(clientNeeds, clientNeedRowsOf(), (row) => row.clientId);
  function* clientNeedRowsOf(): Generator<typeof clientNeeds.$inferInsert> {
    const { needsPtr, needsIdx } = dataset.clients;
    for (let i = 0; i < count; i++) {
      for (let k = needsPtr[i]; k < needsPtr[i + 1]; k++) {
        const needCode = dataset.needsVocabulary[needsIdx[k]];
        yield { clientId: clientIds[i], needCode, source: "crm", confidence: 1, observedAt: now, expiresAt: null };
      }
    }
  }
  // The recorded history: offers made by a model of this base, and the deals they led to, which
  // moved the matrix like the deals API does (accepted → 1, declined → -1).
  const experimentId = demoId(seed, "exp", "history-holdout");
  const threshold = Number(DEMO_SETTING_OVERRIDES.min_rating);
  const history = generateDemoHistory({
    data,
    threshold,
    now,
    seed,
    isControl: (client) => assignArm(experimentId, clientIds[client], HISTORY_EXPERIMENT.holdoutShare) === "control",
  });
  const dealCells = new Map<string, { value: number; at: number }>();
  for (const deal of history.deals) {
    dealCells.set(`${deal.client}:${deal.service}`, {
      value: deal.outcome === "accepted" ? 1 : -1,
      at: deal.occurredAt,
    });
  }
  writers.insertByClient(interactions, cellsOf(), (row) => row.clientId);
  function* cellsOf(): Generator<typeof interactions.$inferInsert> {
    const written = new Set<string>();
    for (let i = 0; i < count; i++) {
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        const key = `${i}:${col[k]}`;
        const dealt = dealCells.get(key);
        written.add(key);
        yield {
          clientId: clientIds[i],
          serviceId: serviceRows[col[k]].id,
          modelIndex: col[k],
          value: dealt ? dealt.value : value[k],
          source: dealt ? "deal" : "import",
          at: dealt ? dealt.at : cellTime(k),
        };
      }
    }
    for (const [key, cell] of [...dealCells].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (written.has(key)) continue;
      const [client, service] = key.split(":").map(Number);
      yield {
        clientId: clientIds[client],
        serviceId: serviceRows[service].id,
        modelIndex: service,
        value: cell.value,
        source: "deal",
        at: cell.at,
      };
    }
  }
  // The history row of each imported cell (previous value 0), copied inside the database rather
  // than spelled out again: it halves the SQL that wrangler has to parse. Before the import the
  // interactions table is empty (fresh or reset database), so exactly the imported cells are copied.
  for (const shard of writers.shards) {
    shard.statement(
      `INSERT INTO interaction_history (client_id, service_id, value, previous_value, source, at) ` +
        `SELECT client_id, service_id, value, 0, source, at FROM interactions ORDER BY rowid`,
    );
    shard.rowCounts.set("interaction_history", shard.rowCounts.get("interactions") ?? 0);
  }

  await writeHistoryRows(writers, {
    history,
    seed,
    experimentId,
    clientIds,
    clientCompanyIds: Array.from(clientCompany, (company) => companyRows[company].id),
    companyRows,
    serviceRows,
    data,
    pseudonymKey,
    threshold,
    now,
  });
  await writeDemoCampaign(writers, {
    seed,
    now,
    data,
    clientIds,
    clientCompanyIds: Array.from(clientCompany, (company) => companyRows[company].id),
    companyRows,
    serviceRows,
    pseudonymKey,
    botEncryptionKey,
    demoId: (prefix, key, slot) => demoId(seed, prefix, key, slot),
  });

  const sampleClients: SampleClient[] = [];
  const samplesPerCompany = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const company = clientCompany[i];
    const taken = samplesPerCompany.get(company) ?? 0;
    if (taken >= SAMPLE_CLIENTS_PER_COMPANY) continue;
    samplesPerCompany.set(company, taken + 1);
    sampleClients.push({
      company_code: catalog.companies[company].code,
      company_id: companyRows[company].id,
      external_id: clientExternalId(i),
      segment: truth.segments[truth.segmentOf(i)].code,
    });
  }
  sampleClients.sort(
    (a, b) => a.company_code.localeCompare(b.company_code) || a.external_id.localeCompare(b.external_id),
  );
  return { companies: seeded, sampleClients, history };
}

interface HistoryRowsInput {
  history: DemoHistory;
  seed: number;
  experimentId: string;
  clientIds: string[];
  clientCompanyIds: string[];
  companyRows: Array<typeof companies.$inferSelect>;
  serviceRows: Array<typeof services.$inferSelect>;
  data: BankDataset;
  pseudonymKey: string;
  threshold: number;
  now: number;
}

/**
 * The recorded history as the API would have written it: the finished experiment, scored
 * candidates with their part scores, leads with their lifecycle events, and the deals.
 */
async function writeHistoryRows(writers: DatabaseWriters, input: HistoryRowsInput): Promise<void> {
  const writer = writers.control;
  const { history, seed, experimentId, clientIds, clientCompanyIds, companyRows, serviceRows, data, now } = input;
  const companyById = new Map(companyRows.map((row) => [row.id, row]));
  const { age, monthlyIncome, region, needsPtr, needsIdx } = data.dataset.clients;
  const historyModelVersion = "v000000-demo-history";

  writer.insert(experiments, [
    {
      id: experimentId,
      name: HISTORY_EXPERIMENT.name,
      scopeType: "all",
      scopeId: "",
      holdoutShare: HISTORY_EXPERIMENT.holdoutShare,
      startsAt: history.experiment.startsAt,
      endsAt: history.experiment.endsAt,
      createdAt: history.experiment.startsAt,
      createdBy: SEED_ACTOR,
    },
  ]);

  const leadIds = history.leads.map((lead, k) => demoId(seed, "ld", k, requireSlotOfId(clientIds[lead.client])));
  const leadRows: Array<typeof leads.$inferInsert> = [];
  const eventRows: Array<typeof leadEvents.$inferInsert> = [];
  for (const [k, lead] of history.leads.entries()) {
    const service = serviceRows[lead.service];
    const target = companyById.get(service.companyId)!;
    const sourceId = clientCompanyIds[lead.client];
    const source = companyById.get(sourceId)!;
    const needs: string[] = [];
    for (let j = needsPtr[lead.client]; j < needsPtr[lead.client + 1]; j++) {
      needs.push(data.dataset.needsVocabulary[needsIdx[j]]);
    }
    const document = buildLeadDocument({
      leadId: leadIds[k],
      createdAt: lead.createdAt,
      service: { code: service.code, name: service.name, category: service.category },
      targetCompany: { id: target.id, name: target.name },
      sourceCompany: { id: source.id, name: source.name },
      rating: lead.rating,
      reasons: lead.reasons,
      client: {
        pseudonym: await receiverPseudonym(input.pseudonymKey, target.id, clientIds[lead.client]),
        age: age[lead.client],
        monthlyIncome: monthlyIncome[lead.client],
        region: data.dataset.regions[region[lead.client]],
        needs,
      },
      modelVersion: historyModelVersion,
    });
    const lastAt = lead.outcomeAt ?? lead.acknowledgedAt ?? lead.deliveredAt;
    leadRows.push({
      id: leadIds[k],
      clientId: clientIds[lead.client],
      serviceId: service.id,
      sourceCompanyId: sourceId,
      targetCompanyId: target.id,
      rating: Math.round(lead.rating * 10) / 10,
      status: lead.status,
      payload: JSON.stringify(document),
      routing: JSON.stringify({
        category: service.category,
        winner: { companyId: target.id },
        reason: "the only company selling the service (recorded demo history)",
        explored: false,
        policy: { strategy: "priority" },
        alternatives: [],
      }),
      modelVersion: historyModelVersion,
      deliveryAttempts: 1,
      lastError: null,
      deliveredAt: lead.deliveredAt,
      acknowledgedAt: lead.acknowledgedAt,
      outcomeAt: lead.outcomeAt,
      createdAt: lead.createdAt,
      updatedAt: lastAt,
    });
    eventRows.push({ leadId: leadIds[k], type: "created", at: lead.createdAt, detail: `routed to ${target.id}` });
    eventRows.push({ leadId: leadIds[k], type: "delivered", at: lead.deliveredAt, detail: "fetched from the inbox" });
    if (lead.acknowledgedAt !== null)
      eventRows.push({ leadId: leadIds[k], type: "acknowledged", at: lead.acknowledgedAt });
    if (lead.outcomeAt !== null)
      eventRows.push({ leadId: leadIds[k], type: "outcome", at: lead.outcomeAt, detail: lead.status });
  }
  writers.insertByClient(leads, leadRows, (row) => row.id);
  writers.insertByClient(leadEvents, eventRows, (row) => row.leadId);

  writers.insertByClient(
    scoredCandidates,
    history.candidates.map((candidate) => ({
      clientId: clientIds[candidate.client],
      serviceId: serviceRows[candidate.service].id,
      companyId: serviceRows[candidate.service].companyId,
      rating: Math.round(candidate.rating * 10) / 10,
      threshold: candidate.threshold,
      decision: candidate.decision,
      leadId: candidate.lead === null ? null : leadIds[candidate.lead],
      experimentId: candidate.inExperiment ? experimentId : null,
      at: candidate.at,
      partItem: candidate.parts.item,
      partGroup: candidate.parts.group,
      partLink: candidate.parts.link,
      partSegment: candidate.parts.segment,
      partPopularity: candidate.parts.popularity,
      partActivity: candidate.parts.activity,
    })),
    (row) => row.clientId,
  );

  writers.insertByClient(
    deals,
    history.deals.map((deal, k) => {
      const service = serviceRows[deal.service];
      const rate = companyById.get(service.companyId)!.commissionRate;
      return {
        id: demoId(seed, "dl", k, requireSlotOfId(clientIds[deal.client])),
        clientId: clientIds[deal.client],
        serviceId: service.id,
        companyId: service.companyId,
        leadId: deal.lead === null ? null : leadIds[deal.lead],
        outcome: deal.outcome,
        amount: deal.amount,
        commission: deal.amount === null ? null : Math.round(deal.amount * rate * 100) / 100,
        reportedBy: deal.reportedBy,
        occurredAt: deal.occurredAt,
        createdAt: Math.min(now, deal.occurredAt + 1_000),
      };
    }),
    (row) => row.clientId,
  );
}

function printKeys(seeded: SeededCompany[]) {
  const codeWidth = Math.max(...seeded.map((c) => c.code.length));
  console.log(`\nDemo API keys (also saved to ${relative(PROJECT_ROOT, DEMO_KEYS_PATH)}):`);
  for (const company of seeded) {
    console.log(`  ${company.code.padEnd(codeWidth)}  ${company.name} (${company.id})`);
    console.log(`  ${"".padEnd(codeWidth)}    crm      ${company.crmKey}`);
    console.log(`  ${"".padEnd(codeWidth)}    partner  ${company.partnerKey}`);
  }
}

async function main(): Promise<number> {
  let options: SeedOptions | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  assertSupportedNode();

  const devVars = readDevVars();
  const pseudonymKey = devVars?.PSEUDONYM_KEY;
  if (!pseudonymKey) {
    console.error(
      `No PSEUDONYM_KEY in ${relative(PROJECT_ROOT, DEV_VARS_PATH)}: client hashes must match the Worker's. ` +
        "Run `npm run dev` once (it creates .dev.vars) or add PSEUDONYM_KEY=<random secret> to .dev.vars.",
    );
    return 1;
  }

  const started = performance.now();
  if (!options.skipMigrations) {
    console.log("Applying local D1 migrations…");
    await applyLocalMigrations();
  }
  const existing = await localCompanyCount();
  if (existing > 0 && !options.reset) {
    console.log(
      `The local D1 already has ${existing} companies: nothing seeded. ` +
        "Run `npm run seed -- --reset` to delete all rows and seed again.",
    );
    return 0;
  }

  const now = Date.now();
  const data = generateBankDataset({ preset: "demo", clients: options.clients, seed: options.seed, now });
  const workDir = mkdtempSync(join(tmpdir(), "cactubase-seed-"));
  try {
    const writers = new DatabaseWriters(workDir, localDatabaseBindings());
    let result: Awaited<ReturnType<typeof writeSeedSql>>;
    try {
      if (options.reset) {
        console.log("Resetting: every row of the local databases will be deleted in the same batches.");
        for (const { binding, writer } of writers.all()) {
          for (const statement of await resetStatements(binding)) writer.statement(statement);
        }
      }
      result = await writeSeedSql(
        writers,
        data,
        pseudonymKey,
        now,
        options.seed,
        // The bot's chat ids are sealed with BOT_ENCRYPTION_KEY; without one the demo's are sealed with a
        // placeholder, and a campaign run counts its sends to them as failed.
        devVars?.BOT_ENCRYPTION_KEY ?? "local-demo-bot-encryption-key-not-set",
      );
    } finally {
      writers.close();
    }
    const importStarted = performance.now();
    // One batch per database: the control database first (the catalogue the shards' rows name).
    for (const { binding, writer } of writers.all()) {
      const megabytes = (statSync(writer.path).size / 1024 / 1024).toFixed(1);
      console.log(`Importing ${writer.statements} statements (${megabytes} MB of SQL) into ${binding} in one batch…`);
      await executeLocalD1File(writer.path, binding);
    }
    console.log(`Imported in ${((performance.now() - importStarted) / 1000).toFixed(1)} s.`);

    const keysFile = {
      generated_at: new Date(now).toISOString(),
      preset: "demo",
      seed: options.seed,
      clients: options.clients,
      base_url: "http://localhost:8787",
      admin_token: devVars?.ADMIN_TOKEN ?? null,
      note: "Local demo keys: the API stores only their SHA-256. admin_token is ADMIN_TOKEN from .dev.vars.",
      companies: result.companies.map((c) => ({
        code: c.code,
        id: c.id,
        name: c.name,
        kind: c.kind,
        crm_key: c.crmKey,
        partner_key: c.partnerKey,
      })),
      sample_clients: result.sampleClients,
    };
    printKeys(result.companies);
    mkdirSync(dirname(DEMO_KEYS_PATH), { recursive: true });
    writeFileSync(DEMO_KEYS_PATH, `${JSON.stringify(keysFile, null, 2)}\n`, { mode: 0o600 });

    const counts = writers.rowCounts();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `\nSeeded the local D1 (preset demo, seed ${options.seed}) in ${seconds} s: ` +
        `${counts.get("companies")} companies, ${counts.get("services")} services, ` +
        `${counts.get("cross_service_links")} cross-service links, ${counts.get("clients")} clients, ` +
        `${counts.get("interactions")} interactions, ${counts.get("settings")} settings, ` +
        `${counts.get("api_keys")} API keys; recorded history: ${counts.get("scored_candidates")} scored ` +
        `candidates, ${counts.get("leads")} leads, ${counts.get("deals")} deals, ${counts.get("experiments")} experiment; ` +
        `${counts.get("bot_persons")} bot persons with a live consent, ${counts.get("partner_campaigns")} partner campaign ` +
        `with ${counts.get("bot_offers")} offers sent.`,
    );
    if (options.reset) {
      console.log("A running `wrangler dev` keeps its old model until retrained: POST /v1/admin/model/retrain.");
    }
    return 0;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
