import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ENTRY_MAC_LENGTH,
  formatCompanyEntry,
  formatLinkEntry,
  parseStartPayload,
  START_PAYLOAD_MAX_LENGTH,
} from "../../../src/domain/bot/entry-payload";

const crockford = fc.constantFrom(..."0123456789abcdefghjkmnpqrstvwxyz".split(""));
const companyId = fc.array(crockford, { minLength: 20, maxLength: 20 }).map((c) => `co_${c.join("")}`);
const base64url = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""));
const mac = fc.array(base64url, { minLength: ENTRY_MAC_LENGTH, maxLength: ENTRY_MAC_LENGTH }).map((c) => c.join(""));
const campaign = fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,16}$/), { nil: null });

describe("start payloads", () => {
  it("round-trip every company, campaign and mac (a mac may hold _ and -), within Telegram's 64 characters", () => {
    fc.assert(
      fc.property(companyId, campaign, mac, (id, camp, m) => {
        const payload = formatCompanyEntry(id, camp, m);
        expect(payload.length).toBeLessThanOrEqual(START_PAYLOAD_MAX_LENGTH);
        expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(parseStartPayload(payload)).toEqual({ kind: "company", companyId: id, campaign: camp, mac: m });
      }),
    );
  });

  it("reads link tokens and refuses anything else", () => {
    expect(parseStartPayload(formatLinkEntry("0123456789abcdefghjkmnpq"))).toEqual({
      kind: "link",
      token: "0123456789abcdefghjkmnpq",
    });
    for (const bad of [
      "",
      "c_",
      "c_short_ABCDEFGHIJKLMNOP",
      "x_0123456789abcdefghjk_ABCDEFGHIJKLMNOP",
      "l_short",
      "c_0123456789abcdefghjk_ABC DEFGHIJKLMNO",
      "a".repeat(65),
    ]) {
      expect(parseStartPayload(bad)).toBeNull();
    }
  });
});
