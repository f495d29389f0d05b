/**
 * Puts an audience filter into the vocabularies: regions to canonical codes, needs checked against
 * the active tags, services by code to their ids. A value that does not map is refused with 422
 * `unprocessable` at its path, and nothing is counted.
 */
import {
  type AudienceFilter,
  type AudienceFilterInput,
  ageRangesOf,
  canonicalAudienceFilter,
} from "../../domain/audiences/filter";
import { DomainError } from "../../domain/errors";
import { canonicalRegion } from "../../domain/vocabularies/regions";
import type { AudienceCriteria } from "../../storage/audiences";
import type { Db } from "../../storage/db";
import { listServiceRefs } from "../../storage/services";
import { activeNeedCodes } from "../../storage/vocabularies";

export interface ResolvedAudience {
  filter: AudienceFilter;
  criteria: AudienceCriteria;
}

/** The canonical filter and its stored criteria, or `unprocessable` naming each unknown value. */
export async function resolveAudience(
  control: Db,
  input: AudienceFilterInput,
  basePath: readonly string[],
): Promise<ResolvedAudience> {
  const [needs, services] = await Promise.all([activeNeedCodes(control), listServiceRefs(control)]);
  const serviceIdByCode = new Map(services.map((s) => [s.code, s.id]));
  const errors: Array<{ message: string; path: string[] }> = [];
  const regions = (input.regions ?? []).map((value, index) => {
    const region = canonicalRegion(value);
    if (region === null) {
      errors.push({
        message: "Unknown region: use a code of GET /v1/vocabularies `regions`",
        path: [...basePath, "regions", String(index)],
      });
    }
    return region ?? value;
  });
  (input.needs ?? []).forEach((tag, index) => {
    if (!needs.has(tag)) {
      errors.push({
        message: "Unknown need tag: use a code of GET /v1/vocabularies `needs`",
        path: [...basePath, "needs", String(index)],
      });
    }
  });
  (input.services ?? []).forEach((code, index) => {
    if (!serviceIdByCode.has(code)) {
      errors.push({
        message: "Unknown service code: use a code of GET /v1/vocabularies `services`",
        path: [...basePath, "services", String(index)],
      });
    }
  });
  if (errors.length > 0) throw DomainError.many("unprocessable", errors);
  const filter = canonicalAudienceFilter({ ...input, regions });
  return { filter, criteria: criteriaOf(filter, serviceIdByCode) };
}

/** The stored criteria of a canonical filter (services by id; an unknown code matches nothing). */
export function criteriaOf(filter: AudienceFilter, serviceIdByCode: ReadonlyMap<string, string>): AudienceCriteria {
  return {
    ageRanges: ageRangesOf(filter),
    genders: filter.genders ?? [],
    regions: filter.regions ?? [],
    needs: filter.needs ?? [],
    serviceIds: (filter.services ?? []).map((code) => serviceIdByCode.get(code) ?? `unknown:${code}`),
  };
}

/** The criteria of a stored canonical filter (a guard comparison, a campaign's audience). */
export async function criteriaOfStored(control: Db, filter: AudienceFilter): Promise<AudienceCriteria> {
  const services = await listServiceRefs(control);
  return criteriaOf(filter, new Map(services.map((s) => [s.code, s.id])));
}
