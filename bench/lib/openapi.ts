/**
 * Reading the Worker's own OpenAPI document, so that the HTTP benchmark measures exactly the routes
 * this build serves (a route that does not exist yet is reported, not guessed) and builds request
 * bodies that fit the documented schema.
 */

/** The subset of JSON Schema the body builder reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

interface Operation {
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** An OpenAPI 3.1 document (only what is read here). */
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** A documented operation: its path template and definition. */
export interface FoundOperation {
  path: string;
  operation: Operation;
}

/** The first operation of `method` whose path matches `pattern`, or null. */
export function findOperation(doc: OpenApiDocument, method: string, pattern: RegExp): FoundOperation | null {
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    const operation = operations[method.toLowerCase()];
    if (operation && pattern.test(path)) return { path, operation };
  }
  return null;
}

/** Follows a local `#/components/schemas/…` reference (other schemas are returned as they are). */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  let current = schema;
  for (let depth = 0; current?.$ref && depth < 10; depth++) {
    const name = current.$ref.replace(/^#\/components\/schemas\//, "");
    current = doc.components?.schemas?.[name];
  }
  return current;
}

/** The JSON request body schema of an operation, resolved. */
export function requestBodySchema(doc: OpenApiDocument, found: FoundOperation): JsonSchema | undefined {
  return resolveSchema(doc, found.operation.requestBody?.content?.["application/json"]?.schema);
}

/**
 * Fits `fields` to an object schema: the documented properties are taken from `fields`; a property
 * whose own schema is an object that documents some of the fields (e.g. a nested `client`) gets them
 * the same way. Returns the body, or the required properties that could not be filled.
 */
export function fitBody(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  fields: Record<string, unknown>,
): { body: Record<string, unknown> } | { missing: string[] } {
  const properties = schema?.properties;
  if (!properties) return { body: { ...fields } };
  const body: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (name in fields) {
      body[name] = fields[name];
      continue;
    }
    const nested = resolveSchema(doc, property);
    if (nested?.properties && Object.keys(nested.properties).some((key) => key in fields)) {
      const fitted = fitBody(doc, nested, fields);
      if ("missing" in fitted) missing.push(...fitted.missing.map((key) => `${name}.${key}`));
      else body[name] = fitted.body;
    }
  }
  for (const name of schema?.required ?? []) if (!(name in body) && !missing.includes(name)) missing.push(name);
  return missing.length > 0 ? { missing } : { body };
}
