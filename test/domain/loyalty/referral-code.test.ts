import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseReferralCode,
  REFERRAL_CODE_LENGTH,
  referralCodeFromBytes,
  referralProblem,
  referralRewardDue,
} from "../../../src/domain/loyalty/referral-code";

const code = fc
  .uint8Array({ minLength: REFERRAL_CODE_LENGTH, maxLength: REFERRAL_CODE_LENGTH })
  .map(referralCodeFromBytes);

describe("referral codes", () => {
  it("read back, in lower case and with hyphens too", () => {
    fc.assert(
      fc.property(code, (c) => {
        expect(parseReferralCode(c)).toBe(c);
        expect(parseReferralCode(`${c.slice(0, 4)}-${c.slice(4)}`.toLowerCase())).toBe(c);
      }),
    );
  });

  it("refuse every single-symbol typo and every swap of two different neighbours", () => {
    const symbols = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    fc.assert(
      fc.property(code, fc.nat(REFERRAL_CODE_LENGTH - 1), fc.constantFrom(...symbols), (c, i, s) => {
        fc.pre(c[i] !== s);
        expect(parseReferralCode(c.slice(0, i) + s + c.slice(i + 1))).toBeNull();
        const j = i + 1;
        if (j < REFERRAL_CODE_LENGTH && c[i] !== c[j]) {
          expect(parseReferralCode(c.slice(0, i) + c[j] + c[i] + c.slice(j + 1))).toBeNull();
        }
      }),
    );
  });

  it("are refused for self-referral, a second referral and past the usage limit; pay after the first accepted deal", () => {
    const base = { codeOwnerId: "a", uses: 0, maxUses: 3, personId: "b", alreadyReferred: false };
    expect(referralProblem(base)).toBeNull();
    expect(referralProblem({ ...base, personId: "a" })).toBe("self_referral");
    expect(referralProblem({ ...base, alreadyReferred: true })).toBe("already_referred");
    expect(referralProblem({ ...base, uses: 3 })).toBe("usage_limit");
    expect(referralRewardDue(0)).toBe(false);
    expect(referralRewardDue(1)).toBe(true);
  });
});
