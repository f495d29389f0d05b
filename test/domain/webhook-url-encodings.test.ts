/**
 * Property tests of the webhook URL policy against generated encodings: every IPv6 form that
 * embeds a refused IPv4 address (mapped, compatible, translated, NAT64, local-use NAT64, 6to4,
 * Teredo server and client), in every spelling the URL parser accepts (letter case, leading zeros,
 * compressed or full, dotted tail), and every port but 443 unless allow-listed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllowedPorts, validateWebhookUrl, webhookUrlOptions } from "../../src/domain/webhook-url";

const production = { environment: "production", allowLocalhost: false } as const;

/** Refused IPv4 networks as [first octets, prefix length]. */
const REFUSED_V4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8],
  [0x0a000000, 8],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xac100000, 12],
  [0xc0000000, 24],
  [0xc0000200, 24],
  [0xc0586300, 24],
  [0xc0a80000, 16],
  [0xc6120000, 15],
  [0xc6336400, 24],
  [0xcb007100, 24],
  [0xe0000000, 4],
  [0xf0000000, 4],
];

const refusedV4 = fc
  .tuple(fc.constantFrom(...REFUSED_V4), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([[network, prefix], noise]) => {
    const hostMask = prefix === 32 ? 0 : (0xffffffff >>> prefix) >>> 0;
    return ((network & ~hostMask) | (noise & hostMask)) >>> 0;
  });

/** Public unicast IPv4 addresses (a few well-known ones plus random 8.x / 1.x / 91.x hosts). */
const publicV4 = fc.oneof(
  fc.constantFrom(0x08080808, 0x01010101, 0x5bc00001),
  fc.integer({ min: 0, max: 0xffffff }).map((low) => (0x08000000 | low) >>> 0),
);

const hi = (v4: number) => v4 >>> 16;
const lo = (v4: number) => v4 & 0xffff;
const dotted = (v4: number) => [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join(".");

/** One 16-bit group in a random spelling: case and leading zeros vary. */
const groupSpelling = (value: number) =>
  fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 })).map(([upper, pad]) => {
    const hex = value.toString(16).padStart(Math.min(4, value.toString(16).length + pad), "0");
    return upper ? hex.toUpperCase() : hex;
  });

/** Eight groups written out in full, or with the longest zero run compressed, each group spelled randomly. */
function spell(groups: readonly number[], dottedTail?: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.tuple(...groups.map(groupSpelling)), fc.boolean(), fc.boolean())
    .map(([spelled, compress, useDotted]) => {
      const parts = [...spelled];
      let tail = "";
      if (dottedTail !== undefined && useDotted) {
        parts.splice(6, 2);
        tail = dotted(dottedTail);
      }
      let text = parts.join(":");
      if (compress) {
        // Compress the first run of two or more zero groups.
        const zeros = parts.map((p) => /^0+$/.test(p));
        let start = -1;
        let length = 0;
        for (let i = 0; i < parts.length; i++) {
          let j = i;
          while (j < parts.length && zeros[j]) j++;
          if (j - i > length) {
            start = i;
            length = j - i;
          }
        }
        if (length >= 2) text = `${parts.slice(0, start).join(":")}::${parts.slice(start + length).join(":")}`;
      }
      if (tail === "") return text;
      return text.endsWith("::") ? `${text}${tail}` : `${text}:${tail}`;
    });
}

type Embedding = (v4: number) => fc.Arbitrary<string>;

const EMBEDDINGS: Record<string, Embedding> = {
  mapped: (v4) => spell([0, 0, 0, 0, 0, 0xffff, hi(v4), lo(v4)], v4),
  compatible: (v4) => spell([0, 0, 0, 0, 0, 0, hi(v4), lo(v4)], v4),
  translated: (v4) => spell([0, 0, 0, 0, 0xffff, 0, hi(v4), lo(v4)], v4),
  nat64: (v4) => spell([0x64, 0xff9b, 0, 0, 0, 0, hi(v4), lo(v4)], v4),
  nat64LocalUse: (v4) =>
    fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
      .chain(([a, b]) => spell([0x64, 0xff9b, 1, a, b, 0, hi(v4), lo(v4)], v4)),
  sixToFour: (v4) =>
    fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
      .chain(([subnet, iface]) => spell([0x2002, hi(v4), lo(v4), subnet, 0, 0, 0, iface])),
  teredoServer: (v4) =>
    fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
      .chain(([port, client]) => spell([0x2001, 0, hi(v4), lo(v4), 0, port, client, client])),
  teredoClient: (v4) =>
    fc
      .integer({ min: 0, max: 0xffff })
      .chain((port) => spell([0x2001, 0, 0x4136, 0xe378, 0x8000, port, hi(~v4 >>> 0), lo(~v4 >>> 0)])),
};

const webhook = (host: string, port = "") => `https://[${host}]${port}/hooks/leads`;

describe("webhook URL policy against generated encodings", () => {
  for (const [form, embed] of Object.entries(EMBEDDINGS)) {
    it(`refuses every ${form} IPv6 form embedding a refused IPv4 address`, () => {
      fc.assert(
        fc.property(
          refusedV4.chain((v4) => embed(v4)),
          (host) => {
            const check = validateWebhookUrl(webhook(host), production);
            expect(check.ok, host).toBe(false);
          },
        ),
        { numRuns: 400 },
      );
    });
  }

  it("still accepts IPv6 forms that embed a public IPv4 address (the refusals are not blanket)", () => {
    fc.assert(
      fc.property(
        publicV4.chain((v4) => fc.oneof(EMBEDDINGS.mapped(v4), EMBEDDINGS.nat64(v4), EMBEDDINGS.sixToFour(v4))),
        (host) => {
          expect(validateWebhookUrl(webhook(host), production).ok, host).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses the issue's examples", () => {
    for (const url of [
      "https://[64:ff9b:1::a9fe:a9fe]/",
      "https://[::ffff:0:7f00:1]/",
      "https://[::ffff:0:127.0.0.1]/",
      "https://[64:ff9b::169.254.169.254]/",
      "https://[2002:a9fe:a9fe::1]/",
      "https://[2001:0:7f00:1::1]/",
      "https://example.com:6379/",
    ]) {
      expect(validateWebhookUrl(url, production).ok, url).toBe(false);
    }
  });

  it("refuses every port but 443 unless allow-listed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), (port) => {
        const url = `https://partner.example:${port}/hooks`;
        expect(validateWebhookUrl(url, production).ok).toBe(port === 443);
        expect(validateWebhookUrl(url, { ...production, allowedPorts: [port] }).ok).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(validateWebhookUrl("https://partner.example/hooks", production).ok).toBe(true);
    expect(validateWebhookUrl("https://partner.example:443/hooks", production).ok).toBe(true);
  });

  it("reads the port allow-list from WEBHOOK_ALLOWED_PORTS", () => {
    expect(parseAllowedPorts(" 8443, 9443,bad,0,70000,8443")).toEqual([8443, 9443]);
    expect(webhookUrlOptions({ WEBHOOK_ALLOWED_PORTS: "8443" }).allowedPorts).toEqual([8443]);
    expect(webhookUrlOptions({}).allowedPorts).toEqual([]);
  });
});
