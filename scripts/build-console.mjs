/**
 * Bundles the admin console and partner portal (`console/`, Preact + uPlot) with esbuild into the
 * Worker's static assets, `public/console/app.js` and `app.css`, served at /admin and /partner by the
 * Worker itself (nothing from a CDN). Prints the gzipped size and fails over the budget: the whole
 * console must stay within 150 KB of gzipped JavaScript. Run by wrangler's `[build]` command (before
 * `dev` and `deploy`) and before `npm test` and `npm run test:e2e`. The output is gitignored.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** The budget of the issue: gzipped JavaScript of the whole console. */
const JS_BUDGET_BYTES = 150 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "public", "console");
await build({
  entryPoints: { app: join(root, "console", "src", "main.tsx") },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir,
  legalComments: "none",
  logLevel: "warning",
});

const gzipped = (file) => gzipSync(readFileSync(join(outdir, file)), { level: 9 }).length;
const js = gzipped("app.js");
const css = gzipped("app.css");
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `[console] public/console/app.js ${kb(js)} gzipped, app.css ${kb(css)} gzipped (budget ${kb(JS_BUDGET_BYTES)} of JS)`,
);
if (js > JS_BUDGET_BYTES) {
  console.error(`[console] app.js is over the budget by ${kb(js - JS_BUDGET_BYTES)}`);
  process.exit(1);
}
