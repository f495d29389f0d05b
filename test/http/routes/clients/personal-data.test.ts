import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, seedService, seedTenant } from "../../../harness";
import { clientTableCounts, profile } from "./helpers";

let crmKey: string;

beforeAll(async () => {
  const tenant = await seedTenant("Guarded Bank");
  crmKey = tenant.crmKey;
  await seedService(tenant.company.id, { code: "credit_card" });
  await seedService(tenant.company.id, { code: "mobile_plan" });
});

/** Sends the body and checks: 422 personal_data at exactly `paths`, nothing written, no value echoed. */
async function expectRefused(externalId: string, body: unknown, paths: string[][], secret?: string) {
  const before = await clientTableCounts();
  const res = await api("PUT", `/v1/clients/${externalId}`, { key: crmKey, body });
  expect(res.status).toBe(422);
  expect(errorCode(res)).toBe("personal_data");
  expect(res.body.errors.map((e: { path: string[] }) => e.path)).toEqual(paths);
  for (const error of res.body.errors) expect(error.code).toBe("personal_data");
  if (secret) expect(JSON.stringify(res.body)).not.toContain(secret);
  expect(await clientTableCounts()).toEqual(before);
  return res;
}

describe("personal-data guard on PUT /v1/clients/{external_id}", () => {
  const personalKeys: Array<[string, unknown]> = [
    ["name", "Ivan"],
    ["first_name", "Ivan"],
    ["lastName", "Petrov"],
    ["full_name", "Ivan Petrov"],
    ["fio", "Petrov I. I."],
    ["patronymic", "Ivanovich"],
    ["familiya", "Petrov"],
    ["phone", "+79161234567"],
    ["mobile", "89161234567"],
    ["telefon", "89161234567"],
    ["email", "ivan@mail.ru"],
    ["e_mail", "ivan@mail.ru"],
    ["pochta", "ivan@mail.ru"],
    ["passport", "4510 123456"],
    ["inn", "500100732259"],
    ["snils", "112-233-445 95"],
    ["card_number", "4111111111111111"],
    ["pan", "4111111111111111"],
    ["address", "Tverskaya 1"],
    ["street", "Tverskaya"],
    ["apartment", "12"],
    ["birth_date", "1990-01-01"],
    ["dob", "1990-01-01"],
    ["имя", "Иван"],
    ["фамилия", "Петров"],
    ["телефон", "+7 916 123-45-67"],
    ["паспорт", "4510 123456"],
    ["адрес", "Тверская 1"],
  ];
  it.each(personalKeys)("a %s field is refused with its path", async (key, value) => {
    const res = await expectRefused("crm-pd-key", profile({ [key]: value }), [["body", key]]);
    expect(res.body.errors[0].message).toMatch(/^Personal data is not accepted/);
  });

  const personalValues: Array<[string, string, string]> = [
    ["e-mail", "ivan.petrov@mail.ru", "e-mail address"],
    ["phone (+7)", "+7 (916) 123-45-67", "phone number"],
    ["phone (8)", "8 916 123 45 67", "phone number"],
    ["phone (E.164)", "+442071234567", "phone number"],
    ["card", "4111 1111 1111 1111", "payment card number"],
    ["SNILS", "112-233-445 95", "SNILS"],
    ["INN-10", "7707083893", "INN"],
    ["INN-12", "500100732259", "INN"],
    ["passport", "4510 123456", "passport number"],
  ];
  it.each(personalValues)("a %s value in needs is refused at its index, never echoed", async (_kind, value, label) => {
    const res = await expectRefused(
      "crm-pd-value",
      profile({ needs: ["housing", "travel", value] }),
      [["body", "needs", "2"]],
      value,
    );
    expect(res.body.errors[0].message).toContain(label);
  });

  it("finds personal data nested at any depth and reports every offending path", async () => {
    await expectRefused(
      "crm-pd-nested",
      profile({ extra: { contact: { телефон: "x", list: [{ note: "ivan@mail.ru" }] } }, region: "+79161234567" }),
      [
        ["body", "region"],
        ["body", "extra", "contact", "телефон"],
        ["body", "extra", "contact", "list", "0", "note"],
      ],
      "ivan@mail.ru",
    );
  });

  it("personal data wins over validation errors: the refusal is 422, not 400", async () => {
    await expectRefused("crm-pd-first", { age: 5, phone: "+79161234567" }, [["body", "phone"]]);
  });

  it("a service-code key that is personal data is reported at the services map, without the key", async () => {
    await expectRefused(
      "crm-pd-svc",
      profile({ services: { credit_card: 1, "ivan@mail.ru": 1 } }),
      [["body", "services"]],
      "ivan@mail.ru",
    );
  });

  it("refuses an e-mail or a phone as the external_id (422 at params.external_id)", async () => {
    await expectRefused("ivan%40mail.ru", profile(), [["params", "external_id"]], "ivan@mail.ru");
    await expectRefused("+79161234567", profile(), [["params", "external_id"]], "79161234567");
    await expectRefused("89161234567", profile(), [["params", "external_id"]], "89161234567");
    const get = await api("GET", "/v1/clients/ivan%40mail.ru", { key: crmKey });
    expect(get.status).toBe(422);
    expect(get.body.errors[0].path).toEqual(["params", "external_id"]);
  });

  it("reports the external_id and the body together", async () => {
    await expectRefused("+79161234567", profile({ email: "x" }), [
      ["params", "external_id"],
      ["body", "email"],
    ]);
  });

  it("accepts legitimate profile data that only resembles it", async () => {
    const res = await api("PUT", "/v1/clients/7707083893", {
      key: crmKey,
      body: {
        age: 45,
        monthly_income: 999_999_999,
        region: "ru-mow",
        gender: null,
        needs: ["education", "children", "insurance", "home-internet"],
        services: { credit_card: 1, mobile_plan: -1 },
      },
    });
    expect(res.status).toBe(201);
  });
});
