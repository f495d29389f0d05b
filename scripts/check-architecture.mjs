/**
 * Proves that the layer rules of ARCHITECTURE.md bite, and checks the rules Biome cannot express.
 *
 *   npm run lint:architecture      (part of `npm run lint`)
 *
 * 1. For every layer, a fixture file with a forbidden import is written into the layer's folder and
 *    linted: Biome must refuse it with `noRestrictedImports`. A fixture with allowed imports must
 *    pass. So a rule that stops matching (a renamed folder, a broken pattern) fails CI instead of
 *    silently allowing everything.
 * 2. No file under src/ is longer than 600 lines (one responsibility per file).
 *
 * Fixtures are removed afterwards, also when the run fails.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const MAX_LINES = 600;

/** Each case: where the fixture lives, the import it makes, and whether the rules must refuse it. */
const CASES = [
  { dir: "src/domain", spec: "../storage/db", refused: true },
  { dir: "src/domain", spec: "../usecases/lead-call", refused: true },
  { dir: "src/domain", spec: "../http/errors", refused: true },
  { dir: "src/domain", spec: "../env", refused: true },
  { dir: "src/domain", spec: "../lib/crypto", refused: true },
  { dir: "src/domain", spec: "drizzle-orm", refused: true },
  { dir: "src/domain", spec: "hono", refused: true },
  { dir: "src/domain", spec: "cloudflare:workers", refused: true },
  { dir: "src/domain/recommender", spec: "../../storage/schema", refused: true },
  { dir: "src/domain", spec: "./time", refused: false },
  { dir: "src/domain", spec: "zod", refused: false },
  { dir: "src/storage", spec: "../usecases/lead-call", refused: true },
  { dir: "src/storage", spec: "../http/errors", refused: true },
  { dir: "src/storage", spec: "hono", refused: true },
  { dir: "src/storage", spec: "../domain/errors", refused: false },
  { dir: "src/storage", spec: "drizzle-orm", refused: false },
  { dir: "src/usecases", spec: "../http/errors", refused: true },
  { dir: "src/usecases", spec: "chanfana", refused: true },
  { dir: "src/usecases", spec: "../cron/scheduled", refused: true },
  { dir: "src/usecases", spec: "../storage/db", refused: false },
  { dir: "src/http/routes", spec: "../../storage/db", refused: true },
  { dir: "src/http/routes", spec: "drizzle-orm", refused: true },
  { dir: "src/http", spec: "../storage/schema", refused: true },
  { dir: "src/http", spec: "../queues/lead-dispatch/consumer", refused: true },
  { dir: "src/http/routes", spec: "../../usecases/lead-call", refused: false },
  { dir: "src/queues", spec: "../storage/db", refused: true },
  { dir: "src/queues", spec: "drizzle-orm", refused: true },
  { dir: "src/queues", spec: "../http/routes/system", refused: true },
  { dir: "src/cron", spec: "../storage/leads", refused: true },
  { dir: "src/cron", spec: "../usecases/housekeeping", refused: false },
];

function lint(files) {
  try {
    const out = execFileSync("npx", ["biome", "lint", "--reporter=json", ...files], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return JSON.parse(out).diagnostics ?? [];
  } catch (error) {
    if (typeof error.stdout === "string" && error.stdout.trim().startsWith("{")) {
      return JSON.parse(error.stdout).diagnostics ?? [];
    }
    throw error;
  }
}

function checkLayerRules() {
  const failures = [];
  const files = CASES.map((c, i) => {
    const file = path.join(c.dir, `zz-architecture-fixture-${i}.ts`);
    writeFileSync(
      path.join(root, file),
      `import * as imported from "${c.spec}";\n\nexport const fixture = imported;\n`,
    );
    return file;
  });
  try {
    const diagnostics = lint(files);
    CASES.forEach((c, i) => {
      const refused = diagnostics.some(
        (d) => d.category === "lint/style/noRestrictedImports" && d.location?.path === files[i],
      );
      if (refused !== c.refused) {
        failures.push(`${c.dir}: import "${c.spec}" was ${refused ? "refused" : "accepted"}, expected the opposite`);
      }
    });
  } finally {
    for (const file of files) rmSync(path.join(root, file), { force: true });
  }
  return failures;
}

function sourceFiles(dir) {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return /\.(ts|tsx)$/.test(entry.name) ? [rel] : [];
  });
}

function checkFileLengths() {
  return sourceFiles("src")
    .map((file) => ({ file, lines: readFileSync(path.join(root, file), "utf8").split("\n").length - 1 }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ file, lines }) => `${file} has ${lines} lines (at most ${MAX_LINES})`);
}

const failures = [...checkLayerRules(), ...checkFileLengths()];
if (failures.length > 0) {
  console.error(`architecture check failed:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `architecture check: ${CASES.length} layer rules bite as documented; no file in src/ over ${MAX_LINES} lines`,
);
