/** Admin: the offer text of each service per locale, checked so it never speaks of a person's finances. */
import { type OfferLocale, offerTextProblems } from "../../domain/bot/offer-text";
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { deleteOfferText, listOfferTexts, putOfferText } from "../../storage/bot";
import { getServiceByCode } from "../../storage/services";
import { controlDb } from "../../storage/shards";

export interface OfferTextView {
  service: string;
  locale: string;
  text: string;
  updated_at: string;
  updated_by: string;
}

export async function listBotOfferTexts(env: Env, locale?: OfferLocale): Promise<OfferTextView[]> {
  const rows = await listOfferTexts(controlDb(env), locale);
  return rows.map((r) => ({
    service: r.serviceCode,
    locale: r.locale,
    text: r.text,
    updated_at: new Date(r.updatedAt).toISOString(),
    updated_by: r.updatedBy,
  }));
}

/** @throws DomainError not_found (unknown service), validation_failed (the text's problems, each named) */
export async function putBotOfferText(
  env: Env,
  input: { serviceCode: string; locale: OfferLocale; text: string; actor: string; now: number },
): Promise<OfferTextView> {
  const problems = offerTextProblems(input.text);
  if (problems.length > 0) {
    throw DomainError.many(
      "validation_failed",
      problems.map((message) => ({ message, path: ["body", "text"] })),
    );
  }
  const db = controlDb(env);
  const service = await getServiceByCode(db, input.serviceCode);
  if (!service) throw new DomainError("not_found", `Service ${input.serviceCode} not found`, ["params", "service"]);
  const text = input.text.trim();
  await putOfferText(db, {
    serviceId: service.id,
    locale: input.locale,
    text,
    updatedAt: input.now,
    updatedBy: input.actor,
  });
  return {
    service: service.code,
    locale: input.locale,
    text,
    updated_at: new Date(input.now).toISOString(),
    updated_by: input.actor,
  };
}

/** @throws DomainError not_found */
export async function deleteBotOfferText(env: Env, serviceCode: string, locale: OfferLocale): Promise<void> {
  const db = controlDb(env);
  const service = await getServiceByCode(db, serviceCode);
  if (!service || !(await deleteOfferText(db, service.id, locale))) {
    throw new DomainError("not_found", `No ${locale} offer text for service ${serviceCode}`);
  }
}
