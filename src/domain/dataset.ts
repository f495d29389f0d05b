/**
 * The columnar client × service dataset shared by the demo generator, offline evaluation,
 * benchmarks and the full model rebuild. Columns are typed arrays so that a million clients fit
 * in memory without one object per client or per interaction.
 */

/** Gender codes used in `ClientFeatureColumns.gender`. */
export const GENDER_UNKNOWN = 0;
export const GENDER_FEMALE = 1;
export const GENDER_MALE = 2;

/** Anonymized profile features, one entry per client row. */
export interface ClientFeatureColumns {
  count: number;
  /** Age in years. */
  age: Float32Array;
  /** Monthly income in RUB. */
  monthlyIncome: Float32Array;
  /** Index into `Dataset.regions`. */
  region: Uint16Array;
  /** GENDER_UNKNOWN | GENDER_FEMALE | GENDER_MALE. */
  gender: Int8Array;
  /** CSR row pointers into `needsIdx` (length count + 1). */
  needsPtr: Int32Array;
  /** Index into `Dataset.needsVocabulary`. */
  needsIdx: Uint16Array;
}

/** The interaction matrix R in CSR form: only non-zero cells are stored. */
export interface InteractionCsr {
  /** Row pointers (length clients + 1). */
  rowPtr: Int32Array;
  /** Service model index of each stored cell, ascending within a row. */
  col: Int32Array;
  /** 1 = uses the service, -1 = declined an offer of it. */
  value: Int8Array;
  /** Optional epoch-ms time of each cell (temporal splits). */
  time?: Float64Array;
}

export interface Dataset {
  nServices: number;
  regions: string[];
  needsVocabulary: string[];
  clients: ClientFeatureColumns;
  interactions: InteractionCsr;
}
