import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatReferralEntry, parseStartPayload } from "../../../src/domain/bot/entry-payload";
import {
  checkSymbol,
  linkSafeReferralCodeFromBytes,
  parseReferralCode,
  REFERRAL_CODE_LENGTH,
  referralCodeFromBytes,
  referralProblem,
  referralRewardDue,
} from "../../../src/domain/loyalty/referral-code";

const SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Every symbol a code may hold at its last place: the 32 body symbols and the 5 extra check symbols. */
const CHECK_SYMBOLS = `${SYMBOLS}*~$=U`;
const bytes = fc.uint8Array({ minLength: REFERRAL_CODE_LENGTH, maxLength: REFERRAL_CODE_LENGTH });
const code = bytes.map(referralCodeFromBytes);
/** Nine positions: eight body symbols and the check symbol. */
const position = fc.nat(REFERRAL_CODE_LENGTH);

describe("referral codes", () => {
  it("read back, in lower case and with hyphens too", () => {
    fc.assert(
      fc.property(code, (c) => {
        expect(c).toHaveLength(REFERRAL_CODE_LENGTH + 1);
        expect(parseReferralCode(c)).toBe(c);
        expect(parseReferralCode(`${c.slice(0, 4)}-${c.slice(4)}`.toLowerCase())).toBe(c);
      }),
    );
  });

  it("use Crockford's mod-37 check symbol", () => {
    // 0x1F = 31 = "Z"; 31 mod 37 = 31 → "Z". "00000001": 1 → "1". "0000000Z": 31; "000000Z0": 992 mod 37 = 30 → "Y".
    expect(checkSymbol("0000000Z")).toBe("Z");
    expect(checkSymbol("00000001")).toBe("1");
    expect(checkSymbol("000000Z0")).toBe("Y");
    // 32·1 + 5 = 37 ≡ 0 → "0"; 32 + 1 = 33 → the extra symbol "~".
    expect(checkSymbol("00000015")).toBe("0");
    expect(checkSymbol("00000011")).toBe("~");
  });

  it("refuse every single-symbol substitution, at any of the nine places", () => {
    fc.assert(
      fc.property(code, position, fc.constantFrom(...CHECK_SYMBOLS), (c, i, s) => {
        fc.pre(c[i] !== s);
        expect(parseReferralCode(c.slice(0, i) + s + c.slice(i + 1))).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it("refuse every swap of two different neighbours, the check symbol included", () => {
    fc.assert(
      fc.property(code, fc.nat(REFERRAL_CODE_LENGTH - 1), (c, i) => {
        const j = i + 1;
        fc.pre(c[i] !== c[j]);
        expect(parseReferralCode(c.slice(0, i) + c[j] + c[i] + c.slice(j + 1))).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it("hand out only codes a deep link can carry, and read them back from the link's payload", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const linkSafe = linkSafeReferralCodeFromBytes(b);
        const any = referralCodeFromBytes(b);
        if (linkSafe === null) {
          expect("*~$=").toContain(any.slice(-1));
          return;
        }
        expect(linkSafe).toBe(any);
        expect(parseStartPayload(formatReferralEntry(linkSafe))).toEqual({ kind: "referral", code: linkSafe });
        expect(parseStartPayload(`r_${linkSafe.toLowerCase()}`)).toEqual({ kind: "referral", code: linkSafe });
      }),
    );
    expect(parseStartPayload("r_0000000")).toBeNull();
    expect(parseStartPayload("r_000000011")).toEqual({ kind: "referral", code: "000000011" });
    expect(parseStartPayload("r_000000012")).toBeNull();
  });

  it("are refused for self-referral, a second referral, a person who is a customer already and past the usage limit; pay after the first accepted deal", () => {
    const base = { codeOwnerId: "a", uses: 0, maxUses: 3, personId: "b", alreadyReferred: false };
    expect(referralProblem(base)).toBeNull();
    expect(referralProblem({ ...base, personId: null })).toBeNull();
    expect(referralProblem({ ...base, personId: "a" })).toBe("self_referral");
    expect(referralProblem({ ...base, alreadyReferred: true })).toBe("already_referred");
    expect(referralProblem({ ...base, hasAcceptedDeal: true })).toBe("already_customer");
    expect(referralProblem({ ...base, uses: 3 })).toBe("usage_limit");
    expect(referralProblem({ ...base, uses: 2 })).toBeNull();
    expect(referralRewardDue(0)).toBe(false);
    expect(referralRewardDue(1)).toBe(true);
  });
});
