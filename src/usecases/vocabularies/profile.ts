/**
 * The vocabulary step every client intake runs after validation: the region becomes canonical and
 * needs must be active tags of the taxonomy (src/domain/vocabularies/profile.ts).
 */
import { DomainError, type ErrorItem } from "../../domain/errors";
import { profileInVocabulary, type VocabularyProfile } from "../../domain/vocabularies/profile";
import type { Env } from "../../env";
import { controlDb } from "../../storage/shards";
import { cachedActiveNeedCodes } from "../../storage/vocabularies";
import { controlCacheTtlMs } from "../lead-call/control-cache";

/** A checker bound to the taxonomy as read once for the request. */
export interface VocabularyChecker {
  /** The profile with canonical region and checked needs, or the errors for it. */
  check<P extends VocabularyProfile>(
    profile: P,
    basePath: readonly string[],
  ): { ok: true; profile: P & { region: string; needs: string[] } } | { ok: false; errors: ErrorItem[] };
  /** The same, throwing 422 `unprocessable` naming every offending path. */
  require<P extends VocabularyProfile>(
    profile: P,
    basePath: readonly string[],
  ): P & { region: string; needs: string[] };
}

export async function vocabularyChecker(env: Env): Promise<VocabularyChecker> {
  const needs = await cachedActiveNeedCodes(controlDb(env), Date.now(), controlCacheTtlMs(env));
  return {
    check: (profile, basePath) => profileInVocabulary(profile, needs, basePath),
    require: (profile, basePath) => {
      const result = profileInVocabulary(profile, needs, basePath);
      if (!result.ok) throw DomainError.many("unprocessable", result.errors);
      return result.profile;
    },
  };
}

/** Shortcut for a single profile. */
export async function profileInVocabularies<P extends VocabularyProfile>(
  env: Env,
  profile: P,
  basePath: readonly string[],
): Promise<P & { region: string; needs: string[] }> {
  return (await vocabularyChecker(env)).require(profile, basePath);
}
