import type { RatedService } from "../../domain/lead-selection";
import type { NeedBoost } from "../../domain/needs/need-boost";
import type { PartScores } from "../../domain/recommender/calibration";
import type { ClientRow, StoredCell } from "../../storage/clients";
import { clientNeeds } from "../../storage/clients";
import type { LeadContext } from "../../storage/lead-context";
import type { ServingModel } from "../../storage/model-store";
import { rateWithModel, type ServingCatalog, type ServingCatalogEntry } from "../recommendations/serving";

/**
 * The lead call answers (with reasons) this many of the client's best services: it bounds the answer
 * whatever the catalogue size. Every eligible service is still rated and decided, and counted in the
 * daily rollups that the threshold preview and the calibration report read
 * (src/storage/candidate-rollups.ts).
 */
export const RATED_PER_CALL = 50;

/**
 * Raw scored candidates kept per call below the threshold: the client's best few. What reads raw rows
 * is the blend's deal samples (a deal joined to the scoring of its service before it: offered services
 * above all, and the few a CRM sells next) and the experiment report (tagged rows, all kept); the
 * reports read the rollups. Ten rows instead of fifty cut the call's biggest write by about 80 %.
 */
export const RAW_CANDIDATES_PER_CALL = 10;

/** Part-score columns of `scored_candidates`, from a recommendation's parts. */
export interface PartColumns {
  partItem: number;
  partGroup: number;
  partLink: number;
  partSegment: number;
  partPopularity: number;
  partActivity: number;
}

export interface ClientRating {
  modelVersion: string | null;
  services: RatedService[];
  partsByService: Map<string, PartColumns>;
}

/**
 * Rates the client (as it is after this call's write) with the serving model, through the same
 * serving code as the recommendation routes. Unlike them, services of paused companies are rated:
 * routing reports them as not routed, which tells the admin what the pause holds back. Inactive
 * services and services the client uses or declined within their cooldown are never rated. Without a
 * model (see `currentServingModel`, which trains the first one) the answer is empty.
 */
export function rateStoredClient(
  serving: ServingModel | null,
  input: {
    client: ClientRow;
    cells: readonly StoredCell[];
    context: LeadContext;
    now: number;
    /** The client's need boost (src/usecases/lead-call/needs.ts). */
    needBoost?: NeedBoost | null;
  },
): ClientRating {
  if (!serving) return { modelVersion: null, services: [], partsByService: new Map() };
  const { context } = input;
  const rated = rateWithModel(
    serving,
    {
      profile: {
        age: input.client.age,
        monthlyIncome: input.client.monthlyIncome,
        region: input.client.region,
        gender: input.client.gender,
        needs: clientNeeds(input.client),
      },
      cells: input.cells.flatMap((cell) => {
        const service = context.serviceById.get(cell.serviceId);
        return service ? [{ ...cell, modelIndex: service.modelIndex }] : [];
      }),
      browsing: context.browsing,
    },
    leadCatalog(context),
    context.settings,
    { now: input.now, reasonsFor: RATED_PER_CALL, needBoost: input.needBoost ?? null },
  );
  const services: RatedService[] = [];
  const partsByService = new Map<string, PartColumns>();
  for (const service of rated) {
    services.push({
      serviceIndex: service.modelIndex,
      serviceId: service.serviceId,
      serviceCode: service.code,
      category: service.category,
      companyId: service.company.id,
      rating: service.rating,
      reasons: service.reasons.map((reason) => reason.text),
    });
    partsByService.set(service.serviceId, partColumns(service.parts));
  }
  return { modelVersion: serving.pointer.version, services, partsByService };
}

/** The serving catalog as the lead call sees it: every active service is offerable. */
function leadCatalog(context: LeadContext): ServingCatalog {
  const byIndex: Array<ServingCatalogEntry | undefined> = [];
  const byCode = new Map<string, ServingCatalogEntry>();
  for (const service of context.services) {
    const entry: ServingCatalogEntry = {
      serviceId: service.id,
      code: service.code,
      name: service.name,
      category: service.category,
      modelIndex: service.modelIndex,
      offerable: service.active,
      company: { id: service.companyId, name: context.companies.get(service.companyId)?.name ?? service.companyId },
    };
    byIndex[service.modelIndex] = entry;
    byCode.set(service.code, entry);
  }
  return { byIndex, byCode };
}

function partColumns(parts: PartScores): PartColumns {
  return {
    partItem: parts.item,
    partGroup: parts.group,
    partLink: parts.link,
    partSegment: parts.segment,
    partPopularity: parts.popularity,
    partActivity: parts.activity,
  };
}
