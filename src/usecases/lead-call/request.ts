/** The lead call's request: the client as client intake takes it, plus `dry_run`. */
import { z } from "zod";
import { clientProfileShape, externalIdSchema } from "../../domain/client-profile";

export const createLeadsBodySchema = z
  .strictObject({
    external_id: externalIdSchema,
    ...clientProfileShape,
    dry_run: z.boolean().optional().describe("Rate and route, but create no lead and change nothing"),
  })
  .meta({ id: "CreateLeadsRequest" });

export type CreateLeadsBody = z.output<typeof createLeadsBodySchema>;
