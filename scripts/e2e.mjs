/**
 * `npm run test:e2e`: the console in a real browser. Chromium is Debian's `/usr/bin/chromium`,
 * driven by playwright-core (installed with `apt-get install -y chromium` when missing; no browser
 * is ever downloaded). Like the README walk-through, it copies the project into an empty directory
 * (a fresh clone, `node_modules` linked), starts `npm run dev -- --port 8793` there as the README
 * says, then: signs in as admin, sees the overview charts, changes a threshold through the preview,
 * pauses a company, issues and revokes a key, edits a bot offer text (a refused one first), creates a
 * service (an invalid code first), runs the README's walk-through lead and finds it in the receiving
 * company's delivery log, signs in as the
 * receiving partner, acknowledges it and reports the outcome, sets its webhook and sends a test event
 * to a local endpoint, and sees the funnel move. axe-core
 * runs on every page (no serious or critical violation allowed) and every page is photographed to
 * `docs/screenshots/` (a temporary folder when CI is set). Prints each step, the first-load time and "N passed, N failed"; `--json FILE`
 * writes the counts for `.ci/run`; `--port N` picks another port.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { freshCopy, startDevServer, stopDevServer } from "./lib/dev-server.mjs";
import { PROJECT_ROOT } from "./lib/local-d1.mjs";
import { walkthroughBlocks } from "./walkthrough.mjs";

const CHROMIUM = "/usr/bin/chromium";
const DEFAULT_PORT = 8793;
/** The issue's budget for the console's first load on the local dev server. */
const FIRST_LOAD_BUDGET_MS = 1_000;
/**
 * Where the page photographs go: the committed `docs/screenshots/` when run by hand; under CI a
 * temporary folder, so that a CI run leaves the clone as it found it (PNGs differ at every run).
 */
const SCREENSHOTS = process.env.CI
  ? mkdtempSync(join(tmpdir(), "cactubase-screenshots-"))
  : join(PROJECT_ROOT, "docs", "screenshots");

const { values } = parseArgs({
  options: { json: { type: "string" }, port: { type: "string", default: String(DEFAULT_PORT) } },
});
const port = Number(values.port);
const base = `http://localhost:${port}`;

let passed = 0;
let failed = 0;
/** Runs one named check; a failure is reported and counted, the run goes on. */
async function step(name, check) {
  const started = Date.now();
  try {
    const note = await check();
    passed++;
    console.log(`  ✓ ${name} (${Date.now() - started} ms)${note ? ` — ${note}` : ""}`);
  } catch (error) {
    failed++;
    console.log(`  ✗ ${name}: ${error instanceof Error ? error.message.split("\n")[0] : error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  console.log(`[e2e] ${CHROMIUM} is missing: apt-get install -y chromium`);
  const result = spawnSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit" });
  if (result.status !== 0 || !existsSync(CHROMIUM)) throw new Error("could not install Debian's chromium");
}

/** A local endpoint standing in for a partner's webhook: it records what it receives, answers 204. */
function startHookReceiver() {
  const received = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://localhost:${server.address().port}/hook`, received, close: () => server.close() });
    });
  });
}

/** The body of the README's first lead call (the walk-through's client). */
function readmeLeadBody() {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const block = walkthroughBlocks(readme).find((text) => text.includes("/v1/leads"));
  const match = block && /-d '([^']+)'/.exec(block);
  if (!match) throw new Error("README.md has no POST /v1/leads body in its walk-through");
  return JSON.parse(match[1]);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the page as it is now: serious and critical violations fail. */
async function checkAccessibility(page, name) {
  await step(`axe: ${name} has no serious or critical violation`, async () => {
    // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays in force.
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const report = await window.axe.run(document, { resultTypes: ["violations"] });
      return report.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
    });
    const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert(bad.length === 0, bad.map((v) => `${v.id} (${v.impact}, ${v.nodes}×): ${v.help}`).join("; "));
    const minor = result.map((v) => `${v.id}/${v.impact}`);
    return minor.length ? `minor: ${minor.join(", ")}` : "no violation";
  });
}

async function shoot(page, file) {
  await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: false });
}

async function visit(page, portal, id, name) {
  await page.goto(`${base}/${portal}#/${id}`);
  await page.waitForSelector("main h1");
  await page.waitForFunction(() => !document.querySelector("[aria-busy='true']"), null, { timeout: 15_000 });
  await shoot(page, `${portal}-${id}.png`);
  await checkAccessibility(page, `${portal} ${name}`);
}

async function signIn(page, portal, key) {
  await page.goto(`${base}/${portal}`);
  await page.fill("#api-key", key);
  await page.click("button[type=submit]");
  await page.waitForSelector("nav");
}

async function signOut(page) {
  await page.click("header.top >> text=/Выйти|Sign out/");
  await page.waitForSelector("#api-key");
}

async function funnelCounts(page) {
  await page.goto(`${base}/admin#/overview`);
  await page.waitForSelector("[data-testid=funnel-acknowledged]");
  return {
    acknowledged: Number(await page.textContent("[data-testid=funnel-acknowledged]")),
    accepted: Number(await page.textContent("[data-testid=funnel-accepted]")),
  };
}

async function main() {
  ensureChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const { chromium } = await import("playwright-core");
  const dir = freshCopy("cactubase-e2e-");
  let server = null;
  let browser = null;
  try {
    console.log(`[e2e] starting npm run dev -- --port ${port} in a fresh copy…`);
    server = (await startDevServer(dir, port)).child;
    const keys = JSON.parse(readFileSync(join(dir, ".wrangler", "demo-keys.json"), "utf8"));
    const bank = keys.companies.find((company) => company.kind === "bank");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ru-RU" });
    const page = await context.newPage();
    page.on("dialog", (dialog) => dialog.accept());
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    await step("the sign-in page loads within the budget, from this origin only", async () => {
      const requests = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.goto(`${base}/admin`, { waitUntil: "load" });
      await page.waitForSelector("#api-key");
      const loadMs = await page.evaluate(() => {
        const [entry] = performance.getEntriesByType("navigation");
        return Math.round(entry.loadEventEnd - entry.startTime);
      });
      const foreign = requests.filter((url) => !url.startsWith(base));
      assert(foreign.length === 0, `requests to other hosts: ${foreign.join(", ")}`);
      assert(loadMs <= FIRST_LOAD_BUDGET_MS, `first load took ${loadMs} ms`);
      await shoot(page, "admin-sign-in.png");
      return `first load ${loadMs} ms`;
    });
    await checkAccessibility(page, "sign-in");

    await step("a wrong key is refused on the sign-in page", async () => {
      await page.fill("#api-key", "cb_admin_thiskeywasneverissued000000000");
      await page.click("button[type=submit]");
      await page.waitForSelector("[role=alert]");
    });

    await step("admin signs in; the key is not kept by the page; the cookie is HttpOnly", async () => {
      await signIn(page, "admin", keys.admin_token);
      const stored = await page.evaluate(
        () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
      );
      assert(!stored.includes(keys.admin_token), "the key is stored in the page");
      const cookies = await context.cookies(base);
      const session = cookies.find((cookie) => cookie.name === "cb_session");
      assert(session?.httpOnly && session.sameSite === "Strict" && session.secure, JSON.stringify(session));
    });

    await step("the overview shows the leads-per-day chart, the funnel and delivery health", async () => {
      await page.goto(`${base}/admin#/overview`);
      await page.waitForSelector(".chart canvas", { timeout: 15_000 });
      await page.waitForSelector("[data-testid=funnel-acknowledged]");
      await page.waitForSelector("text=/Версия модели/");
    });
    const before = await funnelCounts(page);

    const adminPages = [
      ["overview", "overview"],
      ["volume", "volume"],
      ["matrix", "cross-service matrix"],
      ["companies", "companies"],
      ["services", "services"],
      ["experiments", "experiments"],
      ["bot", "Telegram bot"],
      ["calibration", "calibration"],
      ["audit", "audit log"],
    ];
    for (const [id, name] of adminPages) await visit(page, "admin", id, name);

    await step("the language switches to English and back", async () => {
      await page.click("button:text-is('EN')");
      await page.waitForSelector("nav >> text=Overview");
      await page.click("button:text-is('RU')");
      await page.waitForSelector("nav >> text=Обзор");
    });

    await step("a threshold changes through the live preview, with a confirmation", async () => {
      await page.goto(`${base}/admin#/volume`);
      await page.waitForSelector("[data-testid=current-threshold]");
      const current = Number((await page.textContent("[data-testid=current-threshold]")).replace(/\s/g, ""));
      const target = current - 2;
      await page.fill("input[type=number][aria-label]", String(target));
      const preview = await page.textContent("[data-testid=threshold-preview]");
      assert(preview.includes(`${current} → ${target}`), `preview says "${preview}"`);
      await page.click("button:has-text('Применить порог')");
      await page.waitForFunction(
        (expected) => document.querySelector("[data-testid=current-threshold]")?.textContent?.trim() === expected,
        String(target),
      );
      return preview;
    });

    await step("a matrix cell is edited in place; a refused weight shows its error on the cell", async () => {
      await page.goto(`${base}/admin#/matrix`);
      await page.fill("#matrix-search", "expo-debit-card");
      const cell = page.locator("button.cell[aria-label^='expo-debit-card → expo-credit-card']");
      await cell.click();
      const editor = page.locator("td.editing input");
      await editor.fill("2");
      await page.click("td.editing button[type=submit]");
      const error = await page.textContent("td.editing .cell-error");
      assert(error && error.length > 0, "no error on the cell");
      await editor.fill("0.35");
      await page.click("td.editing button[type=submit]");
      await page.waitForSelector("button.cell[aria-label='expo-debit-card → expo-credit-card: 0,35']");
      return `refused 2: ${error}`;
    });

    const paused = keys.companies.find((company) => company.kind === "partner" && company.id !== bank.id);
    await step(`a company (${paused.name}) is paused`, async () => {
      await page.goto(`${base}/admin#/companies`);
      const row = page.locator(`tr[data-company="${paused.name}"]`);
      await row.locator("button", { hasText: "Приостановить" }).click();
      await row.locator("[data-testid=company-status]", { hasText: "На паузе" }).waitFor();
    });

    await step("a key is issued (shown once) and revoked", async () => {
      const row = page.locator(`tr[data-company="${paused.name}"]`);
      await row.locator("button", { hasText: "Подробнее" }).click();
      await page.selectOption("#key-scope", "crm");
      await page.fill("#key-name", "e2e key");
      await page.click("button:has-text('Выпустить ключ')");
      const shown = await page.textContent("[data-testid=show-once]");
      assert(/^cb_crm_/.test(shown ?? ""), `shown: ${shown}`);
      await shoot(page, "admin-companies-key-issued.png");
      const keyRow = page.locator('tr[data-key-name="e2e key"]');
      await keyRow.locator("button", { hasText: "Отозвать" }).click();
      await keyRow.locator("[data-testid=key-revoked]").waitFor();
      const refused = await fetch(`${base}/v1/clients/crm-1`, { headers: { authorization: `Bearer ${shown}` } });
      assert(refused.status === 401, `the revoked key answered ${refused.status}`);
    });

    await step("an offer text is edited on the Bot page; a refused text shows the API's reason", async () => {
      await page.goto(`${base}/admin#/bot`);
      await page.click("button:has-text('Новый текст')");
      const service = await page.locator("#offer-service option").first().getAttribute("value");
      await page.selectOption("#offer-service", service);
      await page.selectOption("#offer-locale", "ru");
      await page.fill("#offer-text", "Узнайте {доход} клиента");
      await page.click("form[aria-label='Текст предложения'] button[type=submit]");
      const refusal = await page.textContent("section[aria-labelledby=bot-offer-texts] [role=alert]");
      assert(refusal?.startsWith("400"), `refusal: ${refusal}`);
      const text = "Полис КАСКО со скидкой для клиентов банка";
      await page.fill("#offer-text", text);
      await page.click("form[aria-label='Текст предложения'] button[type=submit]");
      await page.waitForSelector("[data-testid=offer-text-saved]");
      const shown = await page.textContent(`tr[data-offer-text="${service}/ru"] [data-testid=offer-text]`);
      assert(shown === text, `the row shows "${shown}"`);
      await page.selectOption("#funnel-company", bank.id);
      await page.waitForSelector("[data-testid=bot-funnel]");
      await shoot(page, "admin-bot-offer-text.png");
      return `${service}/ru; refused first: ${refusal}`;
    });

    await step("a service is created from the form; an invalid code shows its error on the field", async () => {
      await page.goto(`${base}/admin#/services`);
      await page.waitForSelector("#service-code");
      await page.fill("#service-code", "Bad Code!");
      await page.fill("#service-name", "Страхование питомцев");
      await page.fill("#service-category", "insurance");
      await page.click("section[aria-labelledby=create-service] button[type=submit]");
      const fieldError = await page.textContent("[data-testid=service-code-error]");
      assert(fieldError && fieldError.length > 0, "no error on the code field");
      assert((await page.getAttribute("#service-code", "aria-invalid")) === "true", "the field is not marked invalid");
      await page.fill("#service-code", "e2e-pet-insurance");
      await page.click("section[aria-labelledby=create-service] button[type=submit]");
      await page.waitForSelector("[data-testid=service-created]");
      await page.waitForSelector("td code:text-is('e2e-pet-insurance')");
      await shoot(page, "admin-services-created.png");
      return `refused "Bad Code!": ${fieldError}`;
    });

    let lead = null;
    await step("the README walk-through lead is created (POST /v1/leads)", async () => {
      const response = await fetch(`${base}/v1/leads`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${bank.crm_key}`,
          "content-type": "application/json",
          "idempotency-key": `e2e-${Date.now()}`,
        },
        body: JSON.stringify(readmeLeadBody()),
      });
      const body = await response.json();
      assert(
        response.status === 201 && body.leads?.length > 0,
        `${response.status} ${JSON.stringify(body).slice(0, 300)}`,
      );
      lead = body.leads[0];
      return `${lead.id} → ${lead.target_company.name}`;
    });

    if (lead) {
      await page.goto(`${base}/admin#/leads?id=${lead.id}`);
      await page.waitForSelector("[data-testid=lead-status]");
      await shoot(page, "admin-leads.png");
      await checkAccessibility(page, "admin leads explorer");
    }

    await step("the receiving company's delivery log shows the lead's delivery", async () => {
      assert(lead, "no lead was created");
      // The dispatch queue delivers in the background: look again until the lead's events are there.
      for (let look = 0; ; look++) {
        await page.goto(`${base}/admin#/companies`);
        const details = page.locator(`tr[data-company="${lead.target_company.name}"] button`, { hasText: "Подробнее" });
        // Closing and opening the details loads the log again.
        if ((await details.getAttribute("aria-expanded")) === "true") await details.click();
        await details.click();
        await page.waitForSelector("[data-testid=company-deliveries], [data-testid=deliveries-empty]");
        const entries = page.locator(`[data-testid=company-deliveries] tr:has(code:text-is('${lead.id}'))`);
        if ((await entries.count()) > 0) {
          await entries.first().scrollIntoViewIfNeeded();
          await shoot(page, "admin-companies-deliveries.png");
          return `${await entries.count()} events of ${lead.id}: ${await entries.first().getAttribute("data-delivery-type")}`;
        }
        assert(look < 10, `no delivery event of ${lead.id} after ${look} looks`);
        await sleep(1_000);
      }
    });
    await checkAccessibility(page, "company delivery log");

    await signOut(page);
    const receiver = lead && keys.companies.find((company) => company.id === lead.target_company.id);
    await step("the receiving partner signs in and acknowledges the lead in its inbox", async () => {
      assert(receiver, "no lead to receive");
      await signIn(page, "partner", receiver.partner_key);
      await page.goto(`${base}/partner#/inbox`);
      const card = page.locator(`li[data-lead="${lead.id}"]`);
      await card.waitFor();
      await shoot(page, "partner-inbox.png");
      await card.locator("button", { hasText: "Подтвердить получение" }).click();
      await card.locator("[data-testid=inbox-status]", { hasText: "подтверждён" }).waitFor();
    });
    await checkAccessibility(page, "partner inbox");

    await step("the partner reports the outcome (accepted, 12 000 ₽)", async () => {
      const card = page.locator(`li[data-lead="${lead.id}"]`);
      await card.locator("input[type=number]").fill("12000");
      await card.locator("button", { hasText: "Сообщить исход" }).click();
      await card.locator("[data-testid=inbox-status]", { hasText: "принят" }).waitFor();
    });

    const hook = await startHookReceiver();
    await step("the partner sets its webhook URL and a test event reaches it, signed", async () => {
      await page.goto(`${base}/partner#/webhook`);
      await page.waitForSelector("#webhook-url");
      await page.fill("#webhook-url", hook.url);
      await page.click("button:has-text('Сохранить')");
      await page.waitForSelector("text=Запросы подписываются (Standard Webhooks).");
      await page.click("button:has-text('Отправить тестовое событие')");
      const outcome = await page.textContent("[data-testid=webhook-test]");
      assert(outcome.startsWith("Тестовое событие доставлено"), outcome);
      assert(hook.received.length === 1, `the endpoint got ${hook.received.length} requests`);
      const headers = hook.received[0].headers;
      assert(/^test_/.test(headers["webhook-id"] ?? "") && headers["webhook-signature"], JSON.stringify(headers));
      return outcome;
    });
    hook.close();

    for (const [id, name] of [
      ["commissions", "commission statement"],
      ["deliveries", "delivery log"],
      ["webhook", "webhook settings"],
    ])
      await visit(page, "partner", id, name);

    await step("a partner session cannot read admin routes", async () => {
      const status = await page.evaluate(async () => (await fetch("/v1/admin/companies")).status);
      assert(status === 403, `GET /v1/admin/companies answered ${status}`);
    });

    await signOut(page);
    await step("the admin sees the funnel move (acknowledged and accepted +1)", async () => {
      await signIn(page, "admin", keys.admin_token);
      const after = await funnelCounts(page);
      assert(
        after.acknowledged === before.acknowledged + 1,
        `acknowledged ${before.acknowledged} → ${after.acknowledged}`,
      );
      assert(after.accepted === before.accepted + 1, `accepted ${before.accepted} → ${after.accepted}`);
      await shoot(page, "admin-overview.png");
      return `acknowledged ${before.acknowledged} → ${after.acknowledged}, accepted ${before.accepted} → ${after.accepted}`;
    });

    await step("the audit log shows the console's changes under the admin key", async () => {
      await page.goto(`${base}/admin#/audit`);
      await page.waitForSelector("td >> text=company.updated");
      await shoot(page, "admin-audit.png");
    });

    await step("a viewer key signs in, sees the admin pages and no control that changes anything", async () => {
      const issued = await fetch(`${base}/v1/admin/companies/${bank.id}/api-keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys.admin_token}`, "content-type": "application/json" },
        body: JSON.stringify({ scope: "viewer", name: "e2e viewer" }),
      });
      const viewer = await issued.json();
      assert(issued.status === 201, `issuing a viewer key answered ${issued.status}`);
      await signOut(page);
      await signIn(page, "admin", viewer.key);
      await page.goto(`${base}/admin#/companies`);
      await page.waitForSelector("[data-testid=company-status]");
      await page.waitForSelector("text=Режим наблюдателя");
      const pauseButtons = await page.locator("button", { hasText: "Приостановить" }).count();
      assert(pauseButtons === 0, `${pauseButtons} pause buttons shown to a viewer`);
      const write = await page.evaluate(async (id) => {
        const session = await (await fetch("/v1/session")).json();
        const response = await fetch(`/v1/admin/companies/${id}`, {
          method: "PATCH",
          headers: { "content-type": "application/json", "x-csrf-token": session.csrf_token },
          body: JSON.stringify({ status: "paused" }),
        });
        return response.status;
      }, bank.id);
      assert(write === 403, `a viewer's change answered ${write}`);
    });

    await step("no script error on any page", async () => {
      assert(pageErrors.length === 0, pageErrors.join("; "));
    });
  } finally {
    await browser?.close();
    await stopDevServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ passed, failed }));
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    if (values.json) writeFileSync(values.json, JSON.stringify({ passed, failed: failed + 1 }));
    process.exit(1);
  },
);
