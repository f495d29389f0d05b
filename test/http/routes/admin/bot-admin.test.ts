/** Admin routes of the Telegram bot: offer texts (and their financial-words guard) and earn rules. */
import { beforeEach, describe, expect, it } from "vitest";
import { api, errorCode, resetDatabase, seedCompany, seedKey, seedService } from "../../../harness";

beforeEach(resetDatabase);

describe("bot admin", () => {
  it("stores, lists and removes offer texts; refuses texts about a person's finances, each problem named", async () => {
    const company = await seedCompany({ name: "Insurer" });
    await seedService(company.id, { code: "property-ins" });
    const put = await api("PUT", "/v1/admin/bot/offer-texts/property-ins/ru", { body: { text: "Защитите квартиру." } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ service: "property-ins", locale: "ru", text: "Защитите квартиру." });
    const refused = await api("PUT", "/v1/admin/bot/offer-texts/property-ins/ru", {
      body: { text: "При вашем доходе и балансе {сумма} — выгодно!" },
    });
    expect(refused.status).toBe(400);
    expect(errorCode(refused)).toBe("validation_failed");
    expect(refused.body.errors.map((e: { message: string }) => e.message)).toEqual([
      expect.stringContaining("доход"),
      expect.stringContaining("баланс"),
      expect.stringContaining("templates"),
    ]);
    expect((await api("PUT", "/v1/admin/bot/offer-texts/nope/ru", { body: { text: "x" } })).status).toBe(404);
    expect((await api("PUT", "/v1/admin/bot/offer-texts/property-ins/de", { body: { text: "x" } })).status).toBe(400);
    const list = await api("GET", "/v1/admin/bot/offer-texts");
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].text).toBe("Защитите квартиру.");
    expect((await api("DELETE", "/v1/admin/bot/offer-texts/property-ins/ru")).status).toBe(204);
    expect((await api("DELETE", "/v1/admin/bot/offer-texts/property-ins/ru")).status).toBe(404);
  });

  it("sets earn rules and refuses other keys", async () => {
    const put = await api("PUT", "/v1/admin/bot/earn-rules/survey_completed", {
      body: { points: 50, lifetime_days: 365 },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ event: "survey_completed", points: 50, lifetime_days: 365, active: true });
    expect(
      (await api("PUT", "/v1/admin/bot/earn-rules/birthday", { body: { points: 5, lifetime_days: 1 } })).status,
    ).toBe(400);
    expect(
      (await api("PUT", "/v1/admin/bot/earn-rules/rating_given", { body: { points: -5, lifetime_days: 1 } })).status,
    ).toBe(400);
    expect((await api("GET", "/v1/admin/bot/earn-rules")).body.items).toHaveLength(1);
    const company = await seedCompany();
    const crm = await seedKey("crm", company.id);
    const forbidden = await api("GET", "/v1/admin/bot/earn-rules", { key: crm.key });
    expect(forbidden.status).toBe(403);
    expect((await api("GET", `/v1/admin/companies/${company.id}/bot-entry`, { key: crm.key })).status).toBe(403);
  });
});
