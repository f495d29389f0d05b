/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import committed from "../../../schemas/openapi.json";
import { ERROR_CODES } from "../../../src/domain/errors";
import { api } from "../../harness";

interface Operation {
  operationId?: string;
  responses: Record<string, unknown>;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: Array<{ in: string; name: string }>;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
}

/** Every operation of the committed contract, with its method and path. */
function operations(): Array<{ name: string; operation: Operation; isPublic: boolean }> {
  const doc = committed as unknown as OpenApiDoc;
  return Object.entries(doc.paths).flatMap(([route, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${route}`,
      operation,
      isPublic: Array.isArray(operation.security) && operation.security.length === 0,
    })),
  );
}

/** Every source file of the Worker, as text (bundled by Vite at test time). */
const SOURCES = import.meta.glob("../../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;

describe("published contract", () => {
  it("the served /openapi.json equals the committed schemas/openapi.json (run `npm run schemas` after changing routes)", async () => {
    const served = await api("GET", "/openapi.json", { key: null });
    expect(served.status).toBe(200);
    expect(served.body).toEqual(committed);
  });

  it("every operation documents its error envelope responses", async () => {
    const doc = committed as unknown as OpenApiDoc;
    const missing: string[] = [];
    for (const [route, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
        if (!isPublic && !operation.responses["401"]) missing.push(`${method.toUpperCase()} ${route}: 401`);
        if (!isPublic && !operation.responses["500"]) missing.push(`${method.toUpperCase()} ${route}: 500`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("names every operation with a unique, camelCase operationId", () => {
    const ids = operations().map(({ name, operation }) => [name, operation.operationId] as const);
    expect(ids.filter(([, id]) => !id || !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(new Set(ids.map(([, id]) => id)).size).toBe(ids.length);
    expect(ids.map(([, id]) => id)).toEqual(expect.arrayContaining(["createLeads", "listPartnerLeads", "createDeal"]));
  });

  it("documents 400, 413 and 415 on every route with a body, 400 on every path parameter, 503 everywhere", () => {
    const missing: string[] = [];
    for (const { name, operation, isPublic } of operations()) {
      if (isPublic) continue;
      const need = ["503"];
      if (operation.requestBody) need.push("400", "413", "415");
      if (operation.parameters?.some((p) => p.in === "path")) need.push("400");
      for (const status of need) if (!operation.responses[status]) missing.push(`${name}: ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it("declares every error code that the code raises, and raises every declared code", () => {
    const text = Object.entries(SOURCES)
      .filter(([file]) => !file.endsWith("/domain/errors.ts") && !file.endsWith("/http/errors.ts"))
      .map(([, source]) => source)
      .join("\n");
    const unused = ERROR_CODES.filter((code) => !text.includes(`"${code}"`));
    expect(unused).toEqual([]);
    const raised = [...text.matchAll(/new DomainError\(\s*"([a-z_]+)"/g)].map((m) => m[1]);
    expect(raised.filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });
});
