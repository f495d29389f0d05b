/**
 * Every example in the committed contract (`schemas/openapi.json`: component properties, request
 * bodies, parameters) is valid against its own schema AND against the demo a new user starts with:
 * service codes of the demo catalogue, needs tags of the seeded taxonomy, canonical regions, demo
 * client ids, reasons that name demo services. A copied example that the demo would refuse is a
 * broken first call; fix it where it is declared (the `.meta({ example })` of the schema).
 */
import { describe, expect, it } from "vitest";
import spec from "../../../schemas/openapi.json";
import { buildDemoCatalog, clientExternalId, DEMO_DEFAULT_CLIENTS } from "../../../scripts/datagen/demo";
import { NEED_CODE_PATTERN, SEED_NEED_TAGS } from "../../../src/domain/vocabularies/needs";
import { canonicalRegion, REGION_ALIASES } from "../../../src/domain/vocabularies/regions";

type Schema = Record<string, unknown>;

interface FoundExample {
  /** JSON pointer of the schema that carries the example. */
  where: string;
  /** Component the property belongs to (e.g. "Recommendation"), or the parameter's operation. */
  owner: string;
  /** Property or parameter name ("" for a whole component). */
  name: string;
  schema: Schema;
  example: unknown;
}

const catalog = buildDemoCatalog();
const demoServiceCodes = new Set(catalog.services.map((service) => service.code));
const demoServiceNames = new Set(catalog.services.map((service) => service.name));
const seededTags = new Set(SEED_NEED_TAGS.map((tag) => tag.code));
const seededGroups = new Set(SEED_NEED_TAGS.map((tag) => tag.group));
const demoClientIds = new Set(Array.from({ length: DEMO_DEFAULT_CLIENTS }, (_, i) => clientExternalId(i)));

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/components/schemas/", "");
  return (spec.components.schemas as Record<string, Schema>)[name];
}

/** Every example of the spec, with where it sits. */
function collectExamples(): FoundExample[] {
  const found: FoundExample[] = [];
  const visit = (node: unknown, where: string, owner: string, name: string) => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) visit(child, `${where}/${i}`, owner, name);
      return;
    }
    if (!node || typeof node !== "object") return;
    const schema = node as Schema;
    if ("example" in schema) found.push({ where, owner, name, schema, example: schema.example });
    if (Array.isArray(schema.examples)) {
      for (const example of schema.examples) found.push({ where, owner, name, schema, example });
    }
    for (const [key, child] of Object.entries(schema)) {
      if (key === "example" || key === "examples") continue;
      if (key === "properties" && child && typeof child === "object") {
        for (const [property, sub] of Object.entries(child)) {
          visit(sub, `${where}/properties/${property}`, owner, property);
        }
      } else {
        visit(child, `${where}/${key}`, owner, name);
      }
    }
  };
  for (const [id, schema] of Object.entries(spec.components.schemas)) {
    visit(schema, `#/components/schemas/${id}`, id, "");
  }
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, Schema>)) {
      const owner = `${method.toUpperCase()} ${path}`;
      for (const [i, parameter] of ((operation.parameters as Schema[] | undefined) ?? []).entries()) {
        visit(parameter, `#/paths/${path}/${method}/parameters/${i}`, owner, String(parameter.name));
      }
      visit(operation.requestBody, `#/paths/${path}/${method}/requestBody`, owner, "");
    }
  }
  return found;
}

/** Problems of a value against the JSON-schema keywords the contract uses; empty when valid. */
function schemaProblems(value: unknown, raw: Schema, at: string): string[] {
  const schema = resolve(raw);
  const problems: string[] = [];
  if (Array.isArray(schema.anyOf)) {
    const fits = (schema.anyOf as Schema[]).some((option) => schemaProblems(value, option, at).length === 0);
    return fits ? [] : [`${at}: matches none of anyOf`];
  }
  const type = schema.type;
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  const typeOf = (v: unknown) =>
    v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
  const actual = typeOf(value);
  if (types.length && !types.includes(actual) && !(actual === "integer" && types.includes("number"))) {
    problems.push(`${at}: ${JSON.stringify(value)} is ${actual}, not ${types.join("|")}`);
    return problems;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: not one of the enum`);
  if ("const" in schema && schema.const !== value) problems.push(`${at}: not the const`);
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
      problems.push(`${at}: "${value}" does not match ${schema.pattern}`);
    }
    if (typeof schema.minLength === "number" && value.length < schema.minLength) problems.push(`${at}: too short`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) problems.push(`${at}: too long`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${at}: below the minimum`);
    if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${at}: above the maximum`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) problems.push(`${at}: too many items`);
    if (schema.items && typeof schema.items === "object") {
      for (const [i, item] of value.entries())
        problems.push(...schemaProblems(item, schema.items as Schema, `${at}/${i}`));
    }
  } else if (value && typeof value === "object") {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, item] of Object.entries(value)) {
      const sub = properties[key] ?? schema.additionalProperties;
      if (sub && typeof sub === "object") problems.push(...schemaProblems(item, sub as Schema, `${at}/${key}`));
      else if (sub === false) problems.push(`${at}: unexpected property ${key}`);
      if (schema.propertyNames && typeof schema.propertyNames === "object") {
        problems.push(...schemaProblems(key, schema.propertyNames as Schema, `${at}/${key} (name)`));
      }
    }
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in value)) problems.push(`${at}: required ${key} missing`);
    }
  }
  return problems;
}

/**
 * What the demo says about an example, by the field it fills; null when the field has no meaning
 * in the demo's terms (ages, incomes, ratings, labels: the schema check covers them).
 */
function demoProblems(found: FoundExample): { check: string; problems: string[] } | null {
  const { owner, name, example } = found;
  const list = (values: unknown) => (Array.isArray(values) ? values : []);
  switch (name) {
    case "services":
      return {
        check: "demo service codes",
        problems: Object.keys(example as object)
          .filter((code) => !demoServiceCodes.has(code))
          .map((code) => `service "${code}" is not in the demo catalogue`),
      };
    case "needs":
      return {
        check: "seeded needs tags",
        // A need is a code or, in the intake's richer form, { code, confidence?, expires_at? }.
        problems: list(example)
          .map((need) => (typeof need === "object" && need !== null ? (need as { code?: unknown }).code : need))
          .filter((tag) => !seededTags.has(tag as string))
          .map((tag) => `needs tag "${tag}" is not in the seeded taxonomy`),
      };
    case "region":
      return {
        check: "canonical regions",
        problems: canonicalRegion(String(example)) === null ? [`region "${example}" is not in the vocabulary`] : [],
      };
    case "region_aliases":
      return {
        check: "region aliases",
        problems: Object.entries(example as Record<string, string>)
          .filter(([alias, code]) => REGION_ALIASES[alias] !== code || canonicalRegion(code) !== code)
          .map(([alias]) => `alias "${alias}" does not map as the vocabulary does`),
      };
    case "external_id":
      return {
        check: "demo client ids",
        problems: demoClientIds.has(String(example)) ? [] : [`"${example}" is not a demo client's CRM id`],
      };
    case "code":
      if (owner === "Recommendation") {
        return {
          check: "recommended service code",
          problems: demoServiceCodes.has(String(example)) ? [] : [`"${example}" is not a demo service`],
        };
      }
      if (owner === "NeedTag" || owner === "RegionVocabularyEntry") {
        const known =
          owner === "NeedTag" ? seededTags.has(String(example)) : canonicalRegion(String(example)) === example;
        return { check: "vocabulary entry code", problems: known ? [] : [`"${example}" is not in the vocabulary`] };
      }
      if (owner === "CreateNeedTagRequest") {
        // A new tag: valid slug, not one the demo already has (that would answer 409).
        const fresh = NEED_CODE_PATTERN.test(String(example)) && !seededTags.has(String(example));
        return { check: "new needs tag", problems: fresh ? [] : [`"${example}" is not a new tag code`] };
      }
      return null;
    case "group":
      return {
        check: "needs groups",
        problems: seededGroups.has(String(example)) ? [] : [`group "${example}" is not a group of the taxonomy`],
      };
    case "text": {
      const match = /^Clients who use (.+) often also take (.+)$/.exec(String(example));
      const named = match !== null && demoServiceNames.has(match[1]) && demoServiceNames.has(match[2]);
      return { check: "reason text", problems: named ? [] : [`"${example}" does not name two demo services`] };
    }
    default:
      return null;
  }
}

describe("examples of schemas/openapi.json", () => {
  const examples = collectExamples();

  it("finds the examples of request bodies, responses and parameters", () => {
    expect(examples.length).toBeGreaterThanOrEqual(20);
    expect(examples.some((e) => e.where.includes("/parameters/"))).toBe(true);
  });

  it("every example is valid against its own schema", () => {
    const problems = examples.flatMap((e) => schemaProblems(e.example, e.schema, e.where));
    expect(problems).toEqual([]);
  });

  it("every example is valid against the demo: its service codes, needs tags, regions and clients", () => {
    const checks = new Set<string>();
    const problems: string[] = [];
    for (const found of examples) {
      const result = demoProblems(found);
      if (!result) continue;
      checks.add(result.check);
      problems.push(...result.problems.map((problem) => `${found.where}: ${problem}`));
    }
    expect(problems).toEqual([]);
    // The fields that must name demo data are all present in the spec, so this test cannot pass vacuously.
    for (const check of [
      "demo service codes",
      "seeded needs tags",
      "canonical regions",
      "demo client ids",
      "recommended service code",
      "reason text",
      "new needs tag",
      "needs groups",
    ]) {
      expect(checks, check).toContain(check);
    }
  });
});
