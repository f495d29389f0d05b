import { contentJson, OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { MAX_EVENT_BYTES, MAX_EVENTS_BATCH_BYTES } from "../../../domain/site-events";
import type { AppEnv } from "../../../env";
import { eventsBatchSchema, ingestSiteEventsBody } from "../../../usecases/site-events/ingest";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";

export const IngestEventsResultSchema = z
  .object({
    accepted: z.int().describe("New events with analytics consent (not seen within 24 hours)"),
    duplicates: z
      .int()
      .describe("Events whose `message_id` was received within the last 24 hours (or twice in this batch)"),
    dropped: z.int().describe("Events without `context.consent.analytics: true`: nothing of them is kept"),
  })
  .meta({ id: "IngestEventsResult" });

/** `POST /v1/events` */
export class IngestEventsRoute extends OpenAPIRoute {
  override schema = {
    operationId: "ingestEvents",
    tags: ["Website events"],
    summary: "Send a batch of website events (site key)",
    description:
      "Called by the website snippet (`/v1/sdk.js`) from a visitor's browser, after the visitor opted in. Needs a " +
      "`site` key, as `Authorization: Bearer` or as `?key=` (a beacon cannot set headers), and an `Origin` among " +
      "the key's `allowed_origins` (otherwise 403 `origin_not_allowed`); the answer carries " +
      "`Access-Control-Allow-Origin` for that origin. The body is JSON, sent as `application/json` or `text/plain` " +
      `(what \`navigator.sendBeacon\` sends without a preflight). At most ${MAX_EVENTS_BATCH_BYTES} bytes per batch ` +
      `and ${MAX_EVENT_BYTES} per event (413 \`payload_too_large\`, the event's path named). Nothing of an event is ` +
      "kept but the service it shows interest in: the page URL's origin and path matched against the company's URL " +
      "rules (the query and fragment are never read), or a catalog code in a `track` event's `properties.service`. " +
      "Daily counts per visitor and service feed the recommender's interest part once the visitor is linked to a " +
      "CRM client (`POST /v1/clients/{external_id}/identities`).",
    request: {
      query: z.object({ key: z.string().optional().describe("The site key, when it cannot be sent as a header") }),
      body: contentJson(eventsBatchSchema),
    },
    responses: {
      "200": { description: "What was recorded", ...contentJson(IngestEventsResultSchema) },
      ...errorResponses(400, 403, 413, 415, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "site");
    const result = await ingestSiteEventsBody(c.env, principal, c.req.header("origin") ?? null, await c.req.text());
    return c.json(result, 200);
  }
}
