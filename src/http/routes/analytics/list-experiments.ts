import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { loadCatalogNames } from "../../../storage/analytics";
import { getDb } from "../../../storage/db";
import { type ExperimentCursor, listExperiments } from "../../../storage/experiments";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { ExperimentSchema, experimentView } from "./schemas";

const CURSOR_PATTERN = /^([0-9]{1,16})\.(exp_[0-9a-z]{1,64})$/;

function decodeCursor(cursor: string): ExperimentCursor {
  const match = CURSOR_PATTERN.exec(cursor)!;
  return { createdAt: Number(match[1]), id: match[2] };
}

export class ListExperimentsRoute extends ApiRoute {
  override schema = {
    operationId: "listExperiments",
    tags: ["Admin: experiments"],
    summary: "List experiments, newest first",
    request: {
      query: z.strictObject({
        status: z.enum(["scheduled", "running", "ended"]).optional().describe("Only experiments in this state now"),
        limit: z.int().min(1).max(200).default(50),
        cursor: z
          .string()
          .regex(CURSOR_PATTERN, { error: "Not a cursor returned by this endpoint" })
          .optional()
          .describe("`next_cursor` of the previous page"),
      }),
    },
    responses: {
      "200": {
        description: "One page; `next_cursor` is null on the last page",
        ...contentJson(
          z.object({ experiments: z.array(ExperimentSchema), next_cursor: z.string().nullable() }).meta({
            id: "ExperimentPage",
          }),
        ),
      },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const db = getDb(c.env.DB);
    const now = Date.now();
    const [page, catalog] = await Promise.all([
      listExperiments(db, {
        limit: query.limit,
        after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        status: query.status,
        now,
      }),
      loadCatalogNames(db),
    ]);
    const last = page.rows.at(-1);
    return {
      experiments: page.rows.map((row) => experimentView(row, catalog.services, now)),
      next_cursor: page.hasMore && last ? `${last.createdAt}.${last.id}` : null,
    };
  }
}
