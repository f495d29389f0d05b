import { describe, expect, it } from "vitest";
import committed from "../../../schemas/openapi.json";
import { api } from "../../harness";

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
}

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
});
