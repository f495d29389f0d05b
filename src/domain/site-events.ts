/**
 * Rules of website browsing events (`POST /v1/events`, `/v1/sdk.js`): which origins a site key may
 * name, how a page URL is reduced before anything is kept (origin and path only: never a query or a
 * fragment), which URL rule a page matches, and the limits of a batch. Pure: no I/O.
 */
import { DAY_MS } from "./time";

/** Largest event of a batch (its JSON), bytes. */
export const MAX_EVENT_BYTES = 32 * 1024;
/** Largest batch (the request body), bytes. */
export const MAX_EVENTS_BATCH_BYTES = 500 * 1024;
/** Most events in one batch. */
export const MAX_EVENTS_PER_BATCH = 500;
/** A message id counts as a duplicate for this long after it was first received. */
export const EVENT_DEDUP_WINDOW_MS = DAY_MS;
/**
 * Bound of a not-yet-linked visitor's aggregate: at most this many services per day are kept
 * (further services that day are counted as dropped), so an anonymous id cannot grow storage
 * without limit before it is linked.
 */
export const MAX_ANONYMOUS_SERVICES_PER_DAY = 20;
/** A daily count stops growing here (a reload loop does not make a stronger interest). */
export const MAX_DAILY_EVENTS_PER_SERVICE = 1000;
/** Most allowed origins of one site key. */
export const MAX_ALLOWED_ORIGINS = 20;
/** Most URL rules of one company. */
export const MAX_URL_RULES_PER_COMPANY = 500;
/** Browsing older than this many days is neither read nor kept (ten default half-lives and more). */
export const BROWSING_RETENTION_DAYS = 180;

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Result of checking an origin or URL prefix: the normalized value, or why it is refused. */
export type Checked = { ok: true; value: string } | { ok: false; message: string };

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** `https`, or `http` on a local host (development). */
function schemeAllowed(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname));
}

/**
 * A site key's allowed origin: scheme, host and optional port only (`https://shop.example`,
 * `http://localhost:8080`); https except on localhost; no path, query, fragment or credentials.
 * Normalized as browsers send it in `Origin` (lowercase host, default port dropped).
 */
export function checkAllowedOrigin(raw: string): Checked {
  const url = parseUrl(raw);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return { ok: false, message: `${JSON.stringify(raw)} is not an origin such as https://shop.example` };
  }
  if (!schemeAllowed(url)) return { ok: false, message: `Origin ${raw} must use https (http only for localhost)` };
  if (url.username || url.password) return { ok: false, message: `Origin ${raw} must not carry credentials` };
  if (url.pathname !== "/" || raw.includes("?") || raw.includes("#")) {
    return { ok: false, message: `Origin ${raw} must be scheme://host[:port] without a path, query or fragment` };
  }
  return { ok: true, value: url.origin };
}

/**
 * What is kept of a page URL: its origin and path (`https://shop.example/mortgage/calc`), never
 * its query or fragment (they carry search terms, e-mails, tokens). Null for anything that is not
 * an absolute http(s) URL.
 */
export function pageKey(raw: string): string | null {
  const url = parseUrl(raw);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return null;
  return url.origin + url.pathname;
}

/**
 * A URL rule's prefix: an absolute http(s) URL, https except on localhost, without query or
 * fragment; normalized like `pageKey`.
 */
export function checkUrlPrefix(raw: string): Checked {
  const url = parseUrl(raw);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return {
      ok: false,
      message: `${JSON.stringify(raw)} is not an absolute URL such as https://shop.example/mortgage`,
    };
  }
  if (!schemeAllowed(url)) return { ok: false, message: `URL prefix ${raw} must use https (http only for localhost)` };
  if (url.search || url.hash || raw.includes("?") || raw.includes("#")) {
    return { ok: false, message: `URL prefix ${raw} must not carry a query or fragment` };
  }
  if (url.username || url.password) return { ok: false, message: `URL prefix ${raw} must not carry credentials` };
  return { ok: true, value: url.origin + url.pathname };
}

/** A company's URL rules, ready to match: longest prefix first. */
export interface UrlRuleMatcher {
  readonly prefixes: readonly string[];
  readonly serviceIds: readonly string[];
}

export function urlRuleMatcher(rules: ReadonlyArray<{ prefix: string; serviceId: string }>): UrlRuleMatcher {
  const sorted = [...rules].sort((a, b) => b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1));
  return { prefixes: sorted.map((r) => r.prefix), serviceIds: sorted.map((r) => r.serviceId) };
}

/** The service of the longest rule whose prefix starts the page key, or null. */
export function matchPage(matcher: UrlRuleMatcher, key: string): { serviceId: string; prefix: string } | null {
  for (let i = 0; i < matcher.prefixes.length; i++) {
    if (key.startsWith(matcher.prefixes[i])) return { serviceId: matcher.serviceIds[i], prefix: matcher.prefixes[i] };
  }
  return null;
}

/** The UTC day number of an epoch-ms instant. */
export function dayNumber(at: number): number {
  return Math.floor(at / DAY_MS);
}

/** Size in bytes of a string as UTF-8. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
