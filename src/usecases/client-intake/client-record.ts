/** A stored client as the intake use cases answer it: profile, current interactions and times. */
import type { StoredClientProfile } from "../../domain/client-profile";
import { activeClientNeeds, type ClientNeed } from "../../domain/needs/client-needs";
import { type ClientInteraction, type ClientRow, clientNeeds, type InteractionSource } from "../../storage/clients";

export interface ClientRecord {
  /** CactuBase's pseudonymous id of the client (`cl_…`). */
  clientRef: string;
  profile: StoredClientProfile;
  /** Current interaction values, by service, in model-index order. */
  interactions: Array<{ serviceCode: string; value: 1 | -1; source: InteractionSource; at: number }>;
  /** Active needs from every source (CRM, survey, inferred), strongest first. */
  needs: ClientNeed[];
  createdAt: number;
  /** Last change of the profile or of an interaction. */
  updatedAt: number;
}

export function clientRecordOf(
  row: ClientRow,
  interactions: readonly ClientInteraction[],
  needs: readonly ClientNeed[],
  now: number,
): ClientRecord {
  return {
    clientRef: row.id,
    profile: {
      age: row.age,
      monthlyIncome: row.monthlyIncome,
      region: row.region,
      gender: row.gender ?? null,
      needs: clientNeeds(row),
    },
    interactions: interactions.map((interaction) => ({
      serviceCode: interaction.serviceCode,
      value: interaction.value === 1 ? 1 : -1,
      source: interaction.source,
      at: interaction.at,
    })),
    needs: activeClientNeeds(needs, now),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
