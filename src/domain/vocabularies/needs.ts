/**
 * The needs taxonomy: the closed vocabulary of a client's `needs` tags. Admins manage it (stored
 * in D1, src/storage/vocabularies.ts); this module holds its rules and the tags it is seeded with.
 */
import { z } from "zod";

/** A need tag's code: a lowercase slug of 2–40 characters (it travels in the lead document). */
export const NEED_CODE_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
export const NEED_CODE_MAX_LENGTH = 40;
export const NEED_LABEL_MAX_LENGTH = 120;

export const needCodeSchema = z
  .string({ error: "code must be a string" })
  .min(2, { error: `code must be 2 to ${NEED_CODE_MAX_LENGTH} characters` })
  .max(NEED_CODE_MAX_LENGTH, { error: `code must be 2 to ${NEED_CODE_MAX_LENGTH} characters` })
  .regex(NEED_CODE_PATTERN, { error: "code must be a lowercase slug such as mortgage or home-internet" })
  .meta({ description: "Lowercase slug (2–40 characters)", example: "pets" });

export const needGroupSchema = z
  .string({ error: "group must be a string" })
  .min(2, { error: "group must be 2 to 40 characters" })
  .max(40, { error: "group must be 2 to 40 characters" })
  .regex(NEED_CODE_PATTERN, { error: "group must be a lowercase slug such as finance" })
  .meta({
    description: "Group of the tag (lowercase slug), for CRMs that show the taxonomy as a tree",
    example: "lifestyle",
  });

const labelSchema = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(NEED_LABEL_MAX_LENGTH, { error: `${field} must be at most ${NEED_LABEL_MAX_LENGTH} characters` });

export const needLabelRuSchema = labelSchema("label_ru").meta({
  description: "Russian label",
  example: "Домашние животные",
});
export const needLabelEnSchema = labelSchema("label_en").meta({
  description: "English label",
  example: "Pets",
});

/** One tag of the taxonomy. Inactive tags are refused on new input; stored ones are kept. */
export interface NeedTag {
  code: string;
  labelRu: string;
  labelEn: string;
  group: string;
  active: boolean;
}

/** The tags the taxonomy is seeded with (the demo bank's tags); `migrations/control/0000_init.sql` inserts them. */
export const SEED_NEED_TAGS: ReadonlyArray<Omit<NeedTag, "active">> = [
  { code: "credit", labelRu: "Кредит", labelEn: "Credit", group: "finance" },
  { code: "savings", labelRu: "Сбережения", labelEn: "Savings", group: "finance" },
  { code: "investing", labelRu: "Инвестиции", labelEn: "Investing", group: "finance" },
  { code: "retirement", labelRu: "Пенсия", labelEn: "Retirement", group: "finance" },
  { code: "insurance", labelRu: "Страхование", labelEn: "Insurance", group: "finance" },
  { code: "cashback", labelRu: "Кешбэк", labelEn: "Cashback", group: "finance" },
  { code: "business", labelRu: "Бизнес", labelEn: "Business", group: "finance" },
  { code: "housing", labelRu: "Жильё", labelEn: "Housing", group: "home" },
  { code: "home-internet", labelRu: "Домашний интернет", labelEn: "Home internet", group: "home" },
  { code: "groceries", labelRu: "Продукты", labelEn: "Groceries", group: "home" },
  { code: "family", labelRu: "Семья", labelEn: "Family", group: "family" },
  { code: "children", labelRu: "Дети", labelEn: "Children", group: "family" },
  { code: "education", labelRu: "Образование", labelEn: "Education", group: "family" },
  { code: "car", labelRu: "Автомобиль", labelEn: "Car", group: "lifestyle" },
  { code: "health", labelRu: "Здоровье", labelEn: "Health", group: "lifestyle" },
  { code: "sport", labelRu: "Спорт", labelEn: "Sport", group: "lifestyle" },
  { code: "travel", labelRu: "Путешествия", labelEn: "Travel", group: "lifestyle" },
  { code: "mobile", labelRu: "Мобильная связь", labelEn: "Mobile", group: "lifestyle" },
];
