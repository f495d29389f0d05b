/**
 * A generated corpus of personal data in the disguises the audit of issue 11 found (and more):
 * every kind of value (phones, cards, passports, INN, SNILS, accounts, e-mails, names, addresses,
 * dates of birth) written with spaces, "-", "_", ".", Unicode dashes and minus, no separator,
 * fullwidth digits, look-alike letters, invisible characters, and embedded in longer strings.
 * Deterministic, so a failure names a reproducible value.
 */

const PHONES = ["89123456789", "79161234567", "9123456789", "84951234567"];
/** Completes a card number prefix with its Luhn check digit. */
function withLuhn(prefix: string): string {
  for (let check = 0; check <= 9; check++) {
    const digits = `${prefix}${check}`;
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return digits;
  }
  throw new Error("unreachable");
}
/** A SNILS with its check digits. */
function snils(number: string): string {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(number[i]) * (9 - i);
  const check = sum % 101 === 100 ? 0 : sum % 101;
  return `${number}${String(check).padStart(2, "0")}`;
}
const CARDS = ["427638001234567", "546938004123456", "220070012345678", "411111111111111"].map(withLuhn);
const PASSPORTS = ["4510123456", "4603987654"];
const INNS = ["500100732259", "7707083893"];
const SNILS = [snils("112233445"), snils("123456789")];
const ACCOUNTS = ["40817810099910004312"];
const DIGIT_VALUES = [...PHONES, ...CARDS, ...PASSPORTS, ...INNS, ...SNILS, ...ACCOUNTS];

const SEPARATORS = [" ", "-", "_", ".", "\u2010", "\u2012", "\u2013", "\u2014", "\u2212", "\u00a0", ""];

/** Digits split in the groups people write them in (3-3-2-2, 4-4-4-4, …). */
function grouped(digits: string, separator: string): string {
  const groups: Record<number, number[]> = {
    10: [3, 3, 2, 2],
    11: [1, 3, 3, 2, 2],
    12: [4, 4, 4],
    16: [4, 4, 4, 4],
    20: [5, 3, 1, 4, 7],
  };
  const sizes = groups[digits.length] ?? [digits.length];
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  return parts.join(separator);
}

const FULLWIDTH = (text: string) => text.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const LOOKALIKE = (text: string) => text.replace(/0/g, "O").replace(/1/g, "l");
const INVISIBLE = (text: string) => text.split("").join("\u200b");
const EMBEDDINGS = [
  (text: string) => text,
  (text: string) => `call-${text}`,
  (text: string) => `tel ${text} after 18:00`,
  (text: string) => `note_${text}_x`,
];

const EMAILS = [
  "ivan.petrov@mail.ru",
  "i.ivanova@yandex.ru",
  "petrov_ivan@gmail.com",
  "ivanov_mail_ru",
  "ivan-ivanov-at-gmail-com",
  "petrov.ivan.yandex.ru",
  "maria-sobaka-mail-ru",
];
const NAMES = [
  "ivanov-ivan-ivanovich",
  "Иванов Иван Иванович",
  "Petrova_Maria_Sergeevna",
  "Сидорова-Анна-Петровна",
  "smirnov.aleksey.viktorovich",
  "Ivanоvich",
  "kuznetsova_olga_nikolaevna",
];
const ADDRESSES = [
  "ул. Ленина, д. 5, кв. 12",
  "ul-lenina-d-5-kv-12",
  "ulitsa_pushkina_dom_10",
  "prospekt mira 15 kv 3",
  "12 Baker Street apt 4",
  "Невский проспект 28",
];
const BIRTH_DATES = ["12.03.1985", "1985-03-12", "12_03_1985", "12/03/1985", "03.11.1990", "12 марта 1985"];

/** Every variant, distinct. */
export function personalDataCorpus(): string[] {
  const out = new Set<string>();
  for (const digits of DIGIT_VALUES) {
    for (const separator of SEPARATORS) {
      const written = grouped(digits, separator);
      for (const embed of EMBEDDINGS) out.add(embed(written));
      out.add(FULLWIDTH(written));
      out.add(LOOKALIKE(written));
      out.add(INVISIBLE(grouped(digits, "")));
    }
    out.add(`+${digits.length === 11 ? digits.replace(/^8/, "7") : digits}`);
  }
  for (const text of [...EMAILS, ...NAMES, ...ADDRESSES, ...BIRTH_DATES]) {
    for (const embed of EMBEDDINGS) out.add(embed(text));
    out.add(text.toUpperCase());
  }
  // Look-alikes can turn a value into something no longer personal ("l" and "O" in an INN that
  // starts with them); keep only variants that still carry at least ten digits or letters.
  return [...out].filter((value) => value.replace(/[^\p{L}\p{N}]/gu, "").length >= 8);
}

/** The digits of a variant (after undoing the digit disguises), to look for in storage. */
export function digitCore(value: string): string {
  return value.normalize("NFKC").replace(/[Oo]/g, "0").replace(/l/g, "1").replace(/\D/g, "");
}
