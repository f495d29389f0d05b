/**
 * `npm run test:walkthrough`: runs the README's walk-through exactly as a newcomer would, and checks
 * every claim it makes.
 *
 * Each run copies the project into an empty directory (a fresh clone: no `.wrangler`, no
 * `.dev.vars`; `node_modules` is linked), starts `npm run dev -- --port N` on a free port as the
 * README says, waits for its "running" banner, then runs every `sh` block of the README's section
 * "A walk through the main flow" in order in one bash, and checks each `# → <status> `fragment`…`
 * line against the answer of the `api` call just above it (`not `fragment`` must be absent).
 *
 * Two runs (`--runs N` to change) must give the same answers: every step's status, the lead the
 * first call creates and its rating, and the model the fresh start trained (its artefact compared
 * byte for byte, except the version name and training time). Prints each step, the time from the
 * start to the first lead, and "N passed, N failed"; `--json FILE` writes the counts for `.ci/run`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freshCopy, startDevServer, stopDevServer } from "./lib/dev-server.mjs";
import { WRANGLER_JS } from "./lib/local-d1.mjs";

const SECTION_TITLE = "## A walk through the main flow";
const STEP_MARKER = "@@walkthrough-step@@";

/**
 * @typedef {{ status: number, present: string[], absent: string[] }} Expectation
 * @typedef {{ command: string, expectation: Expectation | null }} Step
 */

/** The `sh` blocks of the README's walk-through section, in order. */
export function walkthroughBlocks(readme) {
  const start = readme.indexOf(SECTION_TITLE);
  if (start < 0) throw new Error(`README.md has no section "${SECTION_TITLE}"`);
  const next = readme.indexOf("\n## ", start + SECTION_TITLE.length);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/**
 * Parses `# → 201 `a` not `b`` into an expectation, or null for any other line.
 * @param {string} line
 * @returns {Expectation | null}
 */
export function parseExpectation(line) {
  const match = /^#\s*→\s*(\d{3})(.*)$/.exec(line.trim());
  if (!match) return null;
  const present = [];
  const absent = [];
  for (const fragment of match[2].matchAll(/(not\s+)?`([^`]+)`/g)) {
    (fragment[1] ? absent : present).push(fragment[2]);
  }
  return { status: Number(match[1]), present, absent };
}

/**
 * The blocks as one bash script with a marker before every `api` call, and the steps in order.
 * @param {string[]} blocks
 * @returns {{ script: string, steps: Step[] }}
 */
export function buildScript(blocks) {
  /** @type {Step[]} */
  const steps = [];
  const out = ["set -u"];
  for (const block of blocks) {
    const lines = block.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const expectation = parseExpectation(line);
      if (expectation) {
        const step = steps[steps.length - 1];
        if (!step || step.expectation) throw new Error(`"${line.trim()}" follows no api call`);
        step.expectation = expectation;
        continue;
      }
      if (/^api\s/.test(line)) {
        let command = line;
        while (command.endsWith("\\") && i + 1 < lines.length) command += `\n${lines[++i]}`;
        // Continuation lines of the call are part of one command (quoted JSON bodies span lines).
        while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]) && !command.endsWith("'")) {
          command += `\n${lines[++i]}`;
        }
        steps.push({ command, expectation: null });
        out.push(`echo "${STEP_MARKER}${steps.length - 1}"`, command);
        continue;
      }
      out.push(line);
    }
  }
  out.push(`echo "${STEP_MARKER}end"`);
  return { script: `${out.join("\n")}\n`, steps };
}

/** A port nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * The model artefact the fresh start trained, with its version name and training time blanked, so
 * that two fresh starts can be compared byte for byte.
 */
function comparableArtefact(dir, version) {
  const result = spawnSync(
    process.execPath,
    [WRANGLER_JS, "kv", "key", "get", "--binding", "MODEL", "--local", `model:artefact:${version}`],
    { cwd: dir, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" }, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`reading the artefact failed: ${result.stderr}`);
  const bytes = result.stdout;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections = view.getUint32(16, true);
  const parts = [];
  for (let s = 0; s < sections; s++) {
    const entry = 32 + 16 * s;
    const id = view.getUint32(entry, true);
    const type = view.getUint32(entry + 4, true);
    const offset = view.getUint32(entry + 8, true);
    const length = view.getUint32(entry + 12, true);
    let section = bytes.subarray(offset, offset + length);
    if (type === 1) {
      const meta = JSON.parse(section.toString("utf8"));
      delete meta.version;
      delete meta.trainedAt;
      section = Buffer.from(JSON.stringify(meta));
    }
    parts.push(Buffer.from(`${id}:${type}:`), section);
  }
  return Buffer.concat(parts);
}

/** The answer body of one step's output (everything before the final "→ status" line). */
function answerOf(output) {
  const lines = output.trimEnd().split("\n");
  const statusLine = lines.pop() ?? "";
  const match = /→ (\d{3})$/.exec(statusLine);
  return {
    status: match ? Number(match[1]) : null,
    body: lines.join("\n").replace(/\s+$/, "") + statusLine.replace(/\s*→ \d{3}$/, ""),
  };
}

/**
 * One run from an empty directory.
 * @param {number} run
 */
async function runOnce(run) {
  const started = performance.now();
  const dir = freshCopy("cactubase-walkthrough-");
  const port = await freePort();
  console.log(`\n[walkthrough] run ${run}: fresh copy in ${dir}, npm run dev -- --port ${port}`);
  const results = [];
  let server = null;
  try {
    server = await startDevServer(dir, port);
    const startedIn = (performance.now() - started) / 1000;
    console.log(`[walkthrough] the server answered after ${startedIn.toFixed(1)} s`);
    const keys = JSON.parse(readFileSync(join(dir, ".wrangler", "demo-keys.json"), "utf8"));
    const expectedBase = `http://localhost:${port}`;
    results.push({
      name: "demo-keys.json base_url follows the port",
      ok: keys.base_url === expectedBase,
      detail: `${keys.base_url} (expected ${expectedBase})`,
    });
    const model = await fetch(`${expectedBase}/v1/admin/model`, {
      headers: { authorization: `Bearer ${keys.admin_token}` },
    }).then((r) => r.json());
    const version = model.current.version;

    const { script, steps } = buildScript(walkthroughBlocks(readFileSync(join(dir, "README.md"), "utf8")));
    const shell = spawnSync("bash", ["-s"], { cwd: dir, input: script, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const chunks = shell.stdout.split(new RegExp(`^${STEP_MARKER}`, "m")).slice(1);
    const outputs = new Map();
    for (const chunk of chunks) {
      const newline = chunk.indexOf("\n");
      outputs.set(chunk.slice(0, newline), chunk.slice(newline + 1));
    }
    let firstLeadAt = null;
    let createdLead = null;
    const answers = [];
    for (const [index, step] of steps.entries()) {
      const output = outputs.get(String(index));
      const method = /-X\s+([A-Z]+)/.exec(step.command)?.[1] ?? "GET";
      const path = /"\$API([^"]*)"/.exec(step.command)?.[1] ?? step.command.split("\n")[0];
      const name = `${method} ${path}`;
      if (output === undefined) {
        results.push({ name, ok: false, detail: `never ran (bash stderr: ${shell.stderr.slice(-500)})` });
        continue;
      }
      const answer = answerOf(output);
      const expectation = step.expectation;
      const problems = [];
      if (!expectation) problems.push("the README states no expected answer (# → …) for this call");
      else {
        if (answer.status !== expectation.status)
          problems.push(`status ${answer.status}, README says ${expectation.status}`);
        for (const fragment of expectation.present)
          if (!answer.body.includes(fragment)) problems.push(`missing ${fragment}`);
        for (const fragment of expectation.absent)
          if (answer.body.includes(fragment)) problems.push(`unexpected ${fragment}`);
      }
      if (firstLeadAt === null && answer.status === 201 && name === "POST /v1/leads") {
        firstLeadAt = (performance.now() - started) / 1000;
        try {
          const body = JSON.parse(answer.body);
          const [lead] = body.leads;
          // The lead id is random; the lead itself (service, rating, receiver) must not be.
          createdLead = lead.id;
          answers.push(`lead ${lead.service} ${lead.rating} → ${lead.target_company.name}`);
        } catch {
          answers.push("lead: unreadable answer");
        }
      }
      answers.push(`${index}:${answer.status}`);
      results.push({ name, ok: problems.length === 0, status: answer.status, detail: problems.join("; ") });
    }
    await stopDevServer(server.child);
    server = null;
    const artefact = comparableArtefact(dir, version);
    return { results, answers, artefact, firstLeadAt, startedIn, createdLead };
  } finally {
    if (server) await stopDevServer(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "2" }, json: { type: "string" } },
  });
  const runs = Number(values.runs);
  let passed = 0;
  let failed = 0;
  const record = (ok, name, detail = "") => {
    if (ok) passed++;
    else failed++;
    console.log(`  ${ok ? "✓" : "✗"} ${name}${detail ? `  — ${detail}` : ""}`);
  };
  const outcomes = [];
  for (let run = 1; run <= runs; run++) {
    try {
      const outcome = await runOnce(run);
      outcomes.push(outcome);
      for (const result of outcome.results) {
        record(result.ok, `${result.status ? `${result.status} ` : ""}${result.name}`, result.detail);
      }
      console.log(
        `[walkthrough] run ${run}: first lead ${outcome.createdLead}: ${outcome.answers[0]} after ${outcome.firstLeadAt?.toFixed(1)} s ` +
          `from an empty directory (server up after ${outcome.startedIn.toFixed(1)} s)`,
      );
    } catch (error) {
      record(false, `run ${run}`, error instanceof Error ? error.message : String(error));
    }
  }
  if (outcomes.length >= 2) {
    const [first, ...others] = outcomes;
    for (const [k, other] of others.entries()) {
      record(
        JSON.stringify(other.answers) === JSON.stringify(first.answers),
        `run ${k + 2} gave the same answers as run 1`,
        JSON.stringify(other.answers) === JSON.stringify(first.answers) ? "" : `${first.answers} vs ${other.answers}`,
      );
      record(first.artefact.equals(other.artefact), `run ${k + 2} trained a byte-identical model at start`);
    }
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ passed, failed }));
  return failed === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
