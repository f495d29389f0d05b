/**
 * Puts a validated client profile into the vocabularies: `region` becomes its canonical code and
 * every `needs` tag must be an active tag of the taxonomy. Whatever does not map is refused with
 * 422 `unprocessable`, one error per offending path, and the refused value is never repeated.
 */
import type { ErrorItem } from "../errors";
import { canonicalRegion } from "./regions";

export interface VocabularyProfile {
  region: string;
  needs?: readonly string[] | undefined;
}

export type InVocabulary<P extends VocabularyProfile> =
  | { ok: true; profile: P & { region: string; needs: string[] } }
  | { ok: false; errors: ErrorItem[] };

/**
 * The profile with its region canonical and its needs checked against `activeNeeds`, or the
 * errors (paths under `basePath`).
 */
export function profileInVocabulary<P extends VocabularyProfile>(
  profile: P,
  activeNeeds: ReadonlySet<string>,
  basePath: readonly string[],
): InVocabulary<P> {
  const errors: ErrorItem[] = [];
  const region = canonicalRegion(profile.region);
  if (region === null) {
    errors.push({
      code: "unprocessable",
      message:
        "region must be an ISO 3166-2:RU subject code (e.g. RU-MOW, RU-KYA) or an ISO 3166-1 country code for " +
        "clients abroad; GET /v1/vocabularies lists them",
      path: [...basePath, "region"],
    });
  }
  const needs = profile.needs ?? [];
  needs.forEach((tag, index) => {
    if (!activeNeeds.has(tag)) {
      errors.push({
        code: "unprocessable",
        message: "Unknown need tag: use a code of the needs taxonomy (GET /v1/vocabularies)",
        path: [...basePath, "needs", String(index)],
      });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  // Duplicates are dropped only now, so that the paths above point into the request as sent.
  return { ok: true, profile: { ...profile, region: region!, needs: [...new Set(needs)] } };
}
