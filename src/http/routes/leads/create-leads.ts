import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { clientProfileShape, externalIdSchema, toStoredProfile } from "../../../domain/client-profile";
import { DomainError } from "../../../domain/errors";
import { buildLeadDocument } from "../../../domain/lead-document";
import { type CandidateOutcome, LEAD_DECISIONS, type RatedService, selectLeads } from "../../../domain/lead-selection";
import { findPersonalData, personalDataError } from "../../../domain/personal-data";
import type { CategoryRoutingPolicy, CompanyRoutingState } from "../../../domain/routing";
import type { AppEnv } from "../../../env";
import { pseudonymize, receiverPseudonym } from "../../../lib/crypto";
import { newId } from "../../../lib/ids";
import { buildScoredCandidateInserts, type NewScoredCandidate } from "../../../storage/analytics";
import { buildClientWriteFromState, isClientWriteConflict, type StoredCell } from "../../../storage/clients";
import { getDb } from "../../../storage/db";
import { beginIdempotent, type IdempotencySlot } from "../../../storage/idempotency";
import {
  type CatalogService,
  type LeadContext,
  loadLeadContext,
  OPEN_LEAD_STATUSES,
  routingStats,
} from "../../../storage/lead-context";
import { buildLeadInserts, enqueueLeads, type NewLead } from "../../../storage/leads";
import type { ServingModel } from "../../../storage/model-store";
import { currentServingModel } from "../../../usecases/rate-client";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { assertKnownServiceCodes, readJsonBody, validateAll } from "../clients/input";
import { RATED_PER_CALL, rateStoredClient } from "./rating";

const MAX_WRITE_ATTEMPTS = 5;

export const createLeadsBodySchema = z
  .strictObject({
    external_id: externalIdSchema,
    ...clientProfileShape,
    dry_run: z.boolean().optional().describe("Rate and route, but create no lead and change nothing"),
  })
  .meta({ id: "CreateLeadsRequest" });

const reasonSchema = z.string();

const ratingItemSchema = z
  .object({
    service: z.string(),
    name: z.string(),
    category: z.string(),
    company_id: z.string(),
    rating: z.number().min(0).max(100),
    threshold: z.number(),
    decision: z.enum(LEAD_DECISIONS),
    note: z.string().nullable(),
    reasons: z.array(reasonSchema),
  })
  .meta({ id: "LeadCallRating" });

const createdLeadSchema = z
  .object({
    id: z.string(),
    service: z.string(),
    category: z.string(),
    target_company: z.object({ id: z.string(), name: z.string() }),
    rating: z.number(),
    reasons: z.array(reasonSchema),
    routing_reason: z.string(),
    status: z.enum(["queued", "would_create"]),
  })
  .meta({ id: "LeadCallLead" });

export const createLeadsResponseSchema = z
  .object({
    client_ref: z.string().nullable(),
    dry_run: z.boolean(),
    model_version: z.string().nullable(),
    ratings: z.array(ratingItemSchema),
    leads: z.array(createdLeadSchema),
    not_routed: z.array(z.object({ category: z.string(), reason: z.string(), message: z.string() })),
  })
  .meta({ id: "CreateLeadsResponse" });

type CreateLeadsResponse = z.infer<typeof createLeadsResponseSchema>;

/** `POST /v1/leads` — the CRM call: one client in, ratings and packaged, enqueued leads out. */
export class CreateLeadsRoute extends OpenAPIRoute {
  override schema = {
    operationId: "createLeads",
    tags: ["Leads"],
    summary: "Rate a client the manager works on and create leads for the services it will likely take",
    description:
      "In one call: the personal-data guard and validation (as client intake), the profile upsert (with the " +
      "optional `services` interactions), rating of every eligible service, the effective threshold of each " +
      "service, control-group holdouts of running experiments, competition resolution between companies (at most " +
      "one lead per category, at most `max_leads_per_request`), lead packaging and enqueueing for delivery. " +
      "`dry_run: true` answers the same without writing anything.\n\n" +
      "`Idempotency-Key` (recommended): the same key with the same body replays the first answer and creates " +
      "nothing new (kept 48 h); the same key with another body is 422 `idempotency_mismatch`; while the first " +
      "request is still running, 409 `idempotency_in_flight`. No second lead is created for a client and service " +
      "while an earlier one is open or inside the exclusivity window (decision `duplicate`). Needs `crm` scope.",
    request: {
      headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
      body: { required: true, content: { "application/json": { schema: createLeadsBodySchema } } },
    },
    responses: {
      "200": {
        description: "Rated; no lead was created (dry run, idempotent replay of such an answer, or nothing qualified)",
        content: { "application/json": { schema: createLeadsResponseSchema } },
      },
      "201": {
        description: "Rated, and at least one lead was created and enqueued for delivery",
        content: { "application/json": { schema: createLeadsResponseSchema } },
      },
      ...errorResponses(400, 403, 409, 413, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireCompanyScope(c, "crm");
    const raw = await readJsonBody(c);
    const findings = findPersonalData(raw, ["body"]);
    if (findings.length > 0) throw personalDataError(findings);
    const { body } = validateAll({ body: [createLeadsBodySchema, raw, ["body"]] });
    const db = getDb(c.env.DB);
    const dryRun = body.dry_run === true;

    const externalHash = await pseudonymizeOrFail(c.env, principal.companyId, body.external_id);
    // The reads of the call start at once, beside the idempotency check: one round trip, not two.
    const prefetched = prefetch(c.env, principal.companyId, externalHash, Date.now());
    const idempotencyKey = c.req.header("idempotency-key");
    let slot: IdempotencySlot | null = null;
    if (idempotencyKey !== undefined) {
      const begun = await beginIdempotent(db, {
        principalId: principal.keyId,
        key: idempotencyKey,
        route: "POST /v1/leads",
        body: JSON.stringify(raw),
      });
      if (begun.kind === "replay") {
        c.header("idempotent-replayed", "true");
        return c.json(begun.body as CreateLeadsResponse, begun.status as 200 | 201);
      }
      slot = begun.slot;
    }

    try {
      const { status, response, leadIds } = await createLeads(
        c,
        principal.companyId,
        externalHash,
        body,
        dryRun,
        slot,
        prefetched,
      );
      if (leadIds.length > 0) {
        // Off the manager's wait: the leads are committed, and a lead whose message does not make it
        // onto the queue is re-enqueued by the cron sweep, so none is lost.
        c.executionCtx.waitUntil(
          enqueueLeads(c.env, leadIds).then((enqueued) => {
            if (enqueued.pending.length > 0) {
              console.warn(JSON.stringify({ event: "lead_enqueue_deferred", leads: enqueued.pending.length }));
            }
          }),
        );
      }
      return c.json(response, status);
    } catch (error) {
      await slot?.release().catch(() => undefined);
      throw error;
    }
  }
}

/** What the lead call reads before deciding: the context batch and the serving model, in parallel. */
interface Prefetched {
  now: number;
  context: Promise<LeadContext>;
  serving: Promise<ServingModel | null>;
}

function prefetch(env: AppEnv["Bindings"], companyId: string, externalHash: string, now: number): Prefetched {
  const db = getDb(env.DB);
  const fetched = {
    now,
    // One round trip reads the catalogue, companies, settings, experiments and the client's state.
    context: loadLeadContext(env.DB, db, { companyId, externalHash, now, lookbackMs: MAX_EXCLUSIVITY_WINDOW_MS }),
    serving: currentServingModel(env, now),
  };
  // A replayed or refused request never awaits these; their failure must not go unhandled.
  fetched.context.catch(() => undefined);
  fetched.serving.catch(() => undefined);
  return fetched;
}

async function createLeads(
  c: Context<AppEnv>,
  sourceCompanyId: string,
  externalHash: string,
  body: z.output<typeof createLeadsBodySchema>,
  dryRun: boolean,
  slot: IdempotencySlot | null,
  first: Prefetched,
): Promise<{ status: 200 | 201; response: CreateLeadsResponse; leadIds: string[] }> {
  const env = c.env;
  const db = getDb(env.DB);
  const requested = Object.entries(body.services ?? {});
  const profile = toStoredProfile(body);

  for (let attempt = 1; ; attempt++) {
    // A retry after a lost write race reads everything afresh.
    const fetched = attempt === 1 ? first : prefetch(env, sourceCompanyId, externalHash, Date.now());
    const now = fetched.now;
    const [context, serving] = await Promise.all([fetched.context, fetched.serving]);
    const byCode = new Map(context.services.map((service) => [service.code, service]));
    assertKnownServiceCodes(
      requested.map(([code]) => code),
      (code) => byCode.has(code),
    );
    const write = buildClientWriteFromState(
      db,
      {
        companyId: sourceCompanyId,
        externalHash,
        profile,
        interactions: requested.map(([code, value]) => {
          const service = byCode.get(code)!;
          return { serviceId: service.id, modelIndex: service.modelIndex, value };
        }),
        source: "crm",
        now,
      },
      context.clientState,
    );
    const rated = rateStoredClient(serving, { client: write.client, cells: write.cells, context, now });
    const sourceCompany = context.companies.get(sourceCompanyId);
    const selection = decide(context, write.clientId, rated.services, sourceCompanyId, write.cells, now);
    const response = renderResponse(
      write.clientId,
      dryRun,
      rated.modelVersion,
      selection.outcomes,
      selection.routing.notRouted,
      context,
    );
    if (dryRun) {
      response.client_ref = write.created ? null : write.clientId;
      if (slot) await db.batch([slot.complete(200, response)]);
      return { status: 200, response, leadIds: [] };
    }

    const newLeads: NewLead[] = [];
    for (const outcome of selection.outcomes) {
      if (outcome.decision !== "lead" || !outcome.routed) continue;
      const target = context.companies.get(outcome.service.companyId)!;
      const service = context.serviceById.get(outcome.service.serviceId)!;
      const leadId = newId("ld");
      const document = buildLeadDocument({
        leadId,
        createdAt: now,
        service: { code: service.code, name: service.name, category: service.category },
        targetCompany: { id: target.id, name: target.name },
        sourceCompany: { id: sourceCompanyId, name: sourceCompany?.name ?? sourceCompanyId },
        rating: outcome.service.rating,
        reasons: outcome.service.reasons,
        client: {
          pseudonym: await receiverPseudonym(env.PSEUDONYM_KEY, target.id, write.clientId),
          age: profile.age,
          monthlyIncome: profile.monthlyIncome,
          region: profile.region,
          needs: profile.needs,
        },
        modelVersion: rated.modelVersion,
      });
      newLeads.push({
        document,
        clientId: write.clientId,
        serviceId: service.id,
        sourceCompanyId,
        targetCompanyId: target.id,
        rating: outcome.service.rating,
        routing: outcome.routed,
        modelVersion: rated.modelVersion,
      });
    }
    const leadIdByService = new Map(newLeads.map((lead) => [lead.serviceId, lead.document.lead_id]));
    response.leads = newLeads.map((lead) => {
      const outcome = selection.outcomes.find((o) => o.service.serviceId === lead.serviceId)!;
      return {
        id: lead.document.lead_id,
        service: lead.document.service.code,
        category: lead.document.service.category,
        target_company: lead.document.target_company,
        rating: lead.document.rating,
        reasons: lead.document.reasons,
        routing_reason: outcome.routed?.reason ?? "",
        status: "queued" as const,
      };
    });
    const status = newLeads.length > 0 ? 201 : 200;
    const candidates: NewScoredCandidate[] = selection.outcomes.map((outcome) => ({
      clientId: write.clientId,
      serviceId: outcome.service.serviceId,
      companyId: outcome.service.companyId,
      rating: outcome.service.rating,
      threshold: outcome.threshold,
      decision: outcome.decision,
      leadId: leadIdByService.get(outcome.service.serviceId) ?? null,
      experimentId: outcome.experimentId,
      at: now,
      ...rated.partsByService.get(outcome.service.serviceId),
    }));
    const statements = [
      ...write.statements,
      ...buildLeadInserts(db, newLeads),
      ...buildScoredCandidateInserts(db, candidates),
      ...(slot ? [slot.complete(status, response)] : []),
    ];
    try {
      await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
    } catch (error) {
      if (isClientWriteConflict(error) && attempt < MAX_WRITE_ATTEMPTS) continue;
      if (isClientWriteConflict(error)) {
        throw new DomainError("conflict", "The client was changed by concurrent requests; retry the call");
      }
      throw error;
    }
    return { status, response, leadIds: newLeads.map((lead) => lead.document.lead_id) };
  }
}

/** Upper bound of `exclusivity_window_hours` (src/domain/settings.ts): how far back the client's leads matter. */
const MAX_EXCLUSIVITY_WINDOW_MS = 2160 * 3_600_000;

async function pseudonymizeOrFail(env: AppEnv["Bindings"], companyId: string, externalId: string) {
  if (!env.PSEUDONYM_KEY) {
    throw new DomainError("unavailable", "Lead intake is not configured on this deployment; nothing was stored");
  }
  return pseudonymize(env.PSEUDONYM_KEY, companyId, externalId);
}

/** Thresholds, duplicates, experiments and competition for one client, from the loaded context. */
function decide(
  context: LeadContext,
  clientId: string,
  rated: readonly RatedService[],
  sourceCompanyId: string,
  cells: readonly StoredCell[],
  now: number,
) {
  const { settings } = context;
  const duplicateServices = new Set<string>();
  const openLeads: { category: string; companyId: string; createdAt: number }[] = [];
  for (const lead of context.recentLeads) {
    const open = (OPEN_LEAD_STATUSES as readonly string[]).includes(lead.status);
    if (open) openLeads.push({ category: lead.category, companyId: lead.companyId, createdAt: lead.createdAt });
    if (open || now - lead.createdAt < settings.exclusivityWindowMs(lead.serviceId).value) {
      duplicateServices.add(lead.serviceId);
    }
  }
  const usedCategories = new Set<string>();
  const declines: { category: string; at: number }[] = [];
  for (const cell of cells) {
    const service = context.serviceById.get(cell.serviceId);
    if (!service) continue;
    if (cell.value === 1) usedCategories.add(service.category);
    else declines.push({ category: service.category, at: cell.at });
  }
  const companies: Record<string, CompanyRoutingState> = {};
  for (const company of context.companies.values()) {
    companies[company.id] = {
      name: company.name,
      status: company.status,
      dailyLeadCap: company.dailyLeadCap,
      leadsToday: company.leadsToday,
    };
  }
  const policies: Record<string, CategoryRoutingPolicy> = {};
  for (const service of rated) policies[service.category] ??= settings.routing(service.category).value;
  return selectLeads({
    rated,
    clientId,
    threshold: (serviceId) => settings.minRating(serviceId).value,
    experiments: context.experiments,
    duplicateServices,
    companies,
    policies,
    stats: routingStats(context),
    client: { usedCategories: [...usedCategories], declines, openLeads },
    maxLeads: settings.maxLeadsPerRequest(sourceCompanyId).value,
    now,
    exclusivityWindowMs: settings.global.exclusivityWindowMs.value,
    declineCooldownMs: settings.global.declineCooldownMs.value,
    random: Math.random,
  });
}

function renderResponse(
  clientId: string,
  dryRun: boolean,
  modelVersion: string | null,
  outcomes: readonly CandidateOutcome[],
  notRouted: ReadonlyArray<{ category: string; reason: string; message: string }>,
  context: LeadContext,
): CreateLeadsResponse {
  return {
    client_ref: clientId,
    dry_run: dryRun,
    model_version: modelVersion,
    ratings: outcomes.slice(0, RATED_PER_CALL).map((outcome) => {
      const service = context.serviceById.get(outcome.service.serviceId) as CatalogService;
      return {
        service: service.code,
        name: service.name,
        category: service.category,
        company_id: service.companyId,
        rating: Math.round(outcome.service.rating * 10) / 10,
        threshold: outcome.threshold,
        decision: outcome.decision,
        note: outcome.note,
        reasons: [...outcome.service.reasons],
      };
    }),
    leads: dryRun
      ? outcomes
          .filter((outcome) => outcome.decision === "lead")
          .map((outcome) => ({
            id: "",
            service: outcome.service.serviceCode,
            category: outcome.service.category,
            target_company: {
              id: outcome.service.companyId,
              name: context.companies.get(outcome.service.companyId)?.name ?? "",
            },
            rating: Math.round(outcome.service.rating * 10) / 10,
            reasons: [...outcome.service.reasons],
            routing_reason: outcome.routed?.reason ?? "",
            status: "would_create" as const,
          }))
      : [],
    not_routed: notRouted.map((n) => ({ category: n.category, reason: n.reason, message: n.message })),
  };
}
