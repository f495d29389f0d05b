/**
 * A throw-away copy of the project for the HTTP benchmarks: `src`, `scripts`, `migrations`, `console` and the
 * config files are copied into a temporary directory (node_modules is linked), with its own
 * `.dev.vars` (random ADMIN_TOKEN and PSEUDONYM_KEY). The unchanged seed command runs inside it, so
 * its local D1 state (`.wrangler/state`) and its demo key file are the sandbox's, never the
 * developer's; `wrangler dev` then serves the sandbox's snapshot of the code with `--persist-to`
 * that state, so edits made to the project while the benchmark runs do not reload the Worker.
 *
 * `wrangler dev` runs in its own process group; `stop()` ends the whole group (wrangler and its
 * workerd runtime) and checks that no process of it is left.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PROJECT_ROOT } from "./report";

/** What the sandbox copies from the project (node_modules is linked instead). */
const COPIED = ["src", "scripts", "migrations", "console", "schemas", "wrangler.toml", "package.json", "tsconfig.json"];
/** The first start bundles the Worker and boots workerd. */
const START_TIMEOUT_MS = 120_000;
/** Grace period after SIGTERM before the process group is killed. */
const STOP_GRACE_MS = 10_000;

/** A company of the seed's demo key file. */
export interface DemoCompanyKeys {
  code: string;
  id: string;
  name: string;
  kind: "bank" | "partner";
  crm_key: string;
  partner_key: string;
}

/** The seed's key file (`.wrangler/demo-keys.json` of the sandbox). */
export interface DemoKeys {
  seed: number;
  clients: number;
  admin_token: string | null;
  companies: DemoCompanyKeys[];
}

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Process ids whose process group is `pgid` (Linux /proc). */
export function processesInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) found.push(Number(entry));
    } catch {
      // the process ended while listing
    }
  }
  return found;
}

/** Runs a command to completion with its output appended to `log`; rejects on a non-zero exit. */
function runLogged(command: string, args: string[], cwd: string, log: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log, { flags: "a" });
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("error", reject);
    child.on("close", (code) => {
      out.end();
      if (code === 0) resolve();
      else reject(new Error(`${args.join(" ")} failed (exit ${code}); see ${log}`));
    });
  });
}

/** The sandbox project and the Worker it serves. */
export class WorkerSandbox {
  readonly root: string;
  readonly adminToken = `bench_admin_${randomBytes(24).toString("base64url")}`;
  readonly log: string;
  private pgid: number | null = null;
  port = 0;
  /** DevTools inspector port of the Worker (wrangler's inspector proxy): CPU profiles of the Worker. */
  inspectorPort = 0;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), "cactubase-bench-http-"));
    this.log = join(this.root, "bench-http.log");
    for (const name of COPIED) {
      const from = join(PROJECT_ROOT, name);
      if (existsSync(from)) cpSync(from, join(this.root, name), { recursive: true });
    }
    symlinkSync(join(PROJECT_ROOT, "node_modules"), join(this.root, "node_modules"), "dir");
    // The benchmarks measure the Worker, not its rate limiter: the sandbox's limits are lifted (the
    // production limits of wrangler.toml would refuse a load generator after 600 calls a minute).
    const config = join(this.root, "wrangler.toml");
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace(
        /simple = \{ limit = \d+, period = (\d+) \}/g,
        "simple = { limit = 100000000, period = $1 }",
      ),
    );
    writeFileSync(
      join(this.root, ".dev.vars"),
      [
        `ADMIN_TOKEN=${this.adminToken}`,
        `PSEUDONYM_KEY=${randomBytes(32).toString("hex")}`,
        "ENVIRONMENT=development",
        "ALLOW_LOCALHOST_WEBHOOKS=true",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
  }

  /** Base URL of the running Worker. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  }

  /** Migrates and seeds the sandbox's local D1 with the project's seed command; returns its key file. */
  async seed(clients: number, seed: number): Promise<DemoKeys> {
    const tsx = join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    await runLogged(
      process.execPath,
      [tsx, join("scripts", "seed.ts"), "--clients", String(clients), "--seed", String(seed)],
      this.root,
      this.log,
      { ...this.env(), CI: "true" },
    );
    return JSON.parse(readFileSync(join(this.root, ".wrangler", "demo-keys.json"), "utf8")) as DemoKeys;
  }

  /** Starts `wrangler dev` on `port` (default: a free one) and waits until /health answers. */
  async start(port?: number): Promise<void> {
    this.port = port ?? (await freePort());
    this.inspectorPort = await freePort();
    const wrangler = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
    const out = createWriteStream(this.log, { flags: "a" });
    const server = spawn(
      process.execPath,
      [
        wrangler,
        "dev",
        "--local",
        "--ip",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--inspector-port",
        String(this.inspectorPort),
        "--persist-to",
        join(this.root, ".wrangler", "state"),
        "--show-interactive-dev-session=false",
        "--log-level",
        "warn",
      ],
      { cwd: this.root, env: this.env(), stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    server.stdout?.pipe(out);
    server.stderr?.pipe(out);
    this.pgid = server.pid ?? null;
    let exited: string | null = null;
    server.once("exit", (code, signal) => {
      exited = `exit ${code ?? signal}`;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`wrangler dev stopped during start-up (${exited}); see ${this.log}`);
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`wrangler dev did not answer /health within ${START_TIMEOUT_MS / 1000} s; see ${this.log}`);
  }

  /**
   * Stops the Worker's whole process group (SIGTERM, then SIGKILL after a grace period) and returns
   * the ids of processes of the group still alive afterwards (expected: none).
   */
  async stop(): Promise<number[]> {
    const pgid = this.pgid;
    if (pgid === null) return [];
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pgid, signal);
      } catch {
        // the group is already gone
      }
    };
    signalGroup("SIGTERM");
    const deadline = Date.now() + STOP_GRACE_MS;
    while (processesInGroup(pgid).length > 0 && Date.now() < deadline) await sleep(100);
    if (processesInGroup(pgid).length > 0) {
      signalGroup("SIGKILL");
      await sleep(500);
    }
    this.pgid = null;
    return processesInGroup(pgid);
  }

  /** Last resort for process exit paths that cannot wait: SIGKILL the group at once. */
  killNow(): void {
    if (this.pgid === null) return;
    try {
      process.kill(-this.pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Deletes the sandbox directory (the Worker must be stopped). */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
