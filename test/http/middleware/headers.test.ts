import { describe, expect, it } from "vitest";
import { api, seedCompany } from "../../harness";

function expectApiHeaders(headers: Headers, what: string) {
  expect(headers.get("cache-control"), what).toBe("no-store");
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(headers.get("x-frame-options"), what).toBe("DENY");
  expect(headers.get("referrer-policy"), what).toBe("no-referrer");
  expect(headers.get("strict-transport-security"), what).toContain("max-age=");
  expect(headers.get("cross-origin-resource-policy"), what).toBe("same-origin");
}

describe("response headers", () => {
  it("every answer, success or error, is no-store with the secure headers of an API", async () => {
    const cases: Array<[string, Awaited<ReturnType<typeof api>>]> = [
      ["health", await api("GET", "/health", { key: null })],
      ["vocabularies", await api("GET", "/v1/vocabularies")],
      ["401", await api("GET", "/v1/vocabularies", { key: null })],
      ["404", await api("GET", "/v1/no-such-route")],
      ["400", await api("POST", "/v1/admin/needs", { body: {} })],
      ["422 personal data", await api("POST", "/v1/admin/needs", { body: { code: "x", note: "ivan@mail.ru" } })],
      ["openapi", await api("GET", "/openapi.json", { key: null })],
    ];
    for (const [what, res] of cases) expectApiHeaders(res.headers, what);
  });

  it("a new API key and a rotated webhook secret are never cached", async () => {
    const company = await seedCompany();
    const key = await api("POST", `/v1/admin/companies/${company.id}/api-keys`, { body: { scope: "crm" } });
    expect(key.status).toBe(201);
    expectApiHeaders(key.headers, "new key");
    const rotated = await api("POST", `/v1/admin/companies/${company.id}/webhook-secret:rotate`);
    expect([200, 201, 409]).toContain(rotated.status);
    expectApiHeaders(rotated.headers, "rotated secret");
  });
});
