import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("system routes", () => {
  it("GET /health answers without a key", async () => {
    const res = await exports.default.fetch("http://api.test/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, service: "cactubase" });
  });

  it("an unknown route answers 404 in the error envelope", async () => {
    const res = await exports.default.fetch("http://api.test/v1/nope", {
      headers: { authorization: "Bearer test-admin-token-0123456789abcdef" },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      success: false,
      errors: [{ code: "not_found", message: "No route for GET /v1/nope" }],
    });
  });

  it("a /v1 route without a key is 401", async () => {
    const res = await exports.default.fetch("http://api.test/v1/anything");
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: Array<{ code: string }> };
    expect(body.errors[0].code).toBe("unauthorized");
  });

  it("serves the OpenAPI document and docs", async () => {
    const res = await exports.default.fetch("http://api.test/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/health"]).toBeDefined();
    const docs = await exports.default.fetch("http://api.test/docs");
    expect(docs.status).toBe(200);
  });
});
