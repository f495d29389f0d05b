/** The deal reports as their reporters send them: a CRM's deal and a partner's outcome of a lead. */
import { z } from "zod";
import { externalIdSchema } from "../../domain/client-profile";
import { isWholeKopecks, MAX_DEAL_AMOUNT } from "../../domain/deal-rules";

export const crmDealReportSchema = z
  .strictObject({
    external_id: externalIdSchema,
    service: z.string().min(1).max(64).describe("Code of the service (one your company sells)"),
    outcome: z.enum(["accepted", "declined"]).describe("`accepted`: the client took the service; `declined`: not"),
    amount: z
      .number()
      .min(0)
      .max(MAX_DEAL_AMOUNT)
      .refine(isWholeKopecks, { error: "amount must be in RUB with at most two decimals (kopecks)" })
      .optional()
      .describe(
        "Deal amount in RUB (at most two decimals); the commission on a lead's accepted deal is computed from it",
      ),
    lead_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("The lead this deal answers (`ld_…`): one CactuBase created for this client and service"),
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("When the deal happened (ISO 8601); default now. The latest outcome wins by this time"),
  })
  .meta({ id: "CreateDealRequest" });

export const partnerOutcomeSchema = z
  .strictObject({
    outcome: z.enum(["accepted", "declined"]).describe("`accepted`: the client took the service; `declined`: not"),
    amount: z
      .number()
      .min(0)
      .max(MAX_DEAL_AMOUNT)
      .optional()
      .describe("Deal amount in RUB; the platform commission is computed from it on accepted deals"),
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("When the deal happened (ISO 8601); defaults to now"),
  })
  .meta({ id: "ReportOutcomeRequest" });

export type PartnerOutcome = z.output<typeof partnerOutcomeSchema>;
