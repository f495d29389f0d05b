import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { DEFAULT_INBOX_LIMIT, listInbox, MAX_INBOX_LIMIT } from "../../../usecases/partner-inbox/list-leads";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { inboxLeadSchema, leadStatusSchema, toInboxLead } from "./inbox";

export const inboxPageSchema = z
  .object({
    items: z.array(inboxLeadSchema),
    next_cursor: z
      .string()
      .describe("Always present: pass it as `cursor` to continue. With no new leads it stays where it was."),
    has_more: z.boolean().describe("Whether more leads matched right now (fetch again immediately)"),
  })
  .meta({ id: "InboxPage" });

export class ListInboxLeadsRoute extends ApiRoute {
  override schema = {
    operationId: "listPartnerLeads",
    tags: ["Partner inbox"],
    summary: "List the company's leads, oldest first, from a cursor",
    description:
      "Every lead routed to the caller's company, in the order CactuBase created them, whatever its delivery " +
      "status (webhook receivers can use the inbox as a fallback). Poll by passing `next_cursor` back: it is " +
      "always returned and a lead created later always sorts after it, so none is skipped. Fetching a lead " +
      "delivers it: a listed lead not yet delivered gets `delivered_at` and moves from `queued`/`failed` to " +
      "`delivered`.",
    request: {
      query: z.strictObject({
        cursor: z.string().max(200).nullish().describe("`next_cursor` of the previous page; empty to start"),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_INBOX_LIMIT)
          .nullish()
          .describe(`Page size, 1..${MAX_INBOX_LIMIT} (default ${DEFAULT_INBOX_LIMIT})`),
        status: leadStatusSchema.nullish().describe("Only leads in this status"),
      }),
    },
    responses: {
      "200": { description: "One page of the inbox", ...contentJson(inboxPageSchema) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const page = await listInbox(c.env, companyId, query);
    return { items: page.items.map(toInboxLead), next_cursor: page.nextCursor, has_more: page.hasMore };
  }
}
