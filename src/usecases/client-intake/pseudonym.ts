/**
 * The keyed hash under which a company's CRM id is stored: the clear id never reaches storage, and
 * the same CRM id at two companies gives two unrelated pseudonyms.
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { pseudonymize } from "../../lib/crypto";

/**
 * The pseudonym of `externalId` at `companyId`. Refuses to run without the root key (`unavailable`,
 * naming the refused `intake`): an empty HMAC key would make the pseudonyms guessable.
 */
export async function clientPseudonym(
  env: Pick<Env, "PSEUDONYM_KEY">,
  companyId: string,
  externalId: string,
  intake: "Client intake" | "Lead intake" = "Client intake",
): Promise<string> {
  if (!env.PSEUDONYM_KEY) {
    throw new DomainError("unavailable", `${intake} is not configured on this deployment; nothing was stored`);
  }
  return pseudonymize(env.PSEUDONYM_KEY, companyId, externalId);
}
