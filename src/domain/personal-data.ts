/**
 * The personal-data guard. CactuBase accepts anonymized profiles only, so every request body that
 * could carry a client is scanned, before schema validation, for field names and values that look
 * like personal data: names, phone numbers, e-mail addresses, passport / INN / SNILS numbers, card
 * numbers, postal addresses and dates of birth. A hit refuses the whole request with 422
 * `personal_data`, one error item per offending path, and the message names the kind of data found
 * but never the value.
 *
 * Pure TypeScript: no Workers APIs and no I/O, so it also runs in Node (scripts, benchmarks).
 *
 * Calibration. The guard must not refuse legitimate profile data: incomes such as 150000, region
 * codes such as "msk" or "77", needs tags, ISO dates and epoch timestamps. So digit sequences are
 * judged by their length, their layout and, where the document has one, its checksum (Luhn for
 * cards, the official check digits for INN and SNILS); numbers under 10 digits are never flagged.
 * CRM ids (the `external_id`) and the keys of code maps (service codes) are checked with narrower
 * "identifier" rules: plain numeric CRM ids are common, so the rules without a strong check (a bare
 * 10-digit passport, the single-digit INN-10 checksum that one random id in eleven meets) are left
 * out there, while e-mails, phones, card numbers, SNILS and INN-12 are still refused.
 */
import { DomainError } from "./errors";
import {
  containsAddress,
  containsBirthDate,
  containsPersonName,
  containsSlugEmail,
  DIGIT_SEPARATOR_CLASS,
  knownClean,
  latinTokens,
  normalizeForScan,
  rememberClean,
} from "./personal-data-text";

/** What kind of personal data was recognised. */
export type PersonalDataKind =
  | "name"
  | "phone"
  | "email"
  | "passport"
  | "inn"
  | "snils"
  | "card"
  | "address"
  | "birth_date"
  | "account";

/** One place in the input that carries personal data. `path` never contains the offending value. */
export interface PersonalDataFinding {
  path: string[];
  kind: PersonalDataKind;
  /**
   * "field": the field name says it holds personal data; "value": the content looks like it;
   * "key": a key of the object at `path` looks like personal data (the key is not repeated).
   */
  source: "field" | "value" | "key";
}

/** Human wording of each kind, used in error messages. */
export const PERSONAL_DATA_KIND_LABELS: Record<PersonalDataKind, string> = {
  name: "a person's name",
  phone: "a phone number",
  email: "an e-mail address",
  passport: "a passport number",
  inn: "an INN (taxpayer number)",
  snils: "a SNILS (pension insurance number)",
  card: "a payment card number",
  address: "a postal address",
  birth_date: "a date of birth",
  account: "a bank account or document number",
};

export interface PersonalDataScanOptions {
  /**
   * Field names whose object value is a map keyed by identifiers (e.g. `services`: service code →
   * value). Their keys are codes, not field names, so "credit_card" or "mobile_plan" there is not
   * a personal field; the keys are still checked with the identifier rules.
   */
  identifierMapFields?: readonly string[];
  /** Field names whose string value is an identifier (e.g. `external_id`): checked with the identifier rules. */
  identifierFields?: readonly string[];
  /**
   * Documented free-text fields whose name alone would read as personal (an admin's company or
   * service `name`): their values are scanned, their name is not held against them.
   */
  freeTextFields?: readonly string[];
}

/** The shapes of the client profile: `services` is a code map, `external_id` a CRM id. */
export const DEFAULT_SCAN_OPTIONS: Required<PersonalDataScanOptions> = {
  identifierMapFields: ["services"],
  identifierFields: ["external_id"],
  freeTextFields: [],
};

/** At most this many items are put in one error response; a final item counts the rest. */
export const MAX_REPORTED_FINDINGS = 100;

// ---------------------------------------------------------------------------------------------
// Field names
// ---------------------------------------------------------------------------------------------

/**
 * Field-name vocabulary per kind, in English, transliterated Russian and Cyrillic. A key is split
 * into lowercase word tokens (snake_case, kebab-case, camelCase, spaces) and a phrase matches when
 * the concatenation of consecutive tokens equals it ("first_name", "firstName" and "FirstName"
 * all give "firstname"). Stems match the start of a single token, for inflected Russian words
 * ("telefona", "фамилии") and plurals; they are long enough not to hit unrelated words.
 */
const KEY_RULES: ReadonlyArray<{ kind: PersonalDataKind; phrases: readonly string[]; stems: readonly string[] }> = [
  {
    kind: "name",
    phrases: [
      "name",
      "firstname",
      "lastname",
      "surname",
      "fullname",
      "middlename",
      "givenname",
      "familyname",
      "username",
      "patronymic",
      "fio",
      "imya",
      "imia",
      "otchestvo",
      "имя",
      "фио",
    ],
    stems: ["familiy", "familii", "familia", "фамили", "отчеств"],
  },
  {
    kind: "phone",
    phrases: ["phone", "tel", "mobile", "mob", "cellphone", "whatsapp", "тел", "моб", "мобильный"],
    stems: ["phone", "telephon", "telefon", "телефон", "mobiln"],
  },
  {
    kind: "email",
    phrases: ["email", "mail", "емейл", "имейл", "емайл", "мейл", "элпочта"],
    stems: ["pocht", "почт"],
  },
  {
    kind: "passport",
    phrases: ["passport", "pasport", "паспорт"],
    stems: ["passport", "pasport", "паспорт"],
  },
  { kind: "inn", phrases: ["inn", "инн", "taxid", "taxpayerid"], stems: [] },
  { kind: "snils", phrases: ["snils", "снилс"], stems: [] },
  {
    kind: "card",
    phrases: ["card", "cardnumber", "cardno", "pan", "karta", "karty", "карта", "карты"],
    stems: [],
  },
  {
    kind: "address",
    phrases: [
      "address",
      "adres",
      "adress",
      "street",
      "house",
      "apartment",
      "apt",
      "kvartira",
      "ulica",
      "ulitsa",
      "postcode",
      "postalcode",
      "zip",
      "zipcode",
      "адрес",
      "улица",
      "дом",
      "квартира",
    ],
    stems: ["address", "adres", "адрес", "улиц", "квартир"],
  },
  {
    kind: "birth_date",
    phrases: [
      "dob",
      "birth",
      "birthday",
      "birthdate",
      "dateofbirth",
      "datarozhdeniya",
      "denrozhdeniya",
      "датарождения",
      "деньрождения",
    ],
    stems: ["rozhden", "рожден"],
  },
];

/**
 * A bare "name" token qualified by one of these words names a thing, not a person
 * ("service_name", "company_name", "region_name").
 */
const NON_PERSON_NAME_QUALIFIERS = new Set([
  "service",
  "company",
  "product",
  "category",
  "region",
  "city",
  "country",
  "segment",
  "campaign",
  "tag",
  "need",
  "brand",
  "partner",
  "bank",
  "file",
  "field",
  "model",
  "plan",
  "tariff",
  "offer",
  "experiment",
  "group",
  "event",
  "app",
  "device",
  "browser",
  "source",
  "channel",
  "program",
  "programme",
  "organization",
  "organisation",
  "org",
  "branch",
  "office",
  "shop",
  "store",
  "merchant",
  "host",
  "domain",
  "key",
]);

/** Longest run of tokens concatenated when matching phrases ("date_of_birth" needs 3). */
const MAX_PHRASE_TOKENS = 3;

const PHRASES = new Map<string, PersonalDataKind>();
const STEMS: Array<{ stem: string; kind: PersonalDataKind }> = [];
for (const rule of KEY_RULES) {
  for (const phrase of rule.phrases) PHRASES.set(phrase, rule.kind);
  for (const stem of rule.stems) STEMS.push({ stem, kind: rule.kind });
}

/** Lowercase word tokens of a field name. */
export function keyTokens(key: string): string[] {
  return key
    .normalize("NFKC")
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
    .toLowerCase()
    .replaceAll("ё", "е")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}

/** The kind of personal data a field name announces, or null. */
export function classifyKey(key: string): PersonalDataKind | null {
  const tokens = keyTokens(key);
  for (let start = 0; start < tokens.length; start++) {
    let phrase = "";
    for (let end = start; end < tokens.length && end - start < MAX_PHRASE_TOKENS; end++) {
      phrase += tokens[end];
      const kind = PHRASES.get(phrase);
      if (!kind) continue;
      if (phrase === "name" && tokens.some((token) => NON_PERSON_NAME_QUALIFIERS.has(token))) continue;
      return kind;
    }
    for (const { stem, kind } of STEMS) if (tokens[start].startsWith(stem)) return kind;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** Longest domain looked at after an "@" (RFC 5321 limit). */
const EMAIL_DOMAIN_MAX = 255;
const EMAIL_LOCAL_CHAR = /[\p{L}\p{N}._%+'-]/u;
/** Dot-separated labels; unambiguous (labels cannot contain "."), so matching is linear. */
const EMAIL_DOMAIN = /^[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/u;
const TOP_LEVEL_LABEL = /^\p{L}{2,}/u;

/**
 * Whether `text` contains an e-mail address: a local-part character, "@", then a domain of two or
 * more labels whose last one starts with two letters. Only a bounded window after each "@" is
 * matched, so even a string made of "@" costs linear time.
 */
function containsEmail(text: string): boolean {
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    if (at === 0 || !EMAIL_LOCAL_CHAR.test(text[at - 1])) continue;
    const domain = EMAIL_DOMAIN.exec(text.slice(at + 1, at + 1 + EMAIL_DOMAIN_MAX));
    if (domain && TOP_LEVEL_LABEL.test(domain[0].slice(domain[0].lastIndexOf(".") + 1))) return true;
  }
  return false;
}

/**
 * A digit sequence as written: digits joined by at most three separator characters (space, dash,
 * dot, parentheses, slash, "№"), optionally led by "+" or "(". "+7 (916) 123-45-67", "4276 3800 1234
 * 5678", "123-456-789 64" and "4510 123456" are each one candidate; "ab-35-150000" gives two.
 */
const DIGIT_RUN = new RegExp(String.raw`\+?\(?\d(?:${DIGIT_SEPARATOR_CLASS}{0,3}\d)*`, "gu");

/** Luhn checksum (payment cards). */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN11_WEIGHTS = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

function innCheckDigit(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i];
  return (sum % 11) % 10;
}

/** INN of an organisation (10 digits) or a person (12 digits) with valid check digits. */
export function isInnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits) || digits.startsWith("00")) return false;
  if (digits.length === 10) return innCheckDigit(digits, INN10_WEIGHTS) === digits.charCodeAt(9) - 48;
  if (digits.length === 12) {
    return (
      innCheckDigit(digits, INN11_WEIGHTS) === digits.charCodeAt(10) - 48 &&
      innCheckDigit(digits, INN12_WEIGHTS) === digits.charCodeAt(11) - 48
    );
  }
  return false;
}

/**
 * SNILS (11 digits: 9-digit number + 2 check digits). Numbers up to 001-001-998 were issued
 * before check digits existed; they carry no checksum and are not recognised here.
 */
export function isSnilsValid(digits: string): boolean {
  if (!/^\d{11}$/.test(digits)) return false;
  const number = digits.slice(0, 9);
  if (number <= "001001998") return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (9 - i);
  let check = sum % 101;
  if (check === 100) check = 0;
  return check === Number(digits.slice(9));
}

/**
 * Card numbers start with a payment-network major industry identifier (2 Mir / Mastercard,
 * 3 Amex / JCB, 4 Visa, 5 Mastercard / Maestro, 6 Maestro / UnionPay). Requiring it keeps 13-digit
 * epoch-millisecond timestamps (which start with 1) from passing the 1-in-10 Luhn check.
 */
function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && isLuhnValid(digits);
}

/** How strict the value rules are. */
type ValueMode =
  /** Free values (strings in a body): every rule, including layouts without a checksum. */
  | "value"
  /** JSON numbers: only checksum-backed and unmistakable rules. */
  | "number"
  /** Identifiers (CRM ids, code-map keys): only rules that random numeric ids rarely meet. */
  | "identifier";

const SNILS_LAYOUT = /^\d{3}[-\s]?\d{3}[-\s]?\d{3}[-\s]\d{2}$/;
const PASSPORT_LAYOUT = /^(?:\d{4}|\d{2}\s\d{2})\s?№?\s?\d{6}$/u;
const PHONE_LAYOUT = /^\(?\d{3}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}$/;

/**
 * The kind of one digit run, or null. `whole` says the run is the entire value (not embedded in
 * longer text); only then does a bare 10-digit string count as a passport or phone number.
 */
function classifyDigitRun(written: string, mode: ValueMode, whole: boolean): PersonalDataKind | null {
  // Every dash, underscore and space reads as the plain separators the layouts below expect.
  const run = written.replace(/[\p{Pd}\u2212_]/gu, "-").replace(/\s/gu, " ");
  const digits = run.replace(/\D/g, "");
  const n = digits.length;
  // "+" then 9..15 digits is an E.164 number: the country code plus a subscriber number.
  if (run.startsWith("+") && n >= 9 && n <= 15) return "phone";
  if (n < 10) return null;
  if (mode !== "number" && SNILS_LAYOUT.test(run) && isSnilsValid(digits)) return "snils";
  if (n === 11 && (digits[0] === "7" || digits[0] === "8")) return "phone";
  if (isCardNumber(digits)) return "card";
  if (n === 11 && isSnilsValid(digits)) return "snils";
  if (n === 12 && isInnValid(digits)) return "inn";
  // Identifiers stop here: a bare 10-digit CRM id meets the INN-10 checksum one time in eleven.
  if (mode === "identifier") return null;
  // A Russian bank account number is exactly 20 digits.
  if (mode === "value" && n === 20) return "account";
  if (n !== 10) return null;
  if (mode === "number") return isInnValid(digits) ? "inn" : null;
  const laidOut = /\D/.test(run);
  if (laidOut && PHONE_LAYOUT.test(run)) return "phone";
  if (laidOut && PASSPORT_LAYOUT.test(run)) return "passport";
  if (isInnValid(digits)) return "inn";
  // Free text (value mode) has no business carrying ten digits in a row, embedded or not.
  return digits[0] === "9" ? "phone" : whole ? "passport" : "account";
}

/** The kind of personal data a string value looks like, or null. */
export function classifyString(raw: string, mode: "value" | "identifier" = "value"): PersonalDataKind | null {
  if (knownClean(raw, mode)) return null;
  const kind = classifyText(raw, mode);
  if (kind === null) rememberClean(raw, mode);
  return kind;
}

function classifyText(raw: string, mode: "value" | "identifier"): PersonalDataKind | null {
  const text = normalizeForScan(raw);
  if (containsEmail(text) || containsSlugEmail(text)) return "email";
  const tokens = latinTokens(text);
  if (containsPersonName(tokens)) return "name";
  if (mode === "value") {
    if (containsBirthDate(text)) return "birth_date";
    if (containsAddress(text, tokens)) return "address";
  }
  const trimmed = text.trim();
  for (const match of text.matchAll(DIGIT_RUN)) {
    const kind = classifyDigitRun(match[0], mode, match[0] === trimmed);
    if (kind) return kind;
  }
  return null;
}

/** The kind of personal data a JSON number looks like (phone, card, INN, SNILS written as a number), or null. */
export function classifyNumber(value: number): PersonalDataKind | null {
  // Below 10 digits nothing is flagged: ages, incomes, amounts and counts stay untouched.
  if (!Number.isSafeInteger(value) || value < 1_000_000_000) return null;
  return classifyDigitRun(String(value), "number", true);
}

// ---------------------------------------------------------------------------------------------
// Traversal
// ---------------------------------------------------------------------------------------------

interface Frame {
  value: unknown;
  /** Path segment of this value under its parent (null for the root). */
  segment: string | null;
  parent: Frame | null;
  /** The name of the field holding this value, for the identifier options (array items inherit it). */
  field: string | null;
  /** Set when the field's name itself announces personal data: reported when reached, not searched. */
  fieldKind: PersonalDataKind | null;
}

function framePath(frame: Frame, basePath: readonly string[]): string[] {
  const segments: string[] = [];
  for (let f: Frame | null = frame; f; f = f.parent) if (f.segment !== null) segments.push(f.segment);
  segments.reverse();
  return [...basePath, ...segments];
}

/**
 * Every place in a parsed JSON value that carries personal data, with its path under `basePath`
 * (e.g. `findPersonalData(body, ["body"])` → `[{ path: ["body", "phone"], kind: "phone" }]`).
 * A field whose name is personal is reported once and its content is not searched further. Keys
 * that themselves look like an e-mail or phone are reported at the path of their object, so that
 * no path ever repeats the personal value. Iterative, so deep nesting cannot overflow the stack.
 */
export function findPersonalData(
  value: unknown,
  basePath: readonly string[] = [],
  options: PersonalDataScanOptions = DEFAULT_SCAN_OPTIONS,
): PersonalDataFinding[] {
  const identifierMapFields = new Set(options.identifierMapFields ?? DEFAULT_SCAN_OPTIONS.identifierMapFields);
  const identifierFields = new Set(options.identifierFields ?? DEFAULT_SCAN_OPTIONS.identifierFields);
  const freeTextFields = new Set(options.freeTextFields ?? []);
  // Batches repeat the same few keys hundreds of times: classify each distinct key once.
  const keyValueKinds = new Map<string, PersonalDataKind | null>();
  const fieldKinds = new Map<string, PersonalDataKind | null>();
  const findings: PersonalDataFinding[] = [];
  const reported = new Set<string>();
  const report = (frame: Frame, kind: PersonalDataKind, source: PersonalDataFinding["source"]) => {
    const path = framePath(frame, basePath);
    const id = `${JSON.stringify(path)}:${kind}`;
    if (reported.has(id)) return;
    reported.add(id);
    findings.push({ path, kind, source });
  };

  const stack: Frame[] = [{ value, segment: null, parent: null, field: null, fieldKind: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const current = frame.value;
    if (frame.fieldKind) {
      report(frame, frame.fieldKind, "field");
    } else if (typeof current === "string") {
      const mode = frame.field !== null && identifierFields.has(frame.field) ? "identifier" : "value";
      const kind = classifyString(current, mode);
      if (kind) report(frame, kind, "value");
    } else if (typeof current === "number") {
      const kind = classifyNumber(current);
      if (kind) report(frame, kind, "value");
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], segment: String(i), parent: frame, field: frame.field, fieldKind: null });
      }
    } else if (current !== null && typeof current === "object") {
      const isCodeMap = frame.field !== null && identifierMapFields.has(frame.field);
      const entries = Object.entries(current as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        let keyAsValue = keyValueKinds.get(key);
        if (keyAsValue === undefined) {
          keyAsValue = classifyString(key, "identifier");
          keyValueKinds.set(key, keyAsValue);
        }
        if (keyAsValue) {
          report(frame, keyAsValue, "key");
          continue;
        }
        let fieldKind: PersonalDataKind | null = null;
        if (!isCodeMap && !freeTextFields.has(key)) {
          const known = fieldKinds.get(key);
          fieldKind = known === undefined ? classifyKey(key) : known;
          if (known === undefined) fieldKinds.set(key, fieldKind);
        }
        stack.push({ value: child, segment: key, parent: frame, field: isCodeMap ? null : key, fieldKind });
      }
    }
  }
  return findings;
}

/** The findings for one identifier, such as the `external_id` path parameter. */
export function findPersonalDataInIdentifier(identifier: string, path: readonly string[]): PersonalDataFinding[] {
  const kind = classifyString(identifier, "identifier");
  return kind ? [{ path: [...path], kind, source: "value" }] : [];
}

/**
 * The 422 `personal_data` error for a list of findings: one item per offending path, naming the
 * kinds found there and never the value.
 */
export function personalDataError(findings: readonly PersonalDataFinding[]): DomainError {
  const byPath = new Map<
    string,
    { path: string[]; kinds: PersonalDataKind[]; source: PersonalDataFinding["source"] }
  >();
  for (const finding of findings) {
    const id = JSON.stringify(finding.path);
    const entry = byPath.get(id);
    if (!entry) byPath.set(id, { path: finding.path, kinds: [finding.kind], source: finding.source });
    else if (!entry.kinds.includes(finding.kind)) entry.kinds.push(finding.kind);
  }
  const entries = [...byPath.values()];
  const items: Array<{ message: string; path?: string[] }> = entries.slice(0, MAX_REPORTED_FINDINGS).map((entry) => {
    const what = entry.kinds.map((kind) => PERSONAL_DATA_KIND_LABELS[kind]).join(", ");
    const message =
      entry.source === "field"
        ? `Personal data is not accepted: this field is for ${what}; send only the anonymized profile`
        : entry.source === "key"
          ? `Personal data is not accepted: a key of this object looks like ${what}`
          : `Personal data is not accepted: the value looks like ${what}`;
    return { message, path: entry.path };
  });
  if (entries.length > MAX_REPORTED_FINDINGS) {
    items.push({
      message: `Personal data is not accepted: ${entries.length - MAX_REPORTED_FINDINGS} more fields carry personal data`,
    });
  }
  return DomainError.many("personal_data", items);
}

/**
 * Throws the 422 `personal_data` error if `value` carries personal data anywhere (see
 * {@link findPersonalData}); returns normally otherwise. Nothing about the value is logged.
 */
export function assertNoPersonalData(
  value: unknown,
  basePath: readonly string[] = [],
  options: PersonalDataScanOptions = DEFAULT_SCAN_OPTIONS,
): void {
  const findings = findPersonalData(value, basePath, options);
  if (findings.length > 0) throw personalDataError(findings);
}
