/**
 * The simulation behind `npm run simulate`: a few weeks of CRM traffic and partner outcomes played
 * through the real domain code, with a control-group experiment whose true uplift is known.
 *
 * Pure TypeScript (no Node or Workers APIs), so the same engine runs in the CLI and in the workerd
 * test suite. Everything random draws from seeded streams: a seed gives the same run everywhere.
 *
 * The world:
 * - clients, their history and their true taste come from the demo generator
 *   (`generateBankDataset`, ground truth `truth.clientAcceptanceProbability`);
 * - the recommender is trained as on the platform (full `rebuildStatistics`, blend fitted on
 *   simulated offers, `trainFromStatistics`), kept up to date by `applyInteractionChange` for every
 *   outcome and retrained weekly from those statistics (the learning loop);
 * - every traffic day, the next clients of a seeded permutation are sent by their CRM (each once);
 *   `scoreClient` rates them and the candidates at or above the threshold qualify;
 * - a qualifying client enters the experiment (scope: every offer) and is assigned by
 *   `experimentAssignment`; control clients get no lead, treated ones go through competition
 *   resolution (`resolveCompetition`, `performance` routing on measured acceptance where
 *   companies compete) and get at most one lead.
 *
 * The response model, which makes the true uplift known exactly:
 * - organic take-up: every entered client, in either arm, takes its best-rated qualifying service
 *   on its own with probability o = ORGANIC_SHARE × the true acceptance of that service;
 * - a lead adds a planted incremental effect u (`--uplift`): a treated client who did not buy
 *   organically accepts the lead with probability u / (1 − o), so P(respond) = o + u with a lead
 *   and o without one; otherwise the partner reports a decline;
 * - hence the true uplift of the response rate (intention to treat, over all entered clients) is
 *   u × the share of entered clients to whom routing can deliver a lead, which the engine computes
 *   by resolving competition for control clients too (without sending anything). With no daily
 *   caps, whether routing finds a company depends only on the client.
 * Outcomes arrive 1–14 days after entry; the experiment ends after a 14-day follow-up, so every
 * response is inside it. Deal amounts are drawn per category family (log-normal, mean = base).
 */

import {
  type ArmStats,
  armStatsFromClients,
  type ExperimentReport,
  experimentReport,
} from "../../src/domain/experiment-report";
import { type Arm, type ExperimentDefinition, experimentAssignment } from "../../src/domain/experiments";
import { Rng } from "../../src/domain/random";
import {
  applyInteractionChange,
  type CatalogEntry,
  type ClientState,
  datasetClient,
  featureSpaceFromDataset,
  type Recommendation,
  type RecommenderModel,
  rebuildStatistics,
  type ServiceLink,
  scoreClient,
  simulateOfferDeals,
  splitDataset,
  trainFromStatistics,
} from "../../src/domain/recommender";
import {
  type CategoryRoutingPolicy,
  type CompanyCategoryStats,
  type CompanyRoutingState,
  type RoutingCandidate,
  resolveCompetition,
} from "../../src/domain/routing";
import { DAY_MS } from "../../src/domain/time";
import { clientExternalId, DEMO_REFERENCE_NOW, type DemoCatalog, generateBankDataset } from "../datagen/demo";

/** Share of a client's true acceptance that it realizes on its own, without a lead. */
export const ORGANIC_SHARE = 0.25;
/** Days after the last traffic day during which outcomes still arrive (inside the experiment). */
export const FOLLOW_UP_DAYS = 14;
/** Most simulated offers the blend is fitted on at each (re)training. */
export const MAX_BLEND_SAMPLES = 20_000;
/** Exploration share of `performance` routing in the competing categories. */
export const ROUTING_EXPLORATION = 0.1;

/** Options of {@link runSimulation}; see the CLI for the defaults. */
export interface SimulationOptions {
  /** Weeks of CRM traffic (1–12). */
  weeks: number;
  seed: number;
  /** Planted absolute response uplift of a lead, 0–0.5. */
  uplift: number;
  /** Size of the generated client base (1,000–200,000); each client is sent once. */
  clients: number;
  /** Holdout share of the experiment, 0.01–0.5. */
  holdout: number;
  /** Minimum rating of a lead, 0–100. */
  threshold: number;
  /** Confidence level of the report (default 0.95). */
  confidenceLevel?: number;
}

/** Leads and outcomes of one company in one category. */
export interface RoutingLine {
  category: string;
  company: string;
  leads: number;
  accepted: number;
  declined: number;
}

export interface SimulationResult {
  options: Required<SimulationOptions>;
  traffic: {
    crmCalls: number;
    qualifyingCandidates: number;
    enteredClients: number;
    controlClients: number;
    treatedClients: number;
    leads: number;
    treatedWithoutLead: number;
    leadsAccepted: number;
    leadsDeclined: number;
    organicDeals: number;
    retrains: number;
  };
  /** Lead volume and outcomes per company in categories where companies compete. */
  competition: RoutingLine[];
  arms: { control: Required<ArmStats>; treatment: Required<ArmStats> };
  report: ExperimentReport;
  /** Share of entered clients to whom routing can deliver a lead. */
  routableShare: number;
  /** The true intention-to-treat uplift of the response rate: uplift × routableShare. */
  trueUplift: number;
  /** Whether the report's interval for the absolute response-rate uplift contains trueUplift. */
  covered: boolean;
}

/** Typical deal amount (RUB) by the first word of the category. */
const BASE_AMOUNT: Record<string, number> = {
  cards: 15_000,
  loans: 400_000,
  savings: 200_000,
  investments: 150_000,
  insurance: 12_000,
  business: 20_000,
  fitness: 30_000,
  retail: 5_000,
  health: 8_000,
  telecom: 6_000,
  auto: 25_000,
};
/** σ of the log-normal amount; the mean is kept at the base amount. */
const AMOUNT_SIGMA = 0.5;

/** A scheduled outcome: applied to the matrix and the routing counts when its day comes. */
interface PendingOutcome {
  at: number;
  row: number;
  service: number;
  accepted: boolean;
  /** Lead outcomes feed `performance` routing; organic purchases do not. */
  lead: { category: string; company: string } | null;
}

function checkOptions(options: SimulationOptions): Required<SimulationOptions> {
  const within = (name: string, value: number, min: number, max: number, integer: boolean) => {
    if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
      throw new RangeError(`${name} must be ${integer ? "an integer" : "a number"} within ${min}–${max}, got ${value}`);
    }
  };
  within("weeks", options.weeks, 1, 12, true);
  within("seed", options.seed, 0, 2 ** 32 - 1, true);
  within("uplift", options.uplift, 0, 0.5, false);
  within("clients", options.clients, 1000, 200_000, true);
  within("holdout", options.holdout, 0.01, 0.5, false);
  within("threshold", options.threshold, 0, 100, false);
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  within("confidence level", confidenceLevel, 0.5, 0.999, false);
  return { ...options, confidenceLevel };
}

function routingCompanies(catalog: DemoCatalog): Record<string, CompanyRoutingState> {
  // No daily caps: a cap would make "does routing find a company" depend on other clients,
  // and the true uplift would no longer be known exactly.
  const companies: Record<string, CompanyRoutingState> = {};
  for (const company of catalog.companies)
    companies[company.code] = { status: "active", dailyLeadCap: null, leadsToday: 0 };
  return companies;
}

function competingPolicies(catalog: DemoCatalog): Record<string, CategoryRoutingPolicy> {
  const sellers = new Map<string, Set<string>>();
  for (const service of catalog.services) {
    const set = sellers.get(service.category) ?? new Set<string>();
    set.add(service.companyCode);
    sellers.set(service.category, set);
  }
  const policies: Record<string, CategoryRoutingPolicy> = {};
  for (const [category, companies] of sellers) {
    if (companies.size > 1) policies[category] = { strategy: "performance", exploration: ROUTING_EXPLORATION };
  }
  return policies;
}

/**
 * Plays the simulation and returns the experiment report with the true uplift.
 * @throws RangeError on options outside their documented ranges.
 */
export function runSimulation(input: SimulationOptions): SimulationResult {
  const options = checkOptions(input);
  const start = DEMO_REFERENCE_NOW;
  const bank = generateBankDataset({ preset: "demo", clients: options.clients, seed: options.seed, now: start });
  const { dataset, catalog, truth } = bank;
  const catalogEntries: CatalogEntry[] = catalog.services.map((s) => ({
    code: s.code,
    name: s.name,
    category: s.category,
  }));
  const links: ServiceLink[] = catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight }));

  // Training as on the platform: the blend is fitted on simulated offers of an inner split, then
  // the statistics of every client are rebuilt and the model trained from them.
  const space = featureSpaceFromDataset(dataset);
  const inner = splitDataset(dataset, "random", { seed: options.seed + 1 });
  const innerModel = trainFromStatistics(
    rebuildStatistics(inner.train, space, { seed: options.seed }).stats,
    catalogEntries,
    links,
    { version: "simulation-inner", trainedAt: start },
  );
  const offers = simulateOfferDeals(innerModel, inner.train, inner.test, { now: start, offersPerClient: 10 });
  // A systematic subsample keeps every weekly blend fit fast; 20,000 samples fit five weights well.
  const step = Math.max(1, Math.ceil(offers.length / MAX_BLEND_SAMPLES));
  const blendDeals = step === 1 ? offers : offers.filter((_, i) => i % step === 0);
  const rebuild = rebuildStatistics(dataset, space, { seed: options.seed });
  const stats = rebuild.stats;
  const train = (version: string, at: number): RecommenderModel =>
    trainFromStatistics(stats, catalogEntries, links, { version, trainedAt: at }, blendDeals);
  let model = train("simulation-week-0", start);

  const trafficDays = options.weeks * 7;
  const experiment: ExperimentDefinition = {
    id: "exp_simulation",
    scopeType: "all",
    scopeId: "",
    holdoutShare: options.holdout,
    startsAt: start,
    endsAt: start + (trafficDays + FOLLOW_UP_DAYS) * DAY_MS,
  };
  const companies = routingCompanies(catalog);
  const policies = competingPolicies(catalog);
  const performance: Record<string, Record<string, CompanyCategoryStats>> = {};
  const competition = new Map<string, RoutingLine>();
  const serviceCategory = catalog.services.map((s) => s.category);
  const serviceCompany = catalog.services.map((s) => s.companyCode);

  // Seeded streams, one per concern, so that changing one draw never shifts another.
  const trafficRandom = new Rng(options.seed, 1);
  const responseRandom = new Rng(options.seed, 2);
  const amountRandom = new Rng(options.seed, 3);
  const routingRandom = new Rng(options.seed, 4);
  const counterfactualRandom = new Rng(options.seed, 5);
  const routingDraw = () => routingRandom.next();
  const counterfactualDraw = () => counterfactualRandom.next();

  // Every client is sent once, in a seeded random order.
  const order = new Int32Array(options.clients);
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = order.length - 1; i > 0; i--) {
    const j = trafficRandom.int(i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }

  const states = new Map<number, ClientState>();
  const stateOf = (row: number): ClientState => {
    const known = states.get(row);
    if (known) return known;
    const state: ClientState = { ...datasetClient(dataset, row), group: rebuild.clientGroups[row] };
    states.set(row, state);
    return state;
  };
  const amountOf = (service: number): number => {
    const base = BASE_AMOUNT[serviceCategory[service].split("-")[0]] ?? 10_000;
    const amount = base * Math.exp(AMOUNT_SIGMA * amountRandom.normal() - (AMOUNT_SIGMA * AMOUNT_SIGMA) / 2);
    return Math.round(amount * 100) / 100;
  };

  const pending: PendingOutcome[] = [];
  const armOf: Array<{ arm: Arm; responded: boolean; spend: number }> = [];
  const traffic: SimulationResult["traffic"] = {
    crmCalls: 0,
    qualifyingCandidates: 0,
    enteredClients: 0,
    controlClients: 0,
    treatedClients: 0,
    leads: 0,
    treatedWithoutLead: 0,
    leadsAccepted: 0,
    leadsDeclined: 0,
    organicDeals: 0,
    retrains: 0,
  };
  let routable = 0;

  const applyOutcome = (outcome: PendingOutcome) => {
    // The deal reaches the matrix and the statistics at once (the Worker's delta path).
    const { after } = applyInteractionChange(stats, stateOf(outcome.row), {
      service: outcome.service,
      value: outcome.accepted ? 1 : -1,
      time: outcome.at,
    });
    states.set(outcome.row, after);
    if (outcome.lead) {
      const byCompany = performance[outcome.lead.category] ?? {};
      performance[outcome.lead.category] = byCompany;
      const counts = byCompany[outcome.lead.company] ?? { routed: 0, accepted: 0, declined: 0 };
      byCompany[outcome.lead.company] = counts;
      if (outcome.accepted) counts.accepted++;
      else counts.declined++;
      const line = competition.get(`${outcome.lead.category}\u0000${outcome.lead.company}`);
      if (line) {
        if (outcome.accepted) line.accepted++;
        else line.declined++;
      }
      if (outcome.accepted) traffic.leadsAccepted++;
      else traffic.leadsDeclined++;
    }
  };

  const route = (row: number, recommendations: Recommendation[], now: number, random: () => number) => {
    const state = stateOf(row);
    const usedCategories: string[] = [];
    const declines: Array<{ category: string; at: number }> = [];
    const { services, values, times } = state.interactions;
    for (let i = 0; i < services.length; i++) {
      if (values[i] === 1) usedCategories.push(serviceCategory[services[i]]);
      else declines.push({ category: serviceCategory[services[i]], at: times?.[i] ?? Number.NaN });
    }
    const candidates: RoutingCandidate[] = recommendations.map((r) => ({
      serviceIndex: r.service,
      serviceId: r.code,
      serviceCode: r.code,
      category: r.category,
      companyId: serviceCompany[r.service],
      rating: r.rating,
      reasons: [],
    }));
    return resolveCompetition({
      candidates,
      companies,
      policies,
      stats: performance,
      client: { usedCategories, declines, openLeads: [] },
      maxLeads: 1,
      now,
      exclusivityWindowMs: 30 * DAY_MS,
      declineCooldownMs: 90 * DAY_MS,
      random,
    });
  };

  const perDay = Math.ceil(options.clients / trafficDays);
  let next = 0;
  const totalDays = trafficDays + FOLLOW_UP_DAYS;
  for (let day = 0; day < totalDays; day++) {
    const dayStart = start + day * DAY_MS;
    // Outcomes due before this day's traffic, in time order.
    pending.sort((a, b) => b.at - a.at);
    while (pending.length > 0 && pending[pending.length - 1].at < dayStart) applyOutcome(pending.pop()!);

    const visitors = day < trafficDays ? Math.min(perDay, options.clients - next) : 0;
    for (let v = 0; v < visitors; v++) {
      const row = order[next++];
      const now = dayStart + Math.floor((v / visitors) * DAY_MS);
      traffic.crmCalls++;
      const qualifying = scoreClient(model, stateOf(row), {
        now,
        limit: 10,
        minRating: options.threshold,
        reasons: false,
      });
      traffic.qualifyingCandidates += qualifying.length;
      if (qualifying.length === 0) continue;
      const best = qualifying[0];
      const assignment = experimentAssignment(
        [experiment],
        { serviceId: best.code, category: best.category, companyId: serviceCompany[best.service] },
        clientExternalId(row),
        now,
      );
      if (!assignment) continue;
      traffic.enteredClients++;
      const arm = assignment.arm;
      if (arm === "control") traffic.controlClients++;
      else traffic.treatedClients++;

      // Would routing deliver a lead? Resolved for both arms so the true uplift is known; the
      // control client's answer is never acted upon.
      const routed =
        arm === "treatment"
          ? route(row, qualifying, now, routingDraw)
          : route(row, qualifying, now, counterfactualDraw);
      const lead = routed.routed[0] ?? null;
      if (lead) routable++;

      const organic = ORGANIC_SHARE * truth.clientAcceptanceProbability(row, best.service);
      const boughtOrganically = responseRandom.next() < organic;
      const record = { arm, responded: false, spend: 0 };
      armOf.push(record);
      if (boughtOrganically) {
        const amount = amountOf(best.service);
        record.responded = true;
        record.spend += amount;
        traffic.organicDeals++;
        pending.push({
          at: now + (1 + responseRandom.int(14)) * DAY_MS,
          row,
          service: best.service,
          accepted: true,
          lead: null,
        });
      }
      if (arm === "control") continue;
      if (!lead) {
        traffic.treatedWithoutLead++;
        continue;
      }
      traffic.leads++;
      const key = `${lead.category}\u0000${lead.winner.companyId}`;
      if (policies[lead.category]) {
        const line = competition.get(key) ?? {
          category: lead.category,
          company: lead.winner.companyId,
          leads: 0,
          accepted: 0,
          declined: 0,
        };
        line.leads++;
        competition.set(key, line);
      }
      // The planted effect: without an organic purchase, the lead converts with u / (1 − o).
      const accepted = !boughtOrganically && responseRandom.next() < options.uplift / (1 - organic);
      if (accepted) {
        record.responded = true;
        record.spend += amountOf(lead.winner.serviceIndex);
      }
      pending.push({
        at: now + (1 + responseRandom.int(7)) * DAY_MS,
        row,
        service: lead.winner.serviceIndex,
        accepted,
        lead: { category: lead.category, company: lead.winner.companyId },
      });
    }
    if ((day + 1) % 7 === 0 && day < trafficDays) {
      model = train(`simulation-week-${(day + 1) / 7}`, dayStart + DAY_MS);
      traffic.retrains++;
    }
  }
  pending.sort((a, b) => a.at - b.at);
  for (const outcome of pending.splice(0)) {
    if (outcome.at >= experiment.endsAt) throw new Error("an outcome fell outside the experiment window");
    applyOutcome(outcome);
  }

  const collect = (arm: Arm) => {
    const records = armOf.filter((record) => record.arm === arm);
    return armStatsFromClients(
      records.map((record) => (record.responded ? 1 : 0)),
      records.map((record) => record.spend),
    ) as Required<ArmStats>;
  };
  const arms = { control: collect("control"), treatment: collect("treatment") };
  const report = experimentReport(
    { holdoutShare: options.holdout, control: arms.control, treatment: arms.treatment },
    { confidenceLevel: options.confidenceLevel },
  );
  const routableShare = traffic.enteredClients > 0 ? routable / traffic.enteredClients : 0;
  const trueUplift = options.uplift * routableShare;
  const interval = report.response_rate.absolute_uplift;
  return {
    options,
    traffic,
    competition: [...competition.values()].sort(
      (a, b) => a.category.localeCompare(b.category) || a.company.localeCompare(b.company),
    ),
    arms,
    report,
    routableShare,
    trueUplift,
    covered:
      interval.ci_low !== null &&
      interval.ci_high !== null &&
      interval.ci_low <= trueUplift &&
      trueUplift <= interval.ci_high,
  };
}
