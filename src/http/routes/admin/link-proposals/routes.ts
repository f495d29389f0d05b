/** Admin routes of the link proposals mined from holdings and needs (docs/recommender.md "Link proposals"). */
import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { MIN_RULE_LIFT, MIN_RULE_SUPPORT } from "../../../../domain/needs/association-rules";
import { iso, isoOrNull } from "../../../../domain/time";
import type { AppEnv } from "../../../../env";
import {
  approveProposal,
  computeProposals,
  type LinkProposal,
  listProposals,
  rejectProposal,
} from "../../../../usecases/link-proposals/manage";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

const STATUSES = ["proposed", "approved", "rejected"] as const;

export const LinkProposalSchema = z
  .object({
    id: z.string().describe("Proposal id (`lp_…`)"),
    antecedent: z.object({
      kind: z.enum(["service", "need"]).describe("A held service or an active need"),
      code: z.string().describe("Service code or need code"),
    }),
    consequent: z.string().describe("Code of the service the rule recommends"),
    support: z.int().describe(`Clients with both (at least ${MIN_RULE_SUPPORT})`),
    antecedent_clients: z.int(),
    consequent_clients: z.int(),
    total_clients: z.int(),
    confidence: z.number().describe("P(consequent | antecedent)"),
    base_rates: z.object({
      antecedent: z.number().describe("P(antecedent): share of all clients with the antecedent"),
      consequent: z.number().describe("P(consequent): share of all clients holding the consequent"),
    }),
    lift: z.number().describe(`confidence / consequent base rate (at least ${MIN_RULE_LIFT})`),
    lift_lower: z
      .number()
      .describe("Lower bound of the lift's 95 % interval (log-lift, normal approximation), above 1"),
    status: z.enum(STATUSES),
    weight: z.number().nullable().describe("Weight given on approval"),
    computed_at: z.iso.datetime(),
    decided_at: z.iso.datetime().nullable(),
    decided_by: z.string().nullable().describe("Key id of the admin who decided"),
  })
  .meta({ id: "LinkProposal" });

function view(proposal: LinkProposal): z.infer<typeof LinkProposalSchema> {
  return {
    id: proposal.id,
    antecedent: { kind: proposal.antecedentKind, code: proposal.antecedent },
    consequent: proposal.consequent,
    support: proposal.support,
    antecedent_clients: proposal.antecedentClients,
    consequent_clients: proposal.consequentClients,
    total_clients: proposal.totalClients,
    confidence: proposal.confidence,
    base_rates: { antecedent: proposal.antecedentRate, consequent: proposal.consequentRate },
    lift: proposal.lift,
    lift_lower: proposal.liftLower,
    status: proposal.status,
    weight: proposal.weight,
    computed_at: iso(proposal.computedAt),
    decided_at: isoOrNull(proposal.decidedAt),
    decided_by: proposal.decidedBy,
  };
}

const TAGS = ["Admin: link proposals"];

export class ListLinkProposalsRoute extends ApiRoute {
  override schema = {
    operationId: "listLinkProposals",
    tags: TAGS,
    summary: "Association rules proposed as cross-service links",
    description:
      `Rules antecedent → service over holdings and needs with at least ${MIN_RULE_SUPPORT} clients holding both, ` +
      `lift ≥ ${MIN_RULE_LIFT} and the lift's 95 % lower bound above 1, strongest evidence first. Computed by the ` +
      "daily housekeeping and by POST /v1/admin/link-proposals:compute; service pairs already in the matrix are " +
      "not proposed, and decided proposals are never proposed again.",
    request: {
      query: z.strictObject({
        status: z
          .enum([...STATUSES, "all"])
          .optional()
          .describe("Only proposals with this status (default `proposed`; `all` lists every one)"),
      }),
    },
    responses: {
      "200": { description: "The proposals", ...contentJson(z.object({ proposals: z.array(LinkProposalSchema) })) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const status = query.status ?? "proposed";
    const proposals = await listProposals(c.env, status === "all" ? undefined : status);
    return { proposals: proposals.map(view) };
  }
}

export class ComputeLinkProposalsRoute extends ApiRoute {
  override schema = {
    operationId: "computeLinkProposals",
    tags: TAGS,
    summary: "Recompute the link proposals and the inferred needs now",
    description:
      "Counts holdings and needs on every shard (counts only), mines the rules, refreshes the proposals (decided ones " +
      "keep their decision), writes the inferred needs and deletes expired needs.",
    responses: {
      "200": {
        description: "What the computation found",
        ...contentJson(
          z.object({
            clients: z.int().describe("Clients counted"),
            rules: z.int().describe("Rules meeting the thresholds"),
            inferred_needs: z.int().describe("Inferred needs written or renewed"),
            expired_needs: z.int().describe("Expired needs deleted"),
          }),
        ),
      },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const result = await computeProposals(c.env);
    return {
      clients: result.clients,
      rules: result.rules,
      inferred_needs: result.inferredNeeds,
      expired_needs: result.expiredNeeds,
    };
  }
}

/** The proposal id of a `{id}:verb` path segment. */
function proposalId(c: Context<AppEnv>, verb: string): string {
  const segment = c.req.param("id") ?? "";
  return segment.endsWith(`:${verb}`) ? segment.slice(0, -verb.length - 1) : segment;
}

const idParams = z.object({ id: z.string().describe("Proposal id (`lp_…`)") });

export class ApproveLinkProposalRoute extends ApiRoute {
  override schema = {
    operationId: "approveLinkProposal",
    tags: TAGS,
    summary: "Approve a link proposal",
    description:
      "A service rule becomes the cross-service cell antecedent → consequent with `weight` (default: the rule's " +
      "confidence, rounded to 2 decimals); a need rule keeps boosting the score at `weight` × its cap (default 1). " +
      'The body is `{}` for the defaults or `{ "weight": w }`. Audited (`link_proposal.approved`, and ' +
      "`cross_service_link.set` for a service rule). 409 when already decided.",
    request: {
      params: idParams,
      body: {
        required: true,
        content: {
          "application/json": {
            schema: z
              .strictObject({
                weight: z.number().gt(0).max(1).optional().describe("0 < weight <= 1 (default: see above)"),
              })
              .meta({ id: "ApproveLinkProposalRequest" }),
          },
        },
      },
    },
    responses: {
      "200": { description: "The approved proposal", ...contentJson(LinkProposalSchema) },
      ...errorResponses(400, 403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const proposal = await approveProposal(c.env, {
      id: proposalId(c, "approve"),
      actor: principal.keyId,
      weight: body.weight,
    });
    return view(proposal);
  }
}

export class RejectLinkProposalRoute extends ApiRoute {
  override schema = {
    operationId: "rejectLinkProposal",
    tags: TAGS,
    summary: "Reject a link proposal",
    description:
      "The rule is never proposed again and, for a need rule, stops boosting the score. Audited " +
      "(`link_proposal.rejected`). 409 when already decided.",
    request: { params: idParams },
    responses: {
      "200": { description: "The rejected proposal", ...contentJson(LinkProposalSchema) },
      ...errorResponses(403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    return view(await rejectProposal(c.env, { id: proposalId(c, "reject"), actor: principal.keyId }));
  }
}
