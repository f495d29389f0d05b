/**
 * How long each kind of client data stays in D1 (docs/storage.md, "Retention"), from the Worker's
 * variables: a missing or empty variable takes the default; anything but a whole number in range is
 * a configuration error, refused loudly (the housekeeping run fails and logs it) rather than guessed.
 */
import { DomainError } from "./errors";

export interface RetentionPolicy {
  /** Raw scored candidates are deleted this many days after they were scored. */
  candidateDays: number;
  /** Daily candidate rollups are deleted this many days after their day (≥ the longest report window). */
  rollupDays: number;
  /** Closed leads (accepted, declined, failed, expired) untouched this long move to the R2 archive. */
  leadArchiveDays: number;
  /** Most leads one housekeeping run archives per shard (the run's bounded step). */
  archiveLeadsPerRun: number;
  /** Most raw candidates (or rollup rows) one run deletes per shard. */
  purgeRowsPerRun: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  candidateDays: 30,
  rollupDays: 400,
  leadArchiveDays: 90,
  archiveLeadsPerRun: 2_000,
  purgeRowsPerRun: 50_000,
};

/** The variables that configure retention (wrangler.toml `[vars]`). */
export interface RetentionVariables {
  CANDIDATE_RETENTION_DAYS?: string;
  ROLLUP_RETENTION_DAYS?: string;
  LEAD_ARCHIVE_AFTER_DAYS?: string;
  ARCHIVE_LEADS_PER_RUN?: string;
}

/** Lead statuses after which nothing more happens to a lead but an occasional late outcome. */
export const CLOSED_LEAD_STATUSES = ["accepted", "declined", "failed", "expired"] as const;

/** The longest analytics window is 366 days: rollups must outlive it. */
const MIN_ROLLUP_DAYS = 366;

function whole(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DomainError("validation_failed", `${name} must be a whole number from ${min} to ${max}, got "${raw}"`, [
      "env",
      name,
    ]);
  }
  return value;
}

/** @throws DomainError `validation_failed` naming the variable. */
export function retentionPolicy(vars: RetentionVariables): RetentionPolicy {
  return {
    candidateDays: whole("CANDIDATE_RETENTION_DAYS", vars.CANDIDATE_RETENTION_DAYS, 30, 1, 3650),
    rollupDays: whole("ROLLUP_RETENTION_DAYS", vars.ROLLUP_RETENTION_DAYS, 400, MIN_ROLLUP_DAYS, 36500),
    leadArchiveDays: whole("LEAD_ARCHIVE_AFTER_DAYS", vars.LEAD_ARCHIVE_AFTER_DAYS, 90, 1, 3650),
    archiveLeadsPerRun: whole("ARCHIVE_LEADS_PER_RUN", vars.ARCHIVE_LEADS_PER_RUN, 2_000, 1, 50_000),
    purgeRowsPerRun: DEFAULT_RETENTION.purgeRowsPerRun,
  };
}
