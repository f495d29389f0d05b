/**
 * Copies the API reference UI (Swagger UI from the swagger-ui-dist package) into the Worker's
 * static assets, `public/docs/`, so that `/docs` works offline: no CDN, the page and its scripts are
 * served by the Worker itself. wrangler runs this as the `[build]` command before `dev` and
 * `deploy`; `npm test` runs it first too. The copied files are build output (gitignored);
 * `public/docs/index.html` and `init.js` are the project's own.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const target = join(root, "public", "docs");
mkdirSync(target, { recursive: true });
for (const file of FILES) copyFileSync(join(source, file), join(target, file));
