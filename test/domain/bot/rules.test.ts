import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CALLBACK_DATA_MAX_BYTES, decodeAction, encodeAction } from "../../../src/domain/bot/callbacks";
import { consentNotice } from "../../../src/domain/bot/consent-notice";
import { offersAllowedNow } from "../../../src/domain/bot/frequency";
import { AGE_BAND_LABELS, MESSAGES, offerMessage } from "../../../src/domain/bot/messages";
import { offerTextProblems } from "../../../src/domain/bot/offer-text";
import { SURVEY_NEEDS, toggleNeed } from "../../../src/domain/bot/survey";
import { DAY_MS } from "../../../src/domain/time";

describe("bot rules", () => {
  it("caps offers per rolling day and week", () => {
    const now = 100 * DAY_MS;
    expect(offersAllowedNow([], now)).toBe(2);
    expect(offersAllowedNow([now - 1000], now)).toBe(1);
    expect(offersAllowedNow([now - 1000, now - 2000], now)).toBe(0);
    expect(offersAllowedNow([now - DAY_MS - 1, now - DAY_MS - 2], now)).toBe(2);
    const week = [1, 2, 3, 4, 5].map((d) => now - d * DAY_MS - 1);
    expect(offersAllowedNow(week, now)).toBe(0);
  });

  it("round-trips every button's callback data within Telegram's 64 bytes", () => {
    const offerId = fc.stringMatching(/^[0-9a-z]{20}$/).map((s) => `bo_${s}`);
    const payload = fc.stringMatching(/^[A-Za-z0-9_-]{1,56}$/);
    const action = fc.oneof(
      payload.map((p) => ({ kind: "agree" as const, payload: p })),
      fc.constant({ kind: "refuse" as const }),
      fc.constantFrom(...AGE_BAND_LABELS.map(([band]) => ({ kind: "age" as const, band }))),
      fc.constantFrom(...SURVEY_NEEDS.map(([tag]) => ({ kind: "need" as const, tag }))),
      fc.constant({ kind: "needs_done" as const }),
      offerId.map((id) => ({ kind: "interested" as const, offerId: id })),
      offerId.map((id) => ({ kind: "not_for_me" as const, offerId: id })),
      fc.constant({ kind: "withdraw" as const }),
      fc
        .tuple(offerId, fc.integer({ min: 1, max: 5 }))
        .map(([id, stars]) => ({ kind: "rate" as const, offerId: id, stars })),
    );
    fc.assert(
      fc.property(action, (a) => {
        const data = encodeAction(a);
        expect(new TextEncoder().encode(data).length).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
        expect(decodeAction(data)).toEqual(a);
      }),
    );
    for (const bad of ["", "g:17-20", "n:caviar", "i:ld_x", "zz", "q:bo_0123456789abcdefghjk:6"])
      expect(decodeAction(bad)).toBeNull();
  });

  it("allows at most five interests", () => {
    let chosen: string[] = [];
    for (const [tag] of SURVEY_NEEDS.slice(0, 5)) chosen = toggleNeed(chosen, tag)!;
    expect(toggleNeed(chosen, SURVEY_NEEDS[5][0])).toBeNull();
    expect(toggleNeed(chosen, chosen[0])).toHaveLength(4);
  });

  it("has no text that speaks of a person's finances or interpolates anything but names", () => {
    const everyText = [
      ...Object.values(MESSAGES).flatMap((m) =>
        typeof m === "function"
          ? [(m as (a: string, b: string) => string)("Компания", "Партнёр")]
          : typeof m === "string"
            ? [m]
            : Object.values(m),
      ),
      consentNotice({ partners: ["Банк", "Страховщик"], entryCompany: "Банк" }),
      offerMessage("Страховка квартиры онлайн.", "Страхование", "Страховщик"),
    ];
    for (const text of everyText) {
      expect(offerTextProblems(text.replaceAll(/[<>{}]/g, "")).filter((p) => p.includes("finances"))).toEqual([]);
    }
    expect(offerTextProblems("Ваш баланс позволяет")).toHaveLength(1);
    expect(offerTextProblems("Your income qualifies")).toHaveLength(1);
    expect(offerTextProblems("")).toContain("text must not be empty");
  });
});
