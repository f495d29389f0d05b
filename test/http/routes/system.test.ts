import { describe, expect, it } from "vitest";
import { api, errorCode } from "../../harness";

describe("GET /", () => {
  it("answers anyone with where the reference, the contract and the health check are", async () => {
    const res = await api("GET", "/", { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      service: "cactubase",
      docs: "/docs",
      openapi: "/openapi.json",
      health: "/health",
    });
  });
});

describe("GET /docs", () => {
  it("serves the API reference UI from the Worker's own assets, without a key and without any CDN", async () => {
    const res = await api("GET", "/docs", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = String(res.body);
    expect(html).toContain("/docs/swagger-ui-bundle.js");
    expect(html).not.toMatch(/https?:\/\//);
    const init = await api("GET", "/docs/init.js", { key: null });
    expect(init.status).toBe(200);
    expect(String(init.body)).toContain('url: "/openapi.json"');
  });
});

describe("405 method_not_allowed", () => {
  it("answers a known path asked with another method, listing the allowed ones in Allow", async () => {
    for (const [method, path, allow] of [
      ["DELETE", "/v1/leads", "POST"],
      ["GET", "/v1/deals", "POST"],
      ["POST", "/v1/clients/crm-1", "GET, HEAD, PUT"],
      ["PUT", "/v1/partner/leads/ld_x/ack", "POST"],
      ["POST", "/health", "GET, HEAD"],
    ] as const) {
      const res = await api(method, path, { body: method === "GET" ? undefined : {} });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(errorCode(res)).toBe("method_not_allowed");
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
  });

  it("keeps 404 for a path nothing serves", async () => {
    const res = await api("GET", "/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe("not_found");
    expect(res.headers.get("allow")).toBeNull();
  });
});

describe("415 unsupported_media_type", () => {
  it("refuses a body that is not JSON on a JSON route, before anything is parsed or stored", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const res = await api("POST", "/v1/leads", {
        rawBody: '{"external_id":"crm-415","age":30,"monthly_income":50000,"region":"msk"}',
        headers: { "content-type": type },
      });
      expect(res.status, type).toBe(415);
      expect(errorCode(res)).toBe("unsupported_media_type");
      expect(res.body.errors[0].path).toEqual(["header", "content-type"]);
    }
  });

  it("accepts JSON with parameters and bodiless POSTs", async () => {
    const res = await api("POST", "/v1/recommendations:preview", {
      rawBody: '{"age":30,"monthly_income":50000,"region":"msk"}',
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(res.status).not.toBe(415);
    const bodiless = await api("POST", "/v1/partner/leads/ld_missing/ack");
    expect(bodiless.status).not.toBe(415);
  });
});
