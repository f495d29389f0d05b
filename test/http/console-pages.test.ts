/**
 * The console's pages are static assets served by the Worker at /admin and /partner (every path
 * under them is the same single page), with a policy that loads nothing from another host.
 * `npm test` builds the bundle first (pretest).
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("console pages", () => {
  it("serves the page at /admin, /admin/…, /partner without a key, with a same-origin-only policy", async () => {
    for (const path of ["/admin", "/admin/anything", "/partner", "/partner/inbox"]) {
      const res = await exports.default.fetch(`http://api.test${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const html = await res.text();
      expect(html).toContain('<script type="module" src="/console/app.js">');
      const policy = res.headers.get("content-security-policy") ?? "";
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("serves the bundle under /console/", async () => {
    const script = await exports.default.fetch("http://api.test/console/app.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    const style = await exports.default.fetch("http://api.test/console/app.css");
    expect(style.status).toBe(200);
  });

  it("still refuses the API without a key or session", async () => {
    const res = await exports.default.fetch("http://api.test/v1/admin/companies");
    expect(res.status).toBe(401);
  });
});
