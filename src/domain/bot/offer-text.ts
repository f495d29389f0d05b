/**
 * Offer texts are written by admins per service and shown to people as they are: no templating,
 * so no profile value can ever be put into one. A text that speaks of the person's finances
 * (income, balances, holdings) is refused when it is saved.
 */

export const OFFER_TEXT_MAX_LENGTH = 700;
export const OFFER_LOCALES = ["ru", "en"] as const;
export type OfferLocale = (typeof OFFER_LOCALES)[number];

/** Word stems about a person's own finances, Russian and English, matched case-insensitively. */
const FINANCIAL_STEMS = [
  "доход",
  "зарплат",
  "заработ",
  "баланс",
  "остаток",
  "на вашем счет",
  "на вашем счёт",
  "ваши сбережения",
  "ваш портфел",
  "ваши активы",
  "ваши вложения",
  "income",
  "salary",
  "balance",
  "your savings",
  "your holdings",
  "your portfolio",
];

/** Problems of an offer text, empty when it may be saved. */
export function offerTextProblems(text: string): string[] {
  const problems: string[] = [];
  const trimmed = text.trim();
  if (trimmed.length === 0) problems.push("text must not be empty");
  if (trimmed.length > OFFER_TEXT_MAX_LENGTH) problems.push(`text must be at most ${OFFER_TEXT_MAX_LENGTH} characters`);
  const lower = trimmed.toLowerCase();
  for (const stem of FINANCIAL_STEMS) {
    if (lower.includes(stem)) problems.push(`text must not speak of the person's finances ("${stem}")`);
  }
  if (/[{}<>]/.test(trimmed)) problems.push("text must not contain templates or markup ({ } < >)");
  return problems;
}
