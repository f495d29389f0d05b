/**
 * The corpus against every string and number field of every client-facing body, at the level of
 * the shared guard step (the personal-data scan, the number ranges and the vocabularies): each
 * variant is refused at its own path. The HTTP routes run the same step (corpus-http.test.ts).
 */
import { describe, expect, it } from "vitest";
import { CLIENT_NUMBER_CEILING, findOutOfRangeNumbers } from "../../src/domain/number-ranges";
import { findPersonalData } from "../../src/domain/personal-data";
import { SEED_NEED_TAGS } from "../../src/domain/vocabularies/needs";
import { profileInVocabulary } from "../../src/domain/vocabularies/profile";
import { personalDataCorpus } from "./corpus";

const CLIENT_SCAN = {
  identifierMapFields: ["services"],
  identifierFields: ["external_id", "service", "lead_id", "code", "webhook_url", "company_id", "service_code"],
  freeTextFields: [],
};
const NEEDS = new Set(SEED_NEED_TAGS.map((tag) => tag.code));

/** Free-string fields of the client-facing bodies (paths), with a valid body around them. */
const FIELDS: Array<{ route: string; body: () => Record<string, unknown>; path: string[]; vocabulary: boolean }> = [
  { route: "PUT /v1/clients", body: profileBody, path: ["region"], vocabulary: true },
  { route: "PUT /v1/clients", body: profileBody, path: ["needs", "0"], vocabulary: true },
  { route: "PUT /v1/clients", body: profileBody, path: ["gender"], vocabulary: false },
  { route: "PUT /v1/clients", body: profileBody, path: ["age"], vocabulary: false },
  { route: "PUT /v1/clients", body: profileBody, path: ["monthly_income"], vocabulary: false },
  { route: "PUT /v1/clients", body: profileBody, path: ["comment"], vocabulary: false },
  { route: "POST /v1/leads", body: leadBody, path: ["region"], vocabulary: true },
  { route: "POST /v1/leads", body: leadBody, path: ["needs", "1"], vocabulary: true },
  { route: "POST /v1/deals", body: dealBody, path: ["outcome"], vocabulary: false },
  { route: "POST /v1/deals", body: dealBody, path: ["occurred_at"], vocabulary: false },
  { route: "POST /v1/deals", body: dealBody, path: ["amount"], vocabulary: false },
  { route: "POST outcome", body: outcomeBody, path: ["outcome"], vocabulary: false },
  { route: "POST outcome", body: outcomeBody, path: ["amount"], vocabulary: false },
  { route: "POST outcome", body: outcomeBody, path: ["occurred_at"], vocabulary: false },
];

function profileBody(): Record<string, unknown> {
  return { age: 34, monthly_income: 150000, region: "RU-MOW", gender: "female", needs: ["housing"] };
}
function leadBody(): Record<string, unknown> {
  return { external_id: "crm-1", ...profileBody(), needs: ["housing", "travel"] };
}
function dealBody(): Record<string, unknown> {
  return { external_id: "crm-1", service: "expo-debit-card", outcome: "accepted", amount: 100 };
}
function outcomeBody(): Record<string, unknown> {
  return { outcome: "accepted", amount: 100 };
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown) {
  let node = target as Record<string, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  node[path[path.length - 1]] = value;
}

/** The paths the shared step refuses in `body` (personal data, ranges, vocabularies). */
function refusedPaths(body: Record<string, unknown>, vocabulary: boolean): string[] {
  const paths = [
    ...findPersonalData(body, ["body"], CLIENT_SCAN).map((f) => f.path),
    ...findOutOfRangeNumbers(body, ["body"], { ceiling: CLIENT_NUMBER_CEILING }).map((i) => i.path ?? []),
  ];
  if (vocabulary && typeof body.region === "string") {
    const checked = profileInVocabulary(body as { region: string; needs?: string[] }, NEEDS, ["body"]);
    if (!checked.ok) paths.push(...checked.errors.map((e) => e.path ?? []));
  }
  return paths.map((path) => path.join("."));
}

describe("personal-data corpus (domain level)", () => {
  const corpus = personalDataCorpus();

  it("has at least 1,000 distinct variants", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(1000);
  });

  it("every variant in every field is refused at that field's path", () => {
    const missed: string[] = [];
    let checks = 0;
    for (const field of FIELDS) {
      for (const variant of corpus) {
        const body = field.body();
        setAt(body, field.path, variant);
        checks++;
        if (!refusedPaths(body, field.vocabulary).includes(["body", ...field.path].join("."))) {
          missed.push(`${field.route} ${field.path.join(".")}: ${JSON.stringify(variant)}`);
        }
        // Digit-only variants are also sent as JSON numbers.
        if (/^\d{10,}$/.test(variant)) {
          const numeric = field.body();
          setAt(numeric, field.path, Number(variant));
          checks++;
          if (!refusedPaths(numeric, field.vocabulary).includes(["body", ...field.path].join("."))) {
            missed.push(`${field.route} ${field.path.join(".")}: ${variant} (number)`);
          }
        }
      }
    }
    expect(checks).toBeGreaterThan(14_000);
    expect(missed.slice(0, 30)).toEqual([]);
  });
});
