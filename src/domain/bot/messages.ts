/**
 * Every text the bot sends (Russian first). Offer messages are an admin's text and the names of
 * the service and its company: nothing from the person's profile is ever interpolated.
 */
import { MAX_SURVEY_NEEDS, SURVEY_AGE_BANDS } from "./survey";

export const MESSAGES = {
  refusedEntry: "Извините, эта ссылка недействительна или устарела. Попросите у компании новый QR-код или ссылку.",
  noEntry: "Здравствуйте! Чтобы начать, отсканируйте QR-код компании-партнёра или откройте её ссылку.",
  refusedConsent: "Хорошо, мы ничего не сохранили. Если передумаете, снова откройте ссылку компании.",
  askAge: "Спасибо! Короткий опрос из двух вопросов. Сколько вам лет?",
  askNeeds: `Что вам сейчас интересно? Выберите до ${MAX_SURVEY_NEEDS} тем и нажмите «Готово».`,
  tooManyNeeds: `Можно выбрать не больше ${MAX_SURVEY_NEEDS} тем.`,
  needNoNeeds: "Выберите хотя бы одну тему.",
  surveyDone: "Готово! Подбираем для вас предложения партнёров.",
  noOffers: "Сейчас подходящих предложений нет. Мы напишем, когда появятся.",
  interested: (company: string) => `Спасибо! Мы передали ваш интерес компании «${company}». Она свяжется с вами.`,
  interestNotRouted: "Спасибо за интерес! К сожалению, сейчас это предложение недоступно.",
  declined: "Понятно, больше не будем это предлагать.",
  alreadyAnswered: "Вы уже ответили на это предложение.",
  alreadyConsented: "Вы уже дали согласие. Отозвать его можно командой /stop.",
  help: "Команды: /invite — пригласить друга, /rewards — награды за баллы, /stop — отозвать согласие и удалить данные.",
  invite: (code: string, link: string) =>
    `Ваш код приглашения: ${code}\nОтправьте другу ссылку: ${link}\n` +
    "Друг может и просто написать боту этот код. Когда друг оформит первую услугу, вы получите баллы.",
  referralAccepted: "Код приглашения принят. Спасибо, что пришли по приглашению!",
  referralUnknown: "Такого кода приглашения нет. Проверьте код и отправьте его ещё раз.",
  referralRefused: {
    self_referral: "Это ваш собственный код: отправьте его другу.",
    already_referred: "Вы уже пришли по приглашению, второй код указать нельзя.",
    already_customer: "Код приглашения действует только до первой оформленной услуги.",
    usage_limit: "По этому коду уже пришло наибольшее число друзей, он больше не действует.",
  },
  referralRewarded: "Ваш друг оформил первую услугу. Спасибо за приглашение: баллы начислены!",
  dealRewarded: "Спасибо, что оформили услугу через бота: баллы начислены!",
  withdrawn: "Согласие отозвано, данные удалены.",
  askRating: (company: string) =>
    `Компания «${company}» оформила для вас услугу. Оцените, пожалуйста, качество обслуживания.`,
  thanksForRating: "Спасибо за оценку!",
  rewardsIntro: "Награды за баллы от компаний-партнёров:",
  noRewards: "Сейчас наград нет. Загляните позже.",
  rewardButton: (title: string, cost: number) => `${title} — ${cost} баллов`,
  rewardUnavailable: "Эта награда больше недоступна.",
  notEnoughPoints: "Баллов пока не хватает на эту награду.",
  redeemed: (title: string, company: string) =>
    `Готово: «${title}» от компании «${company}». Компания свяжется с вами, чтобы выдать награду.`,
  agreeButton: "Согласен",
  refuseButton: "Не согласен",
  withdrawButton: "Отозвать согласие",
  needsDoneButton: "Готово",
  inviteButton: "Пригласить друга",
  interestedButton: "Интересно",
  notForMeButton: "Не для меня",
} as const;

/** An offer as the person sees it: the admin's text signed by the company, and nothing else. */
export function offerMessage(offerText: string, serviceName: string, companyName: string): string {
  return `${serviceName}\n\n${offerText.trim()}\n\n— ${companyName}`;
}

/** Age-band button labels (the bands themselves, shown to everybody alike). */
export const AGE_BAND_LABELS: ReadonlyArray<readonly [band: string, label: string]> = SURVEY_AGE_BANDS.map((band) => [
  band,
  band === "65+" ? "65 и старше" : `${band.replace("-", "–")}`,
]);
