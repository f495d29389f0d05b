/**
 * The bot's short survey: an age band and the person's interests (needs tags). Its answers are the
 * cold-start profile the recommender rates. Nothing financial is asked.
 */

export const SURVEY_AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"] as const;
export type SurveyAgeBand = (typeof SURVEY_AGE_BANDS)[number];

/** The age the recommender sees for a band: the band's middle (its age features are banded too). */
const REPRESENTATIVE_AGE: Record<SurveyAgeBand, number> = {
  "18-24": 21,
  "25-34": 30,
  "35-44": 40,
  "45-54": 50,
  "55-64": 60,
  "65+": 70,
};

export function isAgeBand(value: string): value is SurveyAgeBand {
  return (SURVEY_AGE_BANDS as readonly string[]).includes(value);
}

export function representativeAge(band: SurveyAgeBand): number {
  return REPRESENTATIVE_AGE[band];
}

/**
 * Interests offered in the survey: the needs tags the catalogue and the demo bank use, with their
 * Russian labels. (An admin-managed needs vocabulary replaces this list once it lands.)
 */
export const SURVEY_NEEDS: ReadonlyArray<readonly [tag: string, label: string]> = [
  ["housing", "Жильё"],
  ["car", "Автомобиль"],
  ["family", "Семья"],
  ["children", "Дети"],
  ["travel", "Путешествия"],
  ["health", "Здоровье"],
  ["sport", "Спорт"],
  ["education", "Обучение"],
  ["insurance", "Страхование"],
  ["savings", "Сбережения"],
  ["investing", "Инвестиции"],
  ["credit", "Кредиты"],
  ["cashback", "Кешбэк"],
  ["groceries", "Продукты"],
  ["mobile", "Связь"],
  ["home-internet", "Домашний интернет"],
  ["retirement", "Пенсия"],
  ["business", "Свой бизнес"],
];

/** At most this many interests per person (a short survey, and buttons fit on one screen). */
export const MAX_SURVEY_NEEDS = 5;

export function isSurveyNeed(tag: string): boolean {
  return SURVEY_NEEDS.some(([t]) => t === tag);
}

/** Toggles an interest; a sixth one is refused (returns null). */
export function toggleNeed(current: readonly string[], tag: string): string[] | null {
  if (current.includes(tag)) return current.filter((t) => t !== tag);
  if (current.length >= MAX_SURVEY_NEEDS) return null;
  return [...current, tag];
}
