/**
 * The personal-data guard as one step in front of every route: each request body that parses as
 * JSON is scanned (src/domain/personal-data.ts) and its numbers range-checked
 * (src/domain/number-ranges.ts) before any route sees it. A finding refuses the whole request:
 * 422 `personal_data` or `unprocessable`, one item per offending path, nothing stored.
 *
 * Two profiles. Client-facing routes (CRM and partner: clients, leads, deals, partner inbox,
 * recommendations) get every rule, CRM ids and catalog codes read as identifiers, and a ceiling on
 * every number. Admin and analytics routes carry the operator's own free text (company and service
 * names, descriptions, need labels): those fields are scanned by value only, and their numbers
 * (durations, caps) are not capped.
 */
import type { MiddlewareHandler } from "hono";
import { DomainError } from "../../domain/errors";
import { CLIENT_NUMBER_CEILING, findOutOfRangeNumbers } from "../../domain/number-ranges";
import {
  findPersonalData,
  findPersonalDataInIdentifier,
  type PersonalDataScanOptions,
  personalDataError,
} from "../../domain/personal-data";
import type { AppEnv } from "../../env";

/** Fields holding ids or codes: e-mails, phones, cards, SNILS, INN-12 and names are still refused there. */
const IDENTIFIER_FIELDS = ["external_id", "service", "lead_id", "code", "webhook_url", "company_id", "service_code"];

const CLIENT_SCAN: PersonalDataScanOptions = {
  identifierMapFields: ["services"],
  identifierFields: IDENTIFIER_FIELDS,
  freeTextFields: [],
};

/** The admin's documented free-text fields (docs/privacy.md). */
export const ADMIN_FREE_TEXT_FIELDS = ["name", "description", "note", "label_ru", "label_en"];

const ADMIN_SCAN: PersonalDataScanOptions = {
  identifierMapFields: ["services", "weights"],
  identifierFields: IDENTIFIER_FIELDS,
  freeTextFields: ADMIN_FREE_TEXT_FIELDS,
};

const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Bodies that are not a CRM's or a partner's: Telegram's updates carry the person's Telegram
 * profile by design. The bot authenticates them by their secret token and never stores a field of
 * them in clear (docs/bot.md, docs/privacy.md). The console's sign-in carries only an API key (a
 * random secret whose digit runs can look like a phone number), never stored. Website events
 * (`/v1/events`) come from visitors' browsers: nothing of them is kept but the service a URL rule
 * matches (src/usecases/site-events/ingest.ts), so one visitor's odd URL must not refuse the batch.
 */
const UNSCANNED_PATHS = new Set(["/v1/telegram/webhook", "/v1/session", "/v1/events"]);

/** The CRM's client id in a path (`/v1/clients/{external_id}…`), reported with the body's findings. */
const EXTERNAL_ID_IN_PATH = /^\/v1\/clients\/([^/:]+)(?:\/|$)/;

function isAdminPath(path: string): boolean {
  return path.startsWith("/v1/admin/") || path.startsWith("/v1/analytics/");
}

export const personalDataGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (BODYLESS_METHODS.has(c.req.method) || UNSCANNED_PATHS.has(c.req.path)) return next();
  // A clone: the route still reads the body itself (and reports malformed JSON in its own words).
  const text = await c.req.raw.clone().text();
  if (text.trim() === "") return next();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return next();
  }
  const admin = isAdminPath(c.req.path);
  const externalId = EXTERNAL_ID_IN_PATH.exec(c.req.path)?.[1];
  const findings = [
    ...(externalId === undefined
      ? []
      : findPersonalDataInIdentifier(safeDecode(externalId), ["params", "external_id"])),
    ...findPersonalData(body, ["body"], admin ? ADMIN_SCAN : CLIENT_SCAN),
  ];
  if (findings.length > 0) throw personalDataError(findings);
  const outOfRange = findOutOfRangeNumbers(body, ["body"], admin ? {} : { ceiling: CLIENT_NUMBER_CEILING });
  if (outOfRange.length > 0) throw DomainError.many("unprocessable", outOfRange);
  if (!admin) c.set("scannedBody", body);
  return next();
};

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
