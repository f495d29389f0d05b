import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isDomainError } from "../../src/domain/errors";
import { assertKnownServiceCodes, check, validateAll } from "../../src/domain/validation";

const schema = z.strictObject({ age: z.int().min(18, { error: "age must be at least 18" }) });

describe("input validation rules", () => {
  it("reports an unknown field at its own path, without echoing the value", () => {
    const checked = check(schema, { age: 30, nickname: "secret-value" }, ["body"]);
    expect(checked).toEqual({
      ok: false,
      errors: [
        {
          code: "validation_failed",
          message: "Unknown field: only the documented fields are accepted",
          path: ["body", "nickname"],
        },
      ],
    });
    expect(JSON.stringify(checked)).not.toContain("secret-value");
  });

  it("validates several inputs together and lists every problem of all of them", () => {
    expect(validateAll({ a: [schema, { age: 20 }, ["body"]] })).toEqual({ a: { age: 20 } });
    try {
      validateAll({ id: [z.string().min(1), "", ["params", "id"]], body: [schema, { age: 3 }, ["body"]] });
      expect.unreachable();
    } catch (error) {
      expect(isDomainError(error, "validation_failed")).toBe(true);
      expect((error as { items: Array<{ path?: string[] }> }).items.map((item) => item.path)).toEqual([
        ["params", "id"],
        ["body", "age"],
      ]);
    }
  });

  it("names every unknown service code at its own path", () => {
    expect(() => assertKnownServiceCodes(["a"], () => true)).not.toThrow();
    try {
      assertKnownServiceCodes(["a", "b", "c"], (code) => code === "b");
      expect.unreachable();
    } catch (error) {
      expect((error as { items: Array<{ path?: string[] }> }).items.map((item) => item.path)).toEqual([
        ["body", "services", "a"],
        ["body", "services", "c"],
      ]);
    }
  });
});
