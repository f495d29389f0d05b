/**
 * The consent notice the bot shows before anything else: who processes the data, for which
 * purposes, which partner companies may make offers, and how to withdraw. Its version and the hash
 * of the exact text shown are kept in the consent record.
 */

/** Bump when the wording changes (the hash changes with the partner list on its own). */
export const CONSENT_NOTICE_VERSION = "2026-12-v1";
export const CONSENT_PURPOSE = "personalised_offers_and_loyalty";
export const CONSENT_OPERATOR = "ООО «КактуБейс» (оператор платформы CactuBase)";

export interface NoticeInput {
  /** Names of the companies whose offers the person may receive, in display order. */
  partners: readonly string[];
  /** The company whose QR code or link brought the person in. */
  entryCompany: string;
}

export function consentNotice(input: NoticeInput): string {
  const partners = input.partners.length > 0 ? input.partners.join(", ") : "—";
  return [
    `Здравствуйте! Вы пришли от компании «${input.entryCompany}».`,
    "",
    `Оператор данных: ${CONSENT_OPERATOR}.`,
    "Цели: подбор персональных предложений партнёров, программа лояльности и рекомендаций.",
    "Что мы храним после согласия: ответы на короткий опрос (возрастная группа, интересы) и ваши ответы на предложения. " +
      "Ваш Telegram-идентификатор хранится только в зашифрованном и обезличенном виде.",
    `Компании-партнёры, чьи предложения вы можете получить: ${partners}.`,
    "Отозвать согласие можно в любой момент командой /stop или кнопкой «Отозвать согласие»: " +
      "ваши данные будут удалены, и бот больше не будет вам писать.",
    "",
    "До нажатия «Согласен» мы ничего о вас не сохраняем.",
  ].join("\n");
}
