/**
 * A fresh copy of the project started with `npm run dev`, as a new user would: shared by the README
 * walk-through test (scripts/walkthrough.mjs) and the console's browser tests (scripts/e2e.mjs).
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PROJECT_ROOT } from "./local-d1.mjs";

/** A first start installs nothing but migrates, seeds, bundles and trains: minutes on a busy machine. */
export const START_TIMEOUT_MS = 300_000;
/** What a clone would not have (or must not share with the developer's tree). */
const NOT_COPIED = new Set([".git", "node_modules", ".wrangler", ".dev.vars", "coverage"]);

/**
 * A fresh copy of the project in a new temporary folder, as a clone would be, with `node_modules` linked.
 * @param {string} prefix the temporary folder's name prefix
 */
export function freshCopy(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(PROJECT_ROOT, dir, {
    recursive: true,
    filter: (source) => !NOT_COPIED.has(relative(PROJECT_ROOT, source).split(/[\\/]/)[0]),
  });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * Starts `npm run dev -- --port N` in `dir` and resolves once its banner says it is running.
 * @param {string} dir
 * @param {number} port
 * @returns {Promise<{ child: import("node:child_process").ChildProcess, output: () => string }>}
 */
export async function startDevServer(dir, port) {
  const child = spawn("npm", ["run", "dev", "--", "--port", String(port)], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true" },
  });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!output.includes("CactuBase is running.")) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) {
      throw new Error(`npm run dev did not start in ${START_TIMEOUT_MS / 1000} s:\n${output.slice(-3000)}`);
    }
    await sleep(250);
  }
  return { child, output: () => output };
}

/**
 * Stops the dev server's whole process group (SIGTERM, SIGKILL after 15 s) and waits for it to end.
 * @param {import("node:child_process").ChildProcess | null | undefined} child
 */
export async function stopDevServer(child) {
  if (!child || child.exitCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}
