/** The services a body's `services` map names, resolved against the catalogue. */
import { assertKnownServiceCodes } from "../../domain/validation";
import { resolveServiceCodes } from "../../storage/clients";
import type { Db } from "../../storage/db";

/** A catalogue service as an interaction needs it. */
export interface KnownService {
  id: string;
  modelIndex: number;
  active: boolean;
}

/**
 * Each code of `codes` with its service; inactive services are included (interactions with them
 * are history worth keeping).
 * @throws DomainError `validation_failed`, one item per unknown code at ["body", "services", code].
 */
export async function resolveKnownServices(db: Db, codes: readonly string[]): Promise<Map<string, KnownService>> {
  const known = await resolveServiceCodes(db, codes);
  assertKnownServiceCodes(codes, (code) => known.has(code));
  return known;
}
