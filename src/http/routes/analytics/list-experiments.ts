import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { type ExperimentCursor, listExperiments } from "../../../usecases/analytics/experiments";
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
    const now = Date.now();
    const page = await listExperiments(
      c.env,
      {
        status: query.status,
        limit: query.limit,
        after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      },
      now,
    );
    return {
      experiments: page.experiments.map((experiment) => experimentView(experiment, page.serviceCodes, now)),
      next_cursor: page.next ? `${page.next.createdAt}.${page.next.id}` : null,
    };
  }
}
