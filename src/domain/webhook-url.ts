/**
 * Webhook URL policy: which endpoints CactuBase may push leads to. Checked when an admin saves a
 * company's webhook URL and again by the delivery worker before every request, so an URL that was
 * accepted under a looser policy (or edited straight in the database) is never called.
 *
 * The check is purely syntactic: it refuses every literal address that is not publicly routable
 * (private, loopback, link-local, CGNAT, unspecified, multicast, reserved, documentation ranges;
 * IPv4 in any of its decimal / hex / octal / short forms; IPv4 embedded in IPv6) and well-known
 * internal or metadata host names. It cannot see what a public host name resolves to; Workers'
 * `fetch` never reaches private networks, which covers DNS rebinding at delivery time.
 *
 * Pure TypeScript: no I/O, runs in Workers and in Node.
 */

/** Which deployment the check runs in (the Worker's `ENVIRONMENT` variable). */
export type WebhookEnvironment = "production" | "development" | "test";

export interface WebhookUrlOptions {
  environment: WebhookEnvironment;
  /**
   * Lets demos point webhooks at `http://localhost`, `http://127.0.0.1` or `http://[::1]`.
   * Ignored in production.
   */
  allowLocalhost: boolean;
  /**
   * Ports other than 443 that a webhook may use (`WEBHOOK_ALLOWED_PORTS`, e.g. "8443,9443").
   * Every other explicit port is refused: a port names a service, and 6379 or 11211 are not webhooks.
   */
  allowedPorts?: readonly number[];
}

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/** Longest accepted webhook URL, in characters. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * The policy for a Worker environment: `ALLOW_LOCALHOST_WEBHOOKS = "true"` is honoured in
 * development and test, never in production; an unknown `ENVIRONMENT` is treated as production.
 */
export function webhookUrlOptions(vars: {
  ENVIRONMENT?: string;
  ALLOW_LOCALHOST_WEBHOOKS?: string;
  WEBHOOK_ALLOWED_PORTS?: string;
}): WebhookUrlOptions {
  const environment: WebhookEnvironment =
    vars.ENVIRONMENT === "development" || vars.ENVIRONMENT === "test" ? vars.ENVIRONMENT : "production";
  return {
    environment,
    allowLocalhost: environment !== "production" && vars.ALLOW_LOCALHOST_WEBHOOKS === "true",
    allowedPorts: parseAllowedPorts(vars.WEBHOOK_ALLOWED_PORTS),
  };
}

/** The port allow-list of `WEBHOOK_ALLOWED_PORTS` ("8443, 9443"); entries that are not ports are ignored. */
export function parseAllowedPorts(list: string | undefined): number[] {
  if (!list) return [];
  const ports: number[] = [];
  for (const entry of list.split(",")) {
    const text = entry.trim();
    if (!/^\d{1,5}$/.test(text)) continue;
    const port = Number(text);
    if (port >= 1 && port <= 65535 && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

/** The only port a webhook may use without an allow-list entry. */
export const WEBHOOK_DEFAULT_PORT = 443;

/** Host names that always point inside a cloud or a private network (lowercase, no trailing dot). */
const BLOCKED_HOSTNAMES = new Set([
  "localhost",
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "metadata.azure.com",
  "instance-data",
  "instance-data.ec2.internal",
  "kubernetes.default",
  "kubernetes.default.svc",
]);

/** Suffixes that only resolve inside private networks (RFC 6761, RFC 6762, RFC 8375, de-facto). */
const BLOCKED_SUFFIXES = [".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan", ".intranet"];

/** IPv4 ranges that are not publicly routable, as [network, prefix length]. */
const BLOCKED_IPV4: ReadonlyArray<readonly [number, number, string]> = [
  [ipv4(0, 0, 0, 0), 8, "an unspecified (0.0.0.0/8) address"],
  [ipv4(10, 0, 0, 0), 8, "a private (10.0.0.0/8) address"],
  [ipv4(100, 64, 0, 0), 10, "a carrier-grade NAT (100.64.0.0/10) address"],
  [ipv4(127, 0, 0, 0), 8, "a loopback (127.0.0.0/8) address"],
  [ipv4(169, 254, 0, 0), 16, "a link-local / cloud metadata (169.254.0.0/16) address"],
  [ipv4(172, 16, 0, 0), 12, "a private (172.16.0.0/12) address"],
  [ipv4(192, 0, 0, 0), 24, "an IETF protocol (192.0.0.0/24) address"],
  [ipv4(192, 0, 2, 0), 24, "a documentation (192.0.2.0/24) address"],
  [ipv4(192, 88, 99, 0), 24, "a 6to4 relay (192.88.99.0/24) address"],
  [ipv4(192, 168, 0, 0), 16, "a private (192.168.0.0/16) address"],
  [ipv4(198, 18, 0, 0), 15, "a benchmarking (198.18.0.0/15) address"],
  [ipv4(198, 51, 100, 0), 24, "a documentation (198.51.100.0/24) address"],
  [ipv4(203, 0, 113, 0), 24, "a documentation (203.0.113.0/24) address"],
  [ipv4(224, 0, 0, 0), 4, "a multicast (224.0.0.0/4) address"],
  [ipv4(240, 0, 0, 0), 4, "a reserved (240.0.0.0/4) or broadcast address"],
];

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/**
 * Checks a webhook URL against the delivery policy. Returns the normalized URL (as the WHATWG
 * parser serializes it) or the reason it is refused.
 */
export function validateWebhookUrl(raw: string, options: WebhookUrlOptions): WebhookUrlCheck {
  if (typeof raw !== "string" || raw.trim() === "") return refuse("The webhook URL is empty");
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    return refuse(`The webhook URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return refuse("The webhook URL is not a valid absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return refuse(`The webhook URL must use https (got ${url.protocol.slice(0, -1)})`);
  }
  if (url.username !== "" || url.password !== "") {
    return refuse("The webhook URL must not contain credentials (user:password@); the payload is signed instead");
  }

  const relaxed =
    options.environment !== "production" && (options.environment === "development" || options.allowLocalhost);
  const localhostAllowed = options.environment !== "production" && options.allowLocalhost;
  const host = normalizeHost(url.hostname);
  if (host === "") return refuse("The webhook URL has no host");

  if (localhostAllowed && isLocalhost(host)) return { ok: true, url: url.href };

  if (url.protocol !== "https:" && !relaxed) return refuse("The webhook URL must use https");

  // The WHATWG parser drops a default port (443 for https, 80 for http), so "" is the default.
  const port = url.port === "" ? (url.protocol === "https:" ? WEBHOOK_DEFAULT_PORT : 80) : Number(url.port);
  const portAllowed =
    port === WEBHOOK_DEFAULT_PORT ||
    (options.allowedPorts ?? []).includes(port) ||
    (relaxed && url.protocol === "http:" && port === 80);
  if (!portAllowed) {
    return refuse(
      `The webhook URL uses port ${port}; only ${WEBHOOK_DEFAULT_PORT} is allowed (others must be listed in WEBHOOK_ALLOWED_PORTS)`,
    );
  }

  const hostProblem = checkHost(host);
  if (hostProblem) return refuse(`The webhook URL points to ${hostProblem}; only public endpoints are allowed`);
  return { ok: true, url: url.href };
}

function refuse(reason: string): WebhookUrlCheck {
  return { ok: false, reason };
}

/** Lowercase, without IPv6 brackets and without the trailing dot of a fully qualified name. */
function normalizeHost(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  while (host.endsWith(".")) host = host.slice(0, -1);
  return host;
}

function isLocalhost(host: string): boolean {
  if (host === "localhost") return true;
  const v4 = parseIpv4(host);
  if (v4 !== null) return v4 === ipv4(127, 0, 0, 1);
  const v6 = parseIpv6(host);
  return v6?.every((group, i) => group === (i === 7 ? 1 : 0)) === true;
}

/** What is wrong with a host, or null when it is a public name or address. */
function checkHost(host: string): string | null {
  const v4 = parseIpv4(host);
  if (v4 !== null) return checkIpv4(v4);
  if (host.includes(":")) {
    const v6 = parseIpv6(host);
    if (v6 === null) return "an invalid IPv6 address";
    return checkIpv6(v6);
  }
  if (BLOCKED_HOSTNAMES.has(host)) return `an internal host name (${host})`;
  for (const suffix of BLOCKED_SUFFIXES) {
    if (host.endsWith(suffix)) return `an internal host name (*${suffix})`;
  }
  if (!host.includes(".")) return `a single-label host name (${host}) that only resolves inside a private network`;
  return null;
}

function checkIpv4(address: number): string | null {
  for (const [network, prefix, label] of BLOCKED_IPV4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((address & mask) >>> 0 === network) return label;
  }
  return null;
}

function checkIpv6(groups: number[]): string | null {
  const allZero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (allZero(0, 8)) return "the unspecified IPv6 address (::)";
  if (allZero(0, 7) && groups[7] === 1) return "the loopback IPv6 address (::1)";
  const embedded = embeddedIpv4(groups);
  for (const { form, address } of embedded) {
    const problem = checkIpv4(address);
    if (problem) return `${form} embedding ${problem}`;
  }
  // RFC 8215 local-use NAT64 prefix: only a private translator answers there, whatever the layout.
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups[2] === 1) {
    return "a local-use NAT64 (64:ff9b:1::/48) IPv6 address";
  }
  if ((groups[0] & 0xfe00) === 0xfc00) return "a unique-local (fc00::/7) IPv6 address";
  if ((groups[0] & 0xffc0) === 0xfe80) return "a link-local (fe80::/10) IPv6 address";
  if ((groups[0] & 0xffc0) === 0xfec0) return "a site-local (fec0::/10) IPv6 address";
  if ((groups[0] & 0xff00) === 0xff00) return "a multicast (ff00::/8) IPv6 address";
  if (groups[0] === 0x2001 && groups[1] === 0x0db8) return "a documentation (2001:db8::/32) IPv6 address";
  if (groups[0] === 0x0100 && allZero(1, 4)) return "a discard-only (100::/64) IPv6 address";
  return null;
}

/**
 * Every IPv4 address an IPv6 address carries and can be routed to: IPv4-mapped (::ffff:0:0/96),
 * IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96), 6to4
 * (2002::/16, groups 1–2) and Teredo (2001::/32: the server in groups 2–3, the client inverted in
 * groups 6–7).
 */
export function embeddedIpv4(groups: readonly number[]): Array<{ form: string; address: number }> {
  const allZero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const v4At = (high: number) => ((groups[high] << 16) | groups[high + 1]) >>> 0;
  const out: Array<{ form: string; address: number }> = [];
  if (allZero(0, 5) && groups[5] === 0xffff) out.push({ form: "an IPv4-mapped address", address: v4At(6) });
  if (allZero(0, 6)) out.push({ form: "an IPv4-compatible address", address: v4At(6) });
  if (allZero(0, 4) && groups[4] === 0xffff && groups[5] === 0) {
    out.push({ form: "an IPv4-translated address", address: v4At(6) });
  }
  if (groups[0] === 0x64 && groups[1] === 0xff9b && allZero(2, 6)) {
    out.push({ form: "a NAT64 address", address: v4At(6) });
  }
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups[2] === 1) {
    // Local-use NAT64 (RFC 8215) with the /96 layout; other layouts are refused as a whole.
    out.push({ form: "a local-use NAT64 address", address: v4At(6) });
  }
  if (groups[0] === 0x2002) out.push({ form: "a 6to4 address", address: v4At(1) });
  if (groups[0] === 0x2001 && groups[1] === 0) {
    out.push({ form: "a Teredo address (server)", address: v4At(2) });
    out.push({ form: "a Teredo address (client)", address: ~v4At(6) >>> 0 });
  }
  return out;
}

/**
 * Parses an IPv4 literal the way browsers and most HTTP clients do (WHATWG "IPv4 parser"): one to
 * four dot-separated parts, each decimal, `0x` hex or `0`-prefixed octal, the last part filling
 * the remaining bytes. So `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1.
 * Returns the address as an unsigned 32-bit number, or null if `host` is not an IPv4 literal.
 */
export function parseIpv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length > 0 && parts[parts.length - 1] === "" && parts.length > 1) parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIpv4Part(part);
    if (value === null) return null;
    numbers.push(value);
  }
  const last = numbers.pop()!;
  for (const n of numbers) if (n > 255) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  let address = last;
  for (let i = 0; i < numbers.length; i++) address += numbers[i] * 256 ** (3 - i);
  return address >>> 0;
}

function parseIpv4Part(part: string): number | null {
  if (part === "") return null;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(digits)) {
    digits = digits.slice(2);
    radix = 16;
    if (digits === "") return 0;
    if (!/^[0-9a-f]+$/i.test(digits)) return null;
  } else if (digits.length > 1 && digits.startsWith("0")) {
    digits = digits.slice(1);
    radix = 8;
    if (!/^[0-7]+$/.test(digits)) return null;
  } else if (!/^[0-9]+$/.test(digits)) {
    return null;
  }
  const value = Number.parseInt(digits, radix);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * Parses an IPv6 literal (without brackets, optionally with a trailing dotted IPv4 part and a
 * zone id) into its eight 16-bit groups, or null if it is not one.
 */
export function parseIpv6(host: string): number[] | null {
  let text = host;
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const groups: number[] = [];
  let tail = text;
  // A trailing dotted IPv4 part counts as the last two groups.
  const lastColon = text.lastIndexOf(":");
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(maybeV4) ? parseIpv4(maybeV4) : null;
    if (v4 === null || maybeV4.split(".").some((p) => Number(p) > 255)) return null;
    tail = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = tail.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]);
  if (head === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const rest = parseGroups(halves[1]);
  if (rest === null || head.length + rest.length > 7) return null;
  groups.push(...head);
  while (groups.length + rest.length < 8) groups.push(0);
  groups.push(...rest);
  return groups;
}
