import { describe, expect, it } from "vitest";
import {
  checkAllowedOrigin,
  checkUrlPrefix,
  matchPage,
  pageKey,
  urlRuleMatcher,
  utf8Bytes,
} from "../../src/domain/site-events";

describe("site event rules", () => {
  it("normalizes allowed origins as browsers send them and refuses anything else", () => {
    expect(checkAllowedOrigin("https://Shop.Example")).toEqual({ ok: true, value: "https://shop.example" });
    expect(checkAllowedOrigin("https://shop.example:443/")).toEqual({ ok: true, value: "https://shop.example" });
    expect(checkAllowedOrigin("https://shop.example:8443")).toEqual({ ok: true, value: "https://shop.example:8443" });
    expect(checkAllowedOrigin("http://localhost:3000")).toEqual({ ok: true, value: "http://localhost:3000" });
    expect(checkAllowedOrigin("http://127.0.0.1")).toEqual({ ok: true, value: "http://127.0.0.1" });
    for (const bad of [
      "http://shop.example",
      "https://shop.example/app",
      "https://shop.example/?a=1",
      "https://shop.example/#x",
      "https://u:p@shop.example",
      "ftp://shop.example",
      "shop.example",
      "*",
      "",
    ]) {
      expect(checkAllowedOrigin(bad).ok, bad).toBe(false);
    }
  });

  it("keeps only the origin and path of a page, never its query or fragment", () => {
    expect(pageKey("https://Shop.Example/Mortgage/calc?email=a@b.ru#top")).toBe("https://shop.example/Mortgage/calc");
    expect(pageKey("javascript:alert(1)")).toBeNull();
    expect(pageKey("not a url")).toBeNull();
  });

  it("checks URL rule prefixes and matches the longest", () => {
    expect(checkUrlPrefix("https://shop.example/mortgage")).toEqual({
      ok: true,
      value: "https://shop.example/mortgage",
    });
    for (const bad of ["https://shop.example/m?x=1", "https://shop.example/m#a", "/m", "http://shop.example/m"]) {
      expect(checkUrlPrefix(bad).ok, bad).toBe(false);
    }
    const matcher = urlRuleMatcher([
      { prefix: "https://shop.example/", serviceId: "any" },
      { prefix: "https://shop.example/mortgage", serviceId: "mortgage" },
      { prefix: "https://shop.example/mortgage/insurance", serviceId: "insurance" },
    ]);
    expect(matchPage(matcher, "https://shop.example/mortgage/insurance/quote")?.serviceId).toBe("insurance");
    expect(matchPage(matcher, "https://shop.example/mortgage/calc")?.serviceId).toBe("mortgage");
    expect(matchPage(matcher, "https://shop.example/cards")?.serviceId).toBe("any");
    expect(matchPage(matcher, "https://other.example/mortgage")).toBeNull();
  });

  it("measures UTF-8 bytes", () => {
    expect(utf8Bytes("abc")).toBe(3);
    expect(utf8Bytes("ипотека")).toBe(14);
    expect(utf8Bytes("😀")).toBe(4);
  });
});
