/**
 * Writes the published contract into `schemas/`: the OpenAPI document served at /openapi.json and
 * the JSON Schemas of webhook payloads. `--check` compares instead of writing and exits 1 on drift
 * (CI runs it; a workerd test checks the served document against the committed one too).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createApp } from "../src/http/app";
import { webhookPayloadSchemas } from "../src/http/contract";

const root = path.join(import.meta.dirname, "..", "schemas");
const check = process.argv.includes("--check");

const files: Record<string, unknown> = {
  "openapi.json": createApp().router.schema,
  ...webhookPayloadSchemas(),
};

let drift = 0;
for (const [name, document] of Object.entries(files)) {
  const file = path.join(root, name);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (check) {
    let committed = "";
    try {
      committed = readFileSync(file, "utf8");
    } catch {
      // missing counts as drift
    }
    if (committed !== text) {
      drift++;
      console.error(`schemas/${name} is out of date: run \`npm run schemas\` and commit the result`);
    }
  } else {
    writeFileSync(file, text);
    console.log(`wrote schemas/${name}`);
  }
}
if (check && drift === 0) console.log(`schemas/ matches the code (${Object.keys(files).length} files)`);
process.exit(drift === 0 ? 0 : 1);
