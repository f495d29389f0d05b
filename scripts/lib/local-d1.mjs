/**
 * Helpers shared by `npm run dev` and `npm run seed`: the project's paths, `.dev.vars`, and the
 * project's own wrangler run against the LOCAL D1 database (never a remote one).
 * Plain Node ESM so that scripts/dev.mjs can use it without a TypeScript loader.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (scripts/lib/../..). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Local secrets and variables read by `wrangler dev`. */
export const DEV_VARS_PATH = join(PROJECT_ROOT, ".dev.vars");
/** Where the seed writes the demo API keys (gitignored with the rest of .wrangler/). */
export const DEMO_KEYS_PATH = join(PROJECT_ROOT, ".wrangler", "demo-keys.json");
/** The wrangler CLI installed in the project (run with the current Node, not a global wrangler). */
export const WRANGLER_JS = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** The D1 binding name in wrangler.toml. */
export const D1_BINDING = "DB";

/** Oldest Node major the project's wrangler runs on. */
export const MIN_NODE_MAJOR = 22;

/** A failed wrangler command, with what it printed. */
export class WranglerError extends Error {
  /**
   * @param {string} message
   * @param {{ code: number | null, stdout: string, stderr: string }} result
   */
  constructor(message, result) {
    super(message);
    this.name = "WranglerError";
    this.result = result;
  }
}

/** Throws unless this Node can run wrangler (the project pins Node 24 in node_modules/.bin/node). */
export function assertSupportedNode() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < MIN_NODE_MAJOR) {
    throw new Error(
      `Node ${process.versions.node} is too old for wrangler (need ${MIN_NODE_MAJOR}+). ` +
        "Run through npm (`npm run dev`, `npm run seed`): it uses the Node pinned in node_modules/.bin.",
    );
  }
  if (!existsSync(WRANGLER_JS)) throw new Error("wrangler is not installed: run `npm install` first.");
}

/**
 * Parses `.dev.vars` (dotenv syntax: KEY=value, optional single or double quotes, # comments).
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseDevVars(text) {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
    } else {
      const comment = value.indexOf(" #");
      if (comment >= 0) value = value.slice(0, comment).trimEnd();
    }
    vars[match[1]] = value;
  }
  return vars;
}

/**
 * The variables of `.dev.vars`, or null when the file does not exist.
 * @returns {Record<string, string> | null}
 */
export function readDevVars() {
  if (!existsSync(DEV_VARS_PATH)) return null;
  return parseDevVars(readFileSync(DEV_VARS_PATH, "utf8"));
}

/** Environment of non-interactive wrangler commands: no prompts, no telemetry. */
function commandEnv() {
  return { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" };
}

/**
 * Runs the project's wrangler with `args` and collects its output.
 * @param {string[]} args
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export function runWrangler(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER_JS, ...args], {
      cwd: PROJECT_ROOT,
      env: commandEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The error text wrangler printed for a failed D1 command (JSON `{error:{text}}` or its log line).
 * @param {{ stdout: string, stderr: string }} result
 */
function wranglerErrorText(result) {
  try {
    const parsed = JSON.parse(result.stdout);
    if (parsed?.error?.text) return String(parsed.error.text);
  } catch {
    // not JSON: fall back to the printed lines
  }
  const lines = `${result.stderr}\n${result.stdout}`
    .split("\n")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from wrangler's output
    .map((line) => line.replace(/\u001b\[[0-9;]*m/g, "").trim())
    .filter(Boolean);
  const error = lines.find((line) => line.includes("ERROR"));
  return error ?? lines.slice(-5).join("\n");
}

/**
 * The D1 bindings of wrangler.toml: the control database (`DB`) first, then the client shards
 * `SHARD_0`, `SHARD_1`, … in shard order (src/storage/shards.ts).
 * @returns {{ control: string, shards: string[] }}
 */
export function localDatabaseBindings() {
  const toml = readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8");
  const bindings = [...toml.matchAll(/^\s*binding\s*=\s*"([A-Z0-9_]+)"/gm)].map((match) => match[1]);
  const shards = bindings
    .filter((binding) => /^SHARD_\d+$/.test(binding))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  return { control: D1_BINDING, shards };
}

/** Applies pending migrations to every local D1 database (idempotent, no confirmation prompt). */
export async function applyLocalMigrations() {
  const { control, shards } = localDatabaseBindings();
  for (const binding of [control, ...shards]) {
    const result = await runWrangler(["d1", "migrations", "apply", binding, "--local"]);
    if (result.code !== 0) {
      throw new WranglerError(
        `Applying local D1 migrations to ${binding} failed: ${wranglerErrorText(result)}`,
        result,
      );
    }
  }
}

/**
 * Runs one SQL statement on a local D1 database (default: the control database) and returns its rows.
 * @param {string} sql
 * @param {string} [binding]
 * @returns {Promise<Array<Record<string, unknown>>>}
 */
export async function queryLocalD1(sql, binding = D1_BINDING) {
  const result = await runWrangler(["d1", "execute", binding, "--local", "--json", "--command", sql]);
  if (result.code !== 0) throw new WranglerError(`Local D1 query failed: ${wranglerErrorText(result)}`, result);
  const parsed = JSON.parse(result.stdout);
  return parsed[parsed.length - 1]?.results ?? [];
}

/**
 * Executes a .sql file on a local D1 database (default: the control database). Wrangler runs the
 * whole file as one D1 batch, so it is applied entirely or not at all.
 * @param {string} file
 * @param {string} [binding]
 */
export async function executeLocalD1File(file, binding = D1_BINDING) {
  const result = await runWrangler(["d1", "execute", binding, "--local", "--yes", "--file", file]);
  if (result.code !== 0) throw new WranglerError(`Local D1 import failed: ${wranglerErrorText(result)}`, result);
}

/** Number of companies in the local D1 (migrations must have been applied). */
export async function localCompanyCount() {
  const rows = await queryLocalD1("SELECT COUNT(*) AS n FROM companies");
  return Number(rows[0]?.n ?? 0);
}
