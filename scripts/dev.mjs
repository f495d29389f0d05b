/**
 * `npm run dev [-- --port N]`: the one-command local start of CactuBase on a fresh clone (after
 * `npm install`). The port is `--port N`, else `PORT`, else 8787; other arguments go to `wrangler dev`.
 *
 * 1. creates `.dev.vars` if missing (random ADMIN_TOKEN, printed once; the demo's fixed PSEUDONYM_KEY;
 *    ENVIRONMENT=development; ALLOW_LOCALHOST_WEBHOOKS=true) and adds any of these it lacks;
 * 2. applies the D1 migrations to the local database (no prompt);
 * 3. seeds the demo bank when the local database has no company yet (`npm run seed`);
 * 4. refuses a busy port, then starts `wrangler dev --local` on the port with the terminal attached;
 * 5. once /health answers, asks the Worker to train the model (POST /v1/admin/model/retrain) so
 *    recommendations work at once, records the URL in the demo keys file and prints where things are;
 * 6. runs the cron triggers of wrangler.toml on their schedule through wrangler's local
 *    `/cdn-cgi/local/scheduled` endpoint (`wrangler dev` itself never fires them).
 *
 * Ctrl-C (or SIGTERM) stops wrangler and its runtime, then this script.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cronMatches, readCronTriggers } from "./lib/cron.mjs";
import {
  applyLocalMigrations,
  assertSupportedNode,
  DEMO_KEYS_PATH,
  DEV_VARS_PATH,
  localCompanyCount,
  PROJECT_ROOT,
  parseDevVars,
  WRANGLER_JS,
} from "./lib/local-d1.mjs";

const DEFAULT_PORT = 8787;
/** The first start bundles the Worker and boots workerd: give it time. */
const HEALTH_TIMEOUT_MS = 120_000;
const HEALTH_POLL_MS = 500;
/** After this long, a child that ignored the stop signal is killed. */
const STOP_GRACE_MS = 10_000;
/** The Worker ignores admin tokens shorter than this (src/http/middleware/auth.ts). */
const MIN_ADMIN_TOKEN_LENGTH = 16;
const TSX_CLI = join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/**
 * The port (`--port N`, `--port=N`, else `PORT`, else 8787) and the arguments passed on to wrangler.
 * @param {string[]} argv
 * @returns {{ port: number, wranglerArgs: string[] }}
 */
function parseDevArguments(argv) {
  let rawPort = process.env.PORT || String(DEFAULT_PORT);
  const wranglerArgs = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--port" || arg === "-p") {
      rawPort = argv[++i] ?? "";
    } else if (arg.startsWith("--port=")) {
      rawPort = arg.slice("--port=".length);
    } else {
      wranglerArgs.push(arg);
    }
  }
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
    throw new Error(`The port must be a whole number from 1 to 65535, got "${rawPort}".`);
  }
  return { port, wranglerArgs };
}

/**
 * True when nothing listens on the port. Binding the wildcard address sees listeners on every
 * interface; wrangler binds localhost, which the wildcard bind also collides with.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function isPortFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Records where the API answers in the demo keys file, so that scripts reading it follow the port.
 * @param {string} baseUrl
 */
function recordBaseUrl(baseUrl) {
  if (!existsSync(DEMO_KEYS_PATH)) return;
  const keys = JSON.parse(readFileSync(DEMO_KEYS_PATH, "utf8"));
  if (keys.base_url === baseUrl) return;
  keys.base_url = baseUrl;
  writeFileSync(DEMO_KEYS_PATH, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Fires each cron trigger of wrangler.toml when its expression matches the current minute, the way
 * Cloudflare would, through wrangler's local scheduled endpoint.
 * @param {string} baseUrl
 */
function startCronTicker(baseUrl) {
  const crons = readCronTriggers(join(PROJECT_ROOT, "wrangler.toml"));
  if (crons.length === 0) return;
  let lastMinute = Math.floor(Date.now() / 60_000);
  setInterval(async () => {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    for (const cron of crons) {
      if (!cronMatches(cron, new Date(minute * 60_000))) continue;
      const url = `${baseUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron)}`;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(300_000) });
        console.log(`[cactubase] cron "${cron}" ran: ${response.status}`);
      } catch (error) {
        console.warn(`[cactubase] cron "${cron}" failed: ${error instanceof Error ? error.message : error}`);
      }
    }
  }, 5_000).unref();
}

/**
 * The local demo's pseudonym key: fixed, not secret. A client's shard follows from its pseudonym
 * (src/storage/shards.ts), so a random local key would put the demo's clients in other shards on
 * every fresh start and the demo would train a different model each time. It protects nothing but
 * generated demo data; a deployment sets its own secret (`wrangler secret put PSEUDONYM_KEY`).
 */
const LOCAL_DEMO_PSEUDONYM_KEY = "local-demo-pseudonym-key-not-a-secret-5c4ad001";

/** @param {string} message */
function step(message) {
  console.log(`\n[cactubase] ${message}`);
}

/**
 * Creates `.dev.vars`, or completes it with the variables local development needs.
 * Existing values are never changed: a new PSEUDONYM_KEY would orphan every stored client hash.
 * @returns {{ adminToken: string }}
 */
function ensureDevVars() {
  const defaults = {
    ADMIN_TOKEN: () => `dev_admin_${randomBytes(24).toString("base64url")}`,
    PSEUDONYM_KEY: () => LOCAL_DEMO_PSEUDONYM_KEY,
    ENVIRONMENT: () => "development",
    ALLOW_LOCALHOST_WEBHOOKS: () => "true",
  };
  const exists = existsSync(DEV_VARS_PATH);
  const current = exists ? parseDevVars(readFileSync(DEV_VARS_PATH, "utf8")) : {};
  /** @type {Record<string, string>} */
  const added = {};
  for (const [name, make] of Object.entries(defaults)) {
    if (!current[name]) added[name] = make();
  }
  const lines = Object.entries(added).map(([name, value]) => `${name}=${value}`);
  const file = relative(PROJECT_ROOT, DEV_VARS_PATH);
  if (!exists) {
    const header =
      "# Local secrets and variables of `wrangler dev`, created by `npm run dev`. Never commit this file.\n" +
      "# Changing PSEUDONYM_KEY makes already stored client hashes unreachable: reseed with `npm run seed -- --reset`.\n";
    writeFileSync(DEV_VARS_PATH, `${header}${lines.join("\n")}\n`, { mode: 0o600 });
    step(`Created ${file} with a random ADMIN_TOKEN and the local demo's PSEUDONYM_KEY (not a secret).`);
  } else if (lines.length > 0) {
    const text = readFileSync(DEV_VARS_PATH, "utf8");
    appendFileSync(DEV_VARS_PATH, `${text.endsWith("\n") || text === "" ? "" : "\n"}${lines.join("\n")}\n`);
    step(`Added ${Object.keys(added).join(", ")} to ${file}.`);
  }
  const adminToken = current.ADMIN_TOKEN || added.ADMIN_TOKEN;
  if (added.ADMIN_TOKEN) console.log(`  Admin token: ${adminToken}`);
  if (adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    console.warn(
      `  Warning: ADMIN_TOKEN in ${file} is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters; the Worker refuses it.`,
    );
  }
  return { adminToken };
}

/** @type {import("node:child_process").ChildProcess | null} */
let foreground = null;
let stopping = false;

/** Ctrl-C / SIGTERM: stop the running child (wrangler stops its own runtime), then exit. */
function onStopSignal(/** @type {NodeJS.Signals} */ signal) {
  const child = foreground;
  if (stopping) {
    // A second Ctrl-C: no more waiting.
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    process.exit(130);
  }
  stopping = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    // Only short wrangler commands may be running: they get the terminal's signal and end on their own.
    process.exit(130);
  }
  console.log(`\n[cactubase] Stopping (${signal})…`);
  child.kill(signal);
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }, STOP_GRACE_MS).unref();
}
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
  process.on(signal, onStopSignal);
}

// `npm run` does not pass a SIGTERM on to this script: when npm is killed alone we are re-parented.
// Stop then too, so that a killed `npm run dev` never leaves a server running on the port.
const launcherPid = process.ppid;
setInterval(() => {
  if (process.ppid !== launcherPid && !stopping) onStopSignal("SIGTERM");
}, 1_000).unref();

/**
 * Runs a child with the terminal attached and resolves with its exit code.
 * @param {string[]} args arguments of the current Node
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<number>}
 */
function runAttached(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: "inherit" });
    foreground = child;
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (foreground === child) foreground = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/**
 * True once the Worker answers its health check.
 * @param {string} baseUrl
 */
async function isHealthy(baseUrl) {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return false;
    const body = await response.json();
    return body?.ok === true && body?.service === "cactubase";
  } catch {
    return false;
  }
}

/**
 * Trains the model from the seeded data. The route may not exist yet in this build (404: skipped).
 * @param {string} baseUrl
 * @param {string} adminToken
 */
async function retrainModel(baseUrl, adminToken) {
  try {
    const response = await fetch(`${baseUrl}/v1/admin/model/retrain`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(120_000),
    });
    if (response.status === 404) {
      console.log("[cactubase] Model retraining is not available in this build yet (404): skipped.");
      return;
    }
    const text = await response.text();
    if (response.ok) {
      console.log("[cactubase] Model trained: recommendations are ready.");
      return;
    }
    let message = text.slice(0, 300);
    try {
      message = JSON.parse(text)?.errors?.[0]?.message ?? message;
    } catch {
      // not the JSON envelope: show the raw text
    }
    console.warn(`[cactubase] Warning: model retraining answered ${response.status}: ${message}`);
  } catch (error) {
    console.warn(`[cactubase] Warning: model retraining failed: ${error instanceof Error ? error.message : error}`);
  }
}

async function main() {
  assertSupportedNode();
  const { port, wranglerArgs } = parseDevArguments(process.argv.slice(2));
  const baseUrl = `http://localhost:${port}`;
  if (!(await isPortFree(port))) {
    console.error(
      `[cactubase] Port ${port} is already in use: another server answers there. ` +
        "Stop it, or choose another port: `npm run dev -- --port N` (or PORT=N npm run dev).",
    );
    return 1;
  }
  const { adminToken } = ensureDevVars();

  step("Applying local D1 migrations…");
  await applyLocalMigrations();

  const companies = await localCompanyCount();
  if (companies === 0) {
    step("The local database is empty: seeding the demo bank…");
    const code = await runAttached([TSX_CLI, join("scripts", "seed.ts"), "--skip-migrations"]);
    if (stopping) return 130;
    if (code !== 0) {
      console.error(`[cactubase] Seeding failed (exit ${code}); not starting the server.`);
      return code;
    }
  } else {
    step(`The local database has ${companies} companies: not seeding (reset with \`npm run seed -- --reset\`).`);
  }
  if (stopping) return 130;

  step(`Starting wrangler dev on ${baseUrl}…`);
  const exited = runAttached(
    [WRANGLER_JS, "dev", "--local", "--port", String(port), "--test-scheduled", ...wranglerArgs],
    {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      // The Worker reads nothing from `Request.cf`: skip the download that, offline, prints a stack trace.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
      // No dev registry: CactuBase is one Worker with no service bindings to other local Workers, and
      // wrangler reprints its whole bindings table on every registry change ("Connection status
      // updated"), including this Worker's own registration at start: the table appeared twice.
      // An empty path is how wrangler's config reaches Miniflare without a registry
      // (`enableDevRegistry: Boolean(unsafeDevRegistryPath)`); `wrangler dev` has no flag for it.
      WRANGLER_REGISTRY_PATH: process.env.WRANGLER_REGISTRY_PATH ?? "",
    },
  );
  let serverCode = null;
  exited.then((code) => {
    serverCode = code;
  });

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (serverCode === null && !stopping && Date.now() < deadline) {
    if (await isHealthy(baseUrl)) break;
    await sleep(HEALTH_POLL_MS);
  }
  if (serverCode === null && !stopping) {
    if (await isHealthy(baseUrl)) {
      await retrainModel(baseUrl, adminToken);
      recordBaseUrl(baseUrl);
      startCronTicker(baseUrl);
      const keys = relative(PROJECT_ROOT, DEMO_KEYS_PATH);
      console.log(
        [
          "",
          "[cactubase] CactuBase is running.",
          `  API:          ${baseUrl}`,
          `  Docs:         ${baseUrl}/docs`,
          `  OpenAPI:      ${baseUrl}/openapi.json`,
          `  Admin token:  ADMIN_TOKEN in ${relative(PROJECT_ROOT, DEV_VARS_PATH)}`,
          `  Demo keys:    ${existsSync(DEMO_KEYS_PATH) ? keys : `${keys} (not found: run \`npm run seed -- --reset\`)`}`,
          `  Cron:         ${readCronTriggers(join(PROJECT_ROOT, "wrangler.toml")).join(", ")} fire on schedule; one now:`,
          `                curl "${baseUrl}/cdn-cgi/local/scheduled?cron=*/15+*+*+*+*"`,
          "  Press Ctrl-C to stop.",
          "",
        ].join("\n"),
      );
    } else {
      console.warn(`[cactubase] Warning: ${baseUrl}/health did not answer within ${HEALTH_TIMEOUT_MS / 1000} s.`);
    }
  }
  const code = await exited;
  return stopping ? 0 : code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (stopping) process.exit(130);
    console.error(`[cactubase] ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  },
);
