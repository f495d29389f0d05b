import { describe, expect, it } from "vitest";
import {
  MAX_WEBHOOK_URL_LENGTH,
  parseIpv4,
  parseIpv6,
  validateWebhookUrl,
  webhookUrlOptions,
} from "../../src/domain/webhook-url";

const production = { environment: "production", allowLocalhost: false } as const;
const devLocal = { environment: "development", allowLocalhost: true } as const;
const dev = { environment: "development", allowLocalhost: false } as const;
const testLocal = { environment: "test", allowLocalhost: true } as const;
const testStrict = { environment: "test", allowLocalhost: false } as const;

function reason(url: string, options = production as Parameters<typeof validateWebhookUrl>[1]) {
  const check = validateWebhookUrl(url, options);
  return check.ok ? null : check.reason;
}

describe("validateWebhookUrl", () => {
  it("accepts public https endpoints and returns the normalized URL", () => {
    expect(validateWebhookUrl("https://crm.partner.example/hooks/leads?x=1", production)).toEqual({
      ok: true,
      url: "https://crm.partner.example/hooks/leads?x=1",
    });
    expect(validateWebhookUrl("  HTTPS://Partner.Example:8443/h  ", { ...production, allowedPorts: [8443] })).toEqual({
      ok: true,
      url: "https://partner.example:8443/h",
    });
    expect(validateWebhookUrl("https://8.8.8.8/h", production).ok).toBe(true);
    expect(validateWebhookUrl("https://[2606:4700:4700::1111]/h", production).ok).toBe(true);
    expect(validateWebhookUrl("https://[::ffff:8.8.8.8]/h", production).ok).toBe(true);
  });

  it("refuses what is not an absolute http(s) URL", () => {
    expect(reason("")).toMatch(/empty/);
    expect(reason("not a url")).toMatch(/not a valid absolute URL/);
    expect(reason("/relative/path")).toMatch(/not a valid absolute URL/);
    expect(reason("ftp://partner.example/")).toMatch(/must use https \(got ftp\)/);
    expect(reason("javascript:alert(1)")).toMatch(/must use https/);
    expect(reason(`https://partner.example/${"a".repeat(MAX_WEBHOOK_URL_LENGTH)}`)).toMatch(/longer than/);
  });

  it("requires https in production", () => {
    expect(reason("http://partner.example/h")).toBe("The webhook URL must use https");
  });

  it("refuses credentials in the URL", () => {
    expect(reason("https://user:secret@partner.example/h")).toMatch(/credentials/);
    expect(reason("https://user@partner.example/h")).toMatch(/credentials/);
  });

  it.each([
    ["https://10.0.0.5/", /private \(10\.0\.0\.0\/8\)/],
    ["https://172.16.0.1/", /private \(172\.16\.0\.0\/12\)/],
    ["https://172.31.255.255/", /private \(172\.16\.0\.0\/12\)/],
    ["https://192.168.1.1/", /private \(192\.168\.0\.0\/16\)/],
    ["https://127.0.0.1/", /loopback/],
    ["https://127.255.0.9/", /loopback/],
    ["https://169.254.169.254/latest/meta-data/", /link-local \/ cloud metadata/],
    ["https://169.254.1.1/", /link-local/],
    ["https://0.0.0.0/", /unspecified/],
    ["https://100.64.0.1/", /carrier-grade NAT/],
    ["https://100.127.255.254/", /carrier-grade NAT/],
    ["https://224.0.0.1/", /multicast/],
    ["https://255.255.255.255/", /reserved/],
    ["https://192.0.2.10/", /documentation/],
  ])("refuses the non-public IPv4 address %s", (url, expected) => {
    expect(reason(url)).toMatch(expected);
  });

  it("keeps the neighbours of blocked ranges", () => {
    expect(reason("https://172.32.0.1/")).toBeNull();
    expect(reason("https://100.128.0.1/")).toBeNull();
    expect(reason("https://11.0.0.1/")).toBeNull();
    expect(reason("https://169.253.255.255/")).toBeNull();
  });

  it.each([
    ["https://2130706433/", "decimal"],
    ["https://0x7f000001/", "hex"],
    ["https://0x7f.0x0.0x0.0x1/", "dotted hex"],
    ["https://0177.0.0.1/", "octal"],
    ["https://017700000001/", "octal whole"],
    ["https://127.1/", "short form"],
    ["https://127.0.0.1./", "trailing dot"],
  ])("refuses loopback written as %s (%s)", (url) => {
    expect(reason(url)).toMatch(/loopback/);
  });

  it("refuses the metadata address in alternate IPv4 forms", () => {
    expect(reason("https://2852039166/")).toMatch(/cloud metadata/);
    expect(reason("https://0xa9.0xfe.0xa9.0xfe/")).toMatch(/cloud metadata/);
  });

  it.each([
    ["https://[::1]/", /loopback IPv6/],
    ["https://[::]/", /unspecified IPv6/],
    ["https://[fc00::1]/", /unique-local/],
    ["https://[fd12:3456::1]/", /unique-local/],
    ["https://[fe80::1]/", /link-local \(fe80/],
    ["https://[febf::1]/", /link-local \(fe80/],
    ["https://[ff02::1]/", /multicast/],
    ["https://[::ffff:127.0.0.1]/", /loopback \(127/],
    ["https://[::ffff:169.254.169.254]/", /cloud metadata/],
    ["https://[::ffff:10.1.2.3]/", /private \(10/],
    ["https://[64:ff9b::a9fe:a9fe]/", /cloud metadata/],
    ["https://[2002:7f00:1::]/", /6to4 address embedding a loopback/],
  ])("refuses the non-public IPv6 address %s", (url, expected) => {
    expect(reason(url)).toMatch(expected);
  });

  it.each([
    "https://localhost/",
    "https://LOCALHOST./h",
    "https://api.localhost/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://metadata/",
    "https://instance-data.ec2.internal/",
    "https://printer.local/",
    "https://router.home.arpa/",
    "https://intranet/",
  ])("refuses the internal host name %s", (url) => {
    expect(reason(url)).toMatch(/internal host name|single-label/);
  });

  it("allows http://localhost only in development or test with allowLocalhost", () => {
    for (const url of ["http://localhost:8787/hooks", "http://127.0.0.1:3000/h", "http://[::1]:3000/h"]) {
      expect(validateWebhookUrl(url, devLocal).ok).toBe(true);
      expect(validateWebhookUrl(url, testLocal).ok).toBe(true);
      expect(validateWebhookUrl(url, dev).ok).toBe(false);
      expect(validateWebhookUrl(url, testStrict).ok).toBe(false);
      expect(validateWebhookUrl(url, production).ok).toBe(false);
      expect(validateWebhookUrl(url, { environment: "production", allowLocalhost: true }).ok).toBe(false);
    }
  });

  it("never opens private ranges, even when localhost is allowed", () => {
    expect(reason("http://10.0.0.1/", devLocal)).toMatch(/private/);
    expect(reason("http://127.0.0.2/", devLocal)).toMatch(/loopback/);
    expect(reason("http://169.254.169.254/", devLocal)).toMatch(/metadata/);
    expect(reason("http://user:pw@localhost/", devLocal)).toMatch(/credentials/);
  });

  it("treats test like production unless localhost is allowed", () => {
    expect(reason("http://partner.example/", testStrict)).toBe("The webhook URL must use https");
    expect(reason("http://partner.example/", testLocal)).toBeNull();
    expect(reason("http://partner.example/", dev)).toBeNull();
  });
});

describe("webhookUrlOptions", () => {
  it("honours ALLOW_LOCALHOST_WEBHOOKS outside production only", () => {
    expect(webhookUrlOptions({ ENVIRONMENT: "development", ALLOW_LOCALHOST_WEBHOOKS: "true" })).toEqual({
      ...devLocal,
      allowedPorts: [],
    });
    expect(webhookUrlOptions({ ENVIRONMENT: "test", ALLOW_LOCALHOST_WEBHOOKS: "true" })).toEqual({
      ...testLocal,
      allowedPorts: [],
    });
    expect(webhookUrlOptions({ ENVIRONMENT: "test", ALLOW_LOCALHOST_WEBHOOKS: "false" })).toEqual({
      ...testStrict,
      allowedPorts: [],
    });
    expect(webhookUrlOptions({ ENVIRONMENT: "production", ALLOW_LOCALHOST_WEBHOOKS: "true" })).toEqual({
      ...production,
      allowedPorts: [],
    });
  });

  it("treats an unknown or missing environment as production", () => {
    expect(webhookUrlOptions({ ENVIRONMENT: "staging", ALLOW_LOCALHOST_WEBHOOKS: "true" })).toEqual({
      ...production,
      allowedPorts: [],
    });
    expect(webhookUrlOptions({})).toEqual({ ...production, allowedPorts: [] });
  });
});

describe("address parsers", () => {
  it("parses IPv4 in every WHATWG form", () => {
    expect(parseIpv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIpv4("0x7f.1")).toBe(0x7f000001);
    expect(parseIpv4("0177.0.1")).toBe(0x7f000001);
    expect(parseIpv4("4294967295")).toBe(0xffffffff);
    expect(parseIpv4("4294967296")).toBeNull();
    expect(parseIpv4("1.2.3.256")).toBeNull();
    expect(parseIpv4("1.2.3.4.5")).toBeNull();
    expect(parseIpv4("09.1.1.1")).toBeNull();
    expect(parseIpv4("example.com")).toBeNull();
  });

  it("parses IPv6 with compression and an IPv4 tail", () => {
    expect(parseIpv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6("fe80::1%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6("1::2::3")).toBeNull();
    expect(parseIpv6("1:2:3")).toBeNull();
    expect(parseIpv6("12345::")).toBeNull();
  });
});
