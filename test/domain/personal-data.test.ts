import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors";
import {
  assertNoPersonalData,
  classifyKey,
  classifyNumber,
  classifyString,
  findPersonalData,
  findPersonalDataInIdentifier,
  isInnValid,
  isLuhnValid,
  isSnilsValid,
  MAX_REPORTED_FINDINGS,
  type PersonalDataKind,
  personalDataError,
} from "../../src/domain/personal-data";
import { knownClean } from "../../src/domain/personal-data-text";

describe("checksums", () => {
  it("Luhn accepts real test card numbers and rejects a changed digit", () => {
    for (const card of ["4111111111111111", "5500000000000004", "378282246310005", "2200700000000009"]) {
      expect(isLuhnValid(card), card).toBe(true);
    }
    expect(isLuhnValid("4111111111111112")).toBe(false);
  });

  it("INN: 10-digit (organisation) and 12-digit (person) check digits", () => {
    expect(isInnValid("7707083893")).toBe(true);
    expect(isInnValid("7707083894")).toBe(false);
    expect(isInnValid("500100732259")).toBe(true);
    expect(isInnValid("500100732250")).toBe(false);
    expect(isInnValid("77070838")).toBe(false);
  });

  it("SNILS: check number modulo 101; pre-checksum numbers are not recognised", () => {
    expect(isSnilsValid("11223344595")).toBe(true);
    expect(isSnilsValid("11223344596")).toBe(false);
    expect(isSnilsValid("00100199800")).toBe(false);
  });
});

describe("field names", () => {
  const personal: Array<[string, PersonalDataKind]> = [
    ["name", "name"],
    ["first_name", "name"],
    ["firstName", "name"],
    ["LastName", "name"],
    ["surname", "name"],
    ["full_name", "name"],
    ["fio", "name"],
    ["patronymic", "name"],
    ["client_name", "name"],
    ["imya", "name"],
    ["familiya", "name"],
    ["otchestvo", "name"],
    ["Имя", "name"],
    ["фамилия", "name"],
    ["Отчество", "name"],
    ["ФИО", "name"],
    ["phone", "phone"],
    ["phoneNumber", "phone"],
    ["mobile", "phone"],
    ["tel", "phone"],
    ["telefon", "phone"],
    ["nomer_telefona", "phone"],
    ["телефон", "phone"],
    ["email", "email"],
    ["e_mail", "email"],
    ["E-Mail", "email"],
    ["pochta", "email"],
    ["почта", "email"],
    ["passport", "passport"],
    ["passport_number", "passport"],
    ["pasport", "passport"],
    ["паспорт", "passport"],
    ["inn", "inn"],
    ["ИНН", "inn"],
    ["snils", "snils"],
    ["СНИЛС", "snils"],
    ["card", "card"],
    ["card_number", "card"],
    ["pan", "card"],
    ["address", "address"],
    ["homeAddress", "address"],
    ["street", "address"],
    ["house", "address"],
    ["apartment", "address"],
    ["adres", "address"],
    ["адрес", "address"],
    ["улица", "address"],
    ["birth_date", "birth_date"],
    ["dateOfBirth", "birth_date"],
    ["dob", "birth_date"],
    ["data_rozhdeniya", "birth_date"],
    ["дата рождения", "birth_date"],
  ];
  it.each(personal)("%s → %s", (key, kind) => {
    expect(classifyKey(key)).toBe(kind);
  });

  const harmless = [
    "age",
    "monthly_income",
    "region",
    "gender",
    "needs",
    "services",
    "external_id",
    "service_name",
    "company_name",
    "household_size",
    "family_status",
    "hotel",
    "internet",
    "company",
    "visit_date",
    "created_at",
    "last_purchase_date",
    "time_span",
    "возраст",
    "доход",
  ];
  it.each(harmless)("%s is not personal", (key) => {
    expect(classifyKey(key)).toBeNull();
  });
});

describe("values", () => {
  const personal: Array<[string, PersonalDataKind]> = [
    ["ivan.petrov@mail.ru", "email"],
    ["иван@почта.рф", "email"],
    ["write to ivan@example.com please", "email"],
    ["+7 (916) 123-45-67", "phone"],
    ["+79161234567", "phone"],
    ["8 916 123 45 67", "phone"],
    ["8-916-123-45-67", "phone"],
    ["89161234567", "phone"],
    ["(495) 123-45-67", "phone"],
    ["9031234567", "phone"],
    ["+442071234567", "phone"],
    ["ivan-79161234567", "phone"],
    ["4111 1111 1111 1111", "card"],
    ["4111111111111111", "card"],
    ["2200-7000-0000-0009", "card"],
    ["378282246310005", "card"],
    ["112-233-445 95", "snils"],
    ["11223344595", "snils"],
    ["7707083893", "inn"],
    ["500100732259", "inn"],
    ["4510 123456", "passport"],
    ["45 10 123456", "passport"],
    ["4510 № 123456", "passport"],
    ["4510123456", "passport"],
    // Disguises found by the audit (issue 11): "_" and Unicode dashes, numbers inside longer text,
    // names, addresses and dates by their value, e-mails as slugs, look-alike characters.
    ["8_912_345_67_89", "phone"],
    ["8\u2012912\u2013345\u201467\u221289", "phone"],
    ["call-9123456789", "phone"],
    ["\uff18\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19", "phone"],
    ["8 9l2 345 67 8O", "phone"],
    ["8\u200b912\u00ad345 67 89", "phone"],
    ["ivanov-ivan-ivanovich", "name"],
    ["Иванова_Мария_Петровна", "name"],
    ["Ivanоvich", "name"],
    ["ivanov_mail_ru", "email"],
    ["ivan-ivanov-at-gmail-com", "email"],
    ["ul-lenina-d-5-kv-12", "address"],
    ["ул. Ленина, д. 5, кв. 12", "address"],
    ["12_03_1985", "birth_date"],
    ["1990-01-01", "birth_date"],
    ["12 марта 1985", "birth_date"],
    ["40817810099910004312", "account"],
  ];
  it.each(personal)("%s → %s", (value, kind) => {
    expect(classifyString(value)).toBe(kind);
  });

  const harmless = [
    "150000",
    "msk",
    "77",
    "ru-mow",
    "mortgage",
    "car-insurance",
    "2024-plan",
    "2024-05-17",
    "17.05.2024",
    "2024-05-17T10:00:00.000Z",
    "RU-KYA",
    "home-internet",
    "Expo Bank: savings for retirement",
    "1716000000000",
    "4111111111111112",
    "123-45-67",
    "crm-000123",
    "",
  ];
  it.each(harmless)("%j is not personal", (value) => {
    expect(classifyString(value)).toBeNull();
  });

  it("numbers: incomes, ages and epoch timestamps pass; phones, cards and INNs written as numbers do not", () => {
    for (const harmless of [34, 150000, 9_999_999, 999_999_999, 1_000_000_000, 1716000000000, 150000.5, -79161234567]) {
      expect(classifyNumber(harmless), String(harmless)).toBeNull();
    }
    expect(classifyNumber(79161234567)).toBe("phone");
    expect(classifyNumber(4111111111111111)).toBe("card");
    expect(classifyNumber(7707083893)).toBe("inn");
    expect(classifyNumber(11223344595)).toBe("snils");
  });

  it("identifiers: numeric CRM ids pass; e-mails, phones, cards, SNILS and INN-12 are refused", () => {
    for (const id of ["1234567890", "7707083893", "4510123456", "crm-000123", "00042", "1716000000000", "a.b:c-d_e"]) {
      expect(classifyString(id, "identifier"), id).toBeNull();
    }
    expect(classifyString("ivan@mail.ru", "identifier")).toBe("email");
    expect(classifyString("+79161234567", "identifier")).toBe("phone");
    expect(classifyString("89161234567", "identifier")).toBe("phone");
    expect(classifyString("4111111111111111", "identifier")).toBe("card");
    expect(classifyString("11223344595", "identifier")).toBe("snils");
    expect(classifyString("500100732259", "identifier")).toBe("inn");
  });

  it("scans long strings in linear time", () => {
    const started = Date.now();
    expect(classifyString(`${"a".repeat(500_000)}@`)).toBeNull();
    expect(classifyString("1 ".repeat(200_000))).toBeNull();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("findPersonalData", () => {
  it("reports each offending path under the base path: keys, values, nested, arrays", () => {
    const body = {
      age: 34,
      monthly_income: 150000,
      region: "msk",
      needs: ["mortgage", "travel", "ivan@mail.ru"],
      phone: "+7 916 123-45-67",
      extra: { contact: { телефон: "x" }, list: [{ note: "4111 1111 1111 1111" }] },
    };
    expect(findPersonalData(body, ["body"])).toEqual([
      { path: ["body", "needs", "2"], kind: "email", source: "value" },
      { path: ["body", "phone"], kind: "phone", source: "field" },
      { path: ["body", "extra", "contact", "телефон"], kind: "phone", source: "field" },
      { path: ["body", "extra", "list", "0", "note"], kind: "card", source: "value" },
    ]);
  });

  it("a legitimate profile has no findings", () => {
    const body = {
      external_id: "7707083893",
      age: 34,
      monthly_income: 1_000_000_000,
      region: "77",
      gender: null,
      needs: ["mortgage", "2024-plan", "kids"],
      services: { credit_card: 1, mobile_plan: -1, home_address_insurance: 1 },
    };
    expect(findPersonalData(body, ["body"])).toEqual([]);
  });

  it("does not search inside a field whose name is personal (one item per field)", () => {
    expect(findPersonalData({ address: { street: "Tverskaya", house: "12" } })).toEqual([
      { path: ["address"], kind: "address", source: "field" },
    ]);
  });

  it("service-code keys are codes, not field names, but are still checked as identifiers", () => {
    expect(findPersonalData({ services: { credit_card: 1, "ivan@mail.ru": 1 } }, ["body"])).toEqual([
      { path: ["body", "services"], kind: "email", source: "key" },
    ]);
  });

  it("a key that is itself personal data is reported at its object, so the path never repeats it", () => {
    const findings = findPersonalData({ contacts: { "+79161234567": "primary" } }, ["body"]);
    expect(findings).toEqual([{ path: ["body", "contacts"], kind: "phone", source: "key" }]);
    expect(JSON.stringify(findings)).not.toContain("79161234567");
  });

  it("external_id values use the identifier rules (a numeric CRM id is fine, an e-mail is not)", () => {
    expect(findPersonalData({ clients: [{ external_id: "7707083893" }] })).toEqual([]);
    expect(findPersonalData({ clients: [{ external_id: "a@b.ru" }] })).toEqual([
      { path: ["clients", "0", "external_id"], kind: "email", source: "value" },
    ]);
  });

  it("survives very deep nesting without overflowing the stack", () => {
    let deep: unknown = { phone: "x" };
    for (let i = 0; i < 50_000; i++) deep = [deep];
    const findings = findPersonalData(deep);
    expect(findings).toHaveLength(1);
    expect(findings[0].path).toHaveLength(50_001);
  });

  it("findPersonalDataInIdentifier reports the given path", () => {
    expect(findPersonalDataInIdentifier("ivan@mail.ru", ["params", "external_id"])).toEqual([
      { path: ["params", "external_id"], kind: "email", source: "value" },
    ]);
    expect(findPersonalDataInIdentifier("crm-42", ["params", "external_id"])).toEqual([]);
  });
});

describe("the personal_data error", () => {
  it("is 422 personal_data with one item per path, naming the kind and never the value", () => {
    const body = { phone: "+79161234567", needs: ["ivan@mail.ru"], note: "4510 123456" };
    let error: unknown;
    try {
      assertNoPersonalData(body, ["body"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    const appError = error as DomainError;
    expect(appError.code).toBe("personal_data");
    expect(appError.items.map((item) => [item.code, item.path])).toEqual([
      ["personal_data", ["body", "phone"]],
      ["personal_data", ["body", "needs", "0"]],
      ["personal_data", ["body", "note"]],
    ]);
    expect(appError.items[0].message).toContain("phone number");
    expect(appError.items[1].message).toContain("e-mail address");
    expect(appError.items[2].message).toContain("passport number");
    const text = JSON.stringify(appError.items);
    for (const value of ["79161234567", "ivan@mail.ru", "123456"]) expect(text).not.toContain(value);
  });

  it("does not throw for anonymized data", () => {
    expect(() => assertNoPersonalData({ age: 30, monthly_income: 150000, region: "msk" })).not.toThrow();
  });

  it("caps the items and counts the rest", () => {
    const needs = Array.from({ length: MAX_REPORTED_FINDINGS + 5 }, (_, i) => `user${i}@mail.ru`);
    const error = personalDataError(findPersonalData({ needs }, ["body"]));
    expect(error.items).toHaveLength(MAX_REPORTED_FINDINGS + 1);
    expect(error.items.at(-1)).toEqual({
      code: "personal_data",
      message: "Personal data is not accepted: 5 more fields carry personal data",
    });
  });
});

describe("the memory of clean strings", () => {
  it("remembers clean short strings and never a flagged one", () => {
    const phone = "+7 916 555-01-23";
    expect(classifyString("expo-property-insurance")).toBeNull();
    expect(knownClean("expo-property-insurance", "value")).toBe(true);
    expect(classifyString(phone)).toBe("phone");
    expect(knownClean(phone, "value")).toBe(false);
    expect(classifyString(phone)).toBe("phone");
    // Per mode: a value read clean says nothing of the identifier rules.
    expect(knownClean("expo-property-insurance", "identifier")).toBe(false);
  });
});
