/**
 * A recorded history of offers and deals for the demo bank, so that a fresh `npm run dev` starts
 * with what a platform that has been running for a few weeks has: scored candidates with the part
 * scores the lead call records, leads in every later status, deals that fit and calibrate the
 * blend, a finished control-group experiment, and volume around the demo threshold.
 *
 * The offers are made by a model trained on the generated base (the way the Worker trains one), to
 * a deterministic subset of clients at deterministic times, in two rounds as on a new platform:
 * first with the default blend and a low launch threshold, then — once those deals fitted the
 * blend — with the fitted blend at the demo threshold. Outcomes are drawn from the generator's
 * ground truth (`DemoTruth.clientAcceptanceProbability`). Everything is a function of the seed and
 * `now`: same inputs, same history. Rows reference clients and services by index; the seed turns
 * them into ids.
 */

import { Rng } from "../../../src/domain/random";
import {
  type CatalogEntry,
  type DealSample,
  datasetClient,
  defaultGroupCount,
  featureSpaceFromDataset,
  fitBlend,
  type PartScores,
  type RecommenderModel,
  rebuildStatistics,
  type ServiceLink,
  scoreClient,
  trainFromStatistics,
} from "../../../src/domain/recommender";
import type { BankDataset } from "./index";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every how many clients one receives offers in each round (a third of the base per round). */
const CLIENT_STRIDE = 3;
/** Offers are spread over this many days before `now` (inside the default 30-day analytics window). */
const HISTORY_DAYS = 28;
/** The launch round's threshold: with the default blend, ratings of good offers sit around 15–40. */
export const LAUNCH_THRESHOLD = 20;
/** Candidates recorded per scored client (the lead call records every rated service it returns). */
const CANDIDATES_PER_CLIENT = 6;
/** Most leads per scored client (the platform's default `max_leads_per_request`). */
const MAX_LEADS_PER_CLIENT = 3;
/** Share of leads whose receiver has reported an outcome; the rest are delivered or acknowledged. */
const REPORTED_SHARE = 0.85;
/** Organic take-up of a held-out (control) client relative to an offered one. */
const ORGANIC_FACTOR = 0.35;
/** Stream of the seeded generator reserved for the history (the base data uses others). */
const HISTORY_STREAM = 7;

/** The finished holdout experiment the history carries. */
export const HISTORY_EXPERIMENT = {
  name: "10% holdout on every offer (recorded demo history)",
  holdoutShare: 0.1,
  startDaysAgo: HISTORY_DAYS,
  endDaysAgo: 1,
} as const;

export type HistoryDecision = "lead" | "below_threshold" | "control";
export type HistoryLeadStatus = "delivered" | "acknowledged" | "accepted" | "declined";

export interface HistoryCandidate {
  client: number;
  service: number;
  rating: number;
  /** The threshold in force when the client was scored. */
  threshold: number;
  parts: PartScores;
  decision: HistoryDecision;
  inExperiment: boolean;
  at: number;
  /** Index into `DemoHistory.leads` when the decision is `lead`. */
  lead: number | null;
  /** The reasons the lead call gave (texts). */
  reasons: string[];
}

export interface HistoryLead {
  client: number;
  service: number;
  rating: number;
  reasons: string[];
  createdAt: number;
  status: HistoryLeadStatus;
  deliveredAt: number;
  acknowledgedAt: number | null;
  outcomeAt: number | null;
}

export interface HistoryDeal {
  client: number;
  service: number;
  /** Index into `DemoHistory.leads`, or null for a deal the CRM reported without a lead. */
  lead: number | null;
  outcome: "accepted" | "declined";
  amount: number | null;
  reportedBy: "partner" | "crm";
  occurredAt: number;
}

export interface DemoHistory {
  /** The blend fitted on the launch round's deals (the second round's ratings). */
  fitted: boolean;
  candidates: HistoryCandidate[];
  leads: HistoryLead[];
  deals: HistoryDeal[];
  experiment: { startsAt: number; endsAt: number };
}

export interface DemoHistoryOptions {
  data: BankDataset;
  /** Minimum rating for a lead (the demo threshold). */
  threshold: number;
  /** Epoch ms the history ends at. */
  now: number;
  seed: number;
  /** Whether a client is in the experiment's control arm (the platform's `assignArm`, given ids). */
  isControl: (client: number) => boolean;
}

/** A deal amount in RUB for an accepted offer: plausible per category, deterministic. */
function dealAmount(category: string, random: Rng): number {
  const base = category.startsWith("insurance")
    ? 9_000
    : category.startsWith("loans") || category.startsWith("mortgage")
      ? 60_000
      : 3_000;
  return Math.round(base * (0.5 + random.next()));
}

interface Round {
  model: RecommenderModel;
  threshold: number;
  /** Clients with `index % CLIENT_STRIDE === offset` are scored in this round. */
  offset: number;
  /** Days before `now` the round spans: [fromDaysAgo, toDaysAgo). */
  fromDaysAgo: number;
  toDaysAgo: number;
}

export function generateDemoHistory(options: DemoHistoryOptions): DemoHistory {
  const { data, now, seed } = options;
  const { dataset, catalog } = data;
  const random = new Rng(seed, HISTORY_STREAM);

  const space = featureSpaceFromDataset(dataset);
  const { stats } = rebuildStatistics(dataset, space, { groups: defaultGroupCount(dataset.clients.count), seed: 1 });
  const trainingCatalog: CatalogEntry[] = catalog.services.map((s) => ({
    code: s.code,
    name: s.name,
    category: s.category,
  }));
  const links: ServiceLink[] = catalog.links.map((link) => ({ from: link.from, to: link.to, weight: link.weight }));
  const launchModel = trainFromStatistics(stats, trainingCatalog, links, { version: "demo-launch", trainedAt: now });

  const history: DemoHistory = {
    fitted: false,
    candidates: [],
    leads: [],
    deals: [],
    experiment: {
      startsAt: now - HISTORY_EXPERIMENT.startDaysAgo * DAY_MS,
      endsAt: now - HISTORY_EXPERIMENT.endDaysAgo * DAY_MS,
    },
  };
  const half = Math.floor(HISTORY_DAYS / 2);
  offerRound(history, options, random, {
    model: launchModel,
    threshold: LAUNCH_THRESHOLD,
    offset: 0,
    fromDaysAgo: HISTORY_DAYS,
    toDaysAgo: half,
  });
  const samples: DealSample[] = [];
  for (const candidate of history.candidates) {
    if (candidate.lead === null) continue;
    const deal = history.deals.find((d) => d.lead === candidate.lead);
    if (deal) samples.push({ parts: candidate.parts, accepted: deal.outcome === "accepted" });
  }
  const fit = fitBlend(samples);
  history.fitted = fit.source === "deals";
  offerRound(history, options, random, {
    model: { ...launchModel, blend: fit.blend },
    threshold: options.threshold,
    offset: 1,
    fromDaysAgo: half,
    toDaysAgo: 1,
  });
  return history;
}

function offerRound(history: DemoHistory, options: DemoHistoryOptions, random: Rng, round: Round): void {
  const { dataset, truth } = options.data;
  const { candidates, leads, deals, experiment } = history;
  const span = (round.fromDaysAgo - round.toDaysAgo) * DAY_MS;
  for (let client = round.offset; client < dataset.clients.count; client += CLIENT_STRIDE) {
    // Every follow-up (delivery, ack, outcome) of an offer still lies before `now`.
    const at = options.now - round.toDaysAgo * DAY_MS - Math.floor(random.next() * span);
    const ranked = scoreClient(round.model, datasetClient(dataset, client), {
      now: at,
      limit: CANDIDATES_PER_CLIENT,
      reasons: true,
    });
    let leadsMade = 0;
    for (const recommendation of ranked) {
      const category = recommendation.category;
      const inExperiment = at >= experiment.startsAt && at < experiment.endsAt;
      const eligible = recommendation.rating >= round.threshold && leadsMade < MAX_LEADS_PER_CLIENT;
      let decision: HistoryDecision = eligible ? "lead" : "below_threshold";
      if (eligible && inExperiment && options.isControl(client)) decision = "control";
      const candidate: HistoryCandidate = {
        client,
        service: recommendation.service,
        rating: recommendation.rating,
        threshold: round.threshold,
        parts: recommendation.parts,
        decision,
        inExperiment: inExperiment && eligible,
        at,
        lead: null,
        reasons: recommendation.reasons.map((reason) => reason.text),
      };
      candidates.push(candidate);
      const accepts = random.next() < truth.clientAcceptanceProbability(client, recommendation.service);
      if (decision === "control") {
        // Held out: no lead, but some clients take the service on their own (the CRM reports it).
        if (random.next() < ORGANIC_FACTOR && accepts) {
          deals.push({
            client,
            service: recommendation.service,
            lead: null,
            outcome: "accepted",
            amount: dealAmount(category, random),
            reportedBy: "crm",
            occurredAt: at + Math.floor(random.next() * 0.9 * DAY_MS),
          });
        }
        continue;
      }
      if (decision !== "lead") continue;
      leadsMade++;
      const deliveredAt = at + 1_000 + Math.floor(random.next() * 60_000);
      const reported = random.next() < REPORTED_SHARE;
      const acknowledged = reported || random.next() < 0.5;
      const acknowledgedAt = acknowledged ? deliveredAt + Math.floor(random.next() * 0.3 * DAY_MS) : null;
      const outcomeAt = reported ? (acknowledgedAt ?? deliveredAt) + Math.floor(random.next() * 0.5 * DAY_MS) : null;
      const status: HistoryLeadStatus = reported
        ? accepts
          ? "accepted"
          : "declined"
        : acknowledged
          ? "acknowledged"
          : "delivered";
      candidate.lead = leads.length;
      leads.push({
        client,
        service: recommendation.service,
        rating: recommendation.rating,
        reasons: candidate.reasons,
        createdAt: at,
        status,
        deliveredAt,
        acknowledgedAt,
        outcomeAt,
      });
      if (reported && outcomeAt !== null) {
        deals.push({
          client,
          service: recommendation.service,
          lead: candidate.lead,
          outcome: accepts ? "accepted" : "declined",
          amount: accepts ? dealAmount(category, random) : null,
          reportedBy: "partner",
          occurredAt: outcomeAt,
        });
      }
    }
  }
}
