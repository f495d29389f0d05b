/**
 * The published webhook contract: JSON Schemas of every payload CactuBase POSTs to partners.
 * `npm run schemas` writes them to `schemas/`; tests fail when code and committed files drift.
 */
import { z } from "zod";
import { leadDocumentSchema } from "../domain/lead-document";

/** JSON Schema documents keyed by their file name in `schemas/`. */
export function webhookPayloadSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [file, schema] of Object.entries(WEBHOOK_PAYLOADS)) {
    out[file] = {
      $id: `https://cactubase.dev/schemas/${file}`,
      ...z.toJSONSchema(schema, { target: "draft-2020-12" }),
    };
  }
  return out;
}

const WEBHOOK_PAYLOADS: Record<string, z.ZodType> = {
  "lead.v1.json": leadDocumentSchema,
};
