/**
 * Text rules of the personal-data guard (src/domain/personal-data.ts): the normalization every
 * string goes through before it is judged, and the value rules for names, postal addresses and
 * dates of birth, which earlier were recognised only by a field's name.
 *
 * Normalization defeats the cheap disguises: compatibility forms (fullwidth digits, ligatures) via
 * NFKC, digits of other scripts mapped to 0–9, invisible format characters (zero-width space, soft
 * hyphen) removed, every dash and underscore treated as a separator, and the letters O/o/О/о and
 * l/I/І/і read as digits when they sit inside a run of digits. Pure TypeScript.
 */

/** Separators allowed between the digits of one number: spaces, dashes of every script, "_", ".", "/", "()", "№". */
export const DIGIT_SEPARATOR_CLASS = String.raw`[\s\p{Pd}\u2212_().\/№]`;

const FORMAT_CHARS = /\p{Cf}/gu;
const NON_ASCII_DIGIT = /[^\P{Nd}0-9]/gu;
const LOOKALIKE = "[OoОоlIІі|]";
/** A look-alike next to a real digit (not inside a word): "9O2", "8 9l2", "...8O" read as digits. */
const DIGIT_LOOKALIKE = new RegExp(
  [
    String.raw`(?<=\d${DIGIT_SEPARATOR_CLASS}{0,3})${LOOKALIKE}(?=${DIGIT_SEPARATOR_CLASS}{0,3}[\dOoОоlIІі|])`,
    String.raw`(?<!\p{L})${LOOKALIKE}(?=${DIGIT_SEPARATOR_CLASS}{0,3}[\dOoОоlIІі|]*\d)`,
    String.raw`(?<=\d)${LOOKALIKE}(?![\p{L}\d])`,
  ].join("|"),
  "gu",
);

/** The decimal value of any Unicode decimal digit (digits of a script are ten consecutive code points). */
function asciiDigit(char: string): string {
  let zero = char.codePointAt(0)!;
  let steps = 0;
  while (steps < 9 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) {
    zero--;
    steps++;
  }
  return String((char.codePointAt(0)! - zero) % 10);
}

/**
 * Short strings a scan already read as clean, per mode: a lead call's body repeats the same service
 * codes, regions and needs call after call, and scanning them was a tenth of its CPU. Only clean
 * strings are kept, so no value that looks like personal data stays in memory; the set starts over
 * when full.
 */
const CLEAN = { value: new Set<string>(), identifier: new Set<string>() };
const CLEAN_MAX_LENGTH = 64;
const CLEAN_MAX_ENTRIES = 4096;

export function knownClean(raw: string, mode: "value" | "identifier"): boolean {
  return raw.length <= CLEAN_MAX_LENGTH && CLEAN[mode].has(raw);
}

export function rememberClean(raw: string, mode: "value" | "identifier"): void {
  if (raw.length > CLEAN_MAX_LENGTH) return;
  const clean = CLEAN[mode];
  if (clean.size >= CLEAN_MAX_ENTRIES) clean.clear();
  clean.add(raw);
}

/** The text as the rules read it (see the module comment). */
export function normalizeForScan(text: string): string {
  // NFKC would spell "№" as "No"; it stays a separator.
  let out = text
    .split("№")
    .map((part) => part.normalize("NFKC"))
    .join("№")
    .replace(FORMAT_CHARS, "");
  out = out.replace(NON_ASCII_DIGIT, asciiDigit);
  // Until stable, so that a run of look-alikes ("8 9OOl ...") is read one character at a time.
  for (let pass = 0; pass < out.length; pass++) {
    const next = out.replace(DIGIT_LOOKALIKE, (c) => (/[OoОо]/u.test(c) ? "0" : "1"));
    if (next === out) break;
    out = next;
  }
  return out;
}

const CYRILLIC_TO_LATIN: Record<string, string> = {
  а: "a",
  б: "b",
  в: "v",
  г: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "zh",
  з: "z",
  и: "i",
  й: "y",
  к: "k",
  л: "l",
  м: "m",
  н: "n",
  о: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ф: "f",
  х: "kh",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "shch",
  ъ: "",
  ы: "y",
  ь: "",
  э: "e",
  ю: "yu",
  я: "ya",
  і: "i",
  ї: "i",
  є: "e",
};

/** Lowercase letter tokens, Cyrillic transliterated, so mixed-script look-alikes read as one word. */
export function latinTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((token) => token.length > 0)
    .map((token) => [...token].map((char) => CYRILLIC_TO_LATIN[char] ?? char).join(""));
}

/**
 * Russian patronymics: -ovich / -evich / -ich (men), -ovna / -evna / -ichna (women), as they read
 * once transliterated. A token needs a stem of at least three letters before the ending.
 */
const PATRONYMIC = /^[a-z]{3,}(?:ovich|evich|ovna|evna|inichna|itichna|ilichna)$/;
/** Latin spellings that some systems use ("-ovitch", "-owitsch"). */
const PATRONYMIC_VARIANT = /^[a-z]{3,}(?:ovitch|evitch|owitsch|ovic|evic)$/;

/** Whether a text carries a Russian full name (a patronymic gives it away, in any script or slug). */
export function containsPersonName(tokens: readonly string[]): boolean {
  return tokens.some((token) => PATRONYMIC.test(token) || PATRONYMIC_VARIANT.test(token));
}

/** Words that name a street or a dwelling in an address (transliterated). */
const ADDRESS_WORDS = new Set([
  "ul",
  "ulitsa",
  "ulica",
  "prospekt",
  "prosp",
  "pereulok",
  "per",
  "shosse",
  "bulvar",
  "naberezhnaya",
  "proezd",
  "ploshchad",
  "mkr",
  "mikrorayon",
  "kvartira",
  "kv",
  "korpus",
  "korp",
  "dom",
  "street",
  "avenue",
  "apartment",
  "apt",
]);

/** Whether a text looks like a postal address: an address word together with a number. */
export function containsAddress(text: string, tokens: readonly string[]): boolean {
  return /\d/.test(text) && tokens.some((token) => ADDRESS_WORDS.has(token));
}

const MONTH_WORDS =
  "(?:yanv|fevr|mart|apr|ma[yi]|iyun|iyul|avg|sent|okt|noyab|dekab|jan|feb|mar|jun|jul|aug|sep|oct|nov|dec)[a-z]*";
const DAY = "(?:0?[1-9]|[12]\\d|3[01])";
const MONTH = "(?:0?[1-9]|1[0-2])";
const YEAR = "(?:19\\d\\d|20[01]\\d)";
const SEP = `${DIGIT_SEPARATOR_CLASS}{1,3}`;
/**
 * A calendar date without a time of day and with a year a living client may be born in
 * (1900–2019): "12.03.1985", "1985-03-12", "12_03_1985", "12 marta 1985" (transliterated).
 * Timestamps such as "2026-11-02T10:00:00Z" carry a time and are not dates of birth.
 */
const BIRTH_DATE = new RegExp(
  `(?<![\\d])(?:${DAY}${SEP}${MONTH}${SEP}${YEAR}|${YEAR}${SEP}${MONTH}${SEP}${DAY}|${DAY}${SEP}${MONTH_WORDS}${SEP}${YEAR})(?![\\dT:])`,
  "u",
);

export function containsBirthDate(text: string): boolean {
  // Month names are matched on the transliterated text so that "12 марта 1985" counts too.
  return BIRTH_DATE.test(transliterate(text.toLowerCase()));
}

function transliterate(text: string): string {
  return text.replace(/\p{Script=Cyrillic}+/gu, (word) =>
    [...word].map((char) => CYRILLIC_TO_LATIN[char] ?? char).join(""),
  );
}

const MAIL_PROVIDERS =
  "gmail|googlemail|mail|yandex|ya|bk|inbox|list|rambler|outlook|hotmail|icloud|yahoo|proton|protonmail";
/**
 * An e-mail address rewritten as a slug ("ivanov_mail_ru", "ivan-ivanov-at-gmail-com"): a local part,
 * "at"/"sobaka" or a known mail provider, then a top-level domain.
 */
const SLUG_EMAIL = new RegExp(
  `(?:^|\\.)[a-z0-9]+(?:\\.(?:at|sobaka|dog)\\.[a-z0-9]+|\\.(?:${MAIL_PROVIDERS}))\\.(?:ru|com|net|org|me|su|rf)(?:\\.|$)`,
);

export function containsSlugEmail(text: string): boolean {
  const dotted = transliterate(text.toLowerCase()).replace(/[\s\p{Pd}\u2212_.@]+/gu, ".");
  return SLUG_EMAIL.test(dotted);
}
