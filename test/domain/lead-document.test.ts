import fc from "fast-check";
import { describe, expect, it } from "vitest";
import publishedLeadSchema from "../../schemas/lead.v1.json";
import {
  ageBand,
  buildLeadDocument,
  incomeBand,
  isSafeText,
  type LeadDocumentInput,
  leadDocumentSchema,
} from "../../src/domain/lead-document";
import { webhookPayloadSchemas } from "../../src/http/contract";
import { receiverPseudonym } from "../../src/lib/crypto";

const PSEUDONYM = "a".repeat(64);

function baseInput(overrides: Partial<LeadDocumentInput> = {}): LeadDocumentInput {
  return {
    leadId: "ld_0123456789abcdefghjk",
    createdAt: Date.UTC(2026, 10, 20, 9, 30),
    service: { code: "osago", name: "OSAGO car insurance", category: "insurance" },
    targetCompany: { id: "co_insurer", name: "Insurer" },
    sourceCompany: { id: "co_expobank", name: "Expobank" },
    rating: 87.46,
    reasons: ["Clients with a car loan usually insure the car", "Similar clients took it"],
    client: { pseudonym: PSEUDONYM, age: 37, monthlyIncome: 120_000, region: "msk", needs: ["car", "family"] },
    modelVersion: "m-2026-11-20",
    ...overrides,
  };
}

describe("lead document: only vocabulary values travel", () => {
  it("forwards the canonical region code and drops needs that look personal", () => {
    const document = buildLeadDocument(
      baseInput({
        client: {
          pseudonym: PSEUDONYM,
          age: 40,
          monthlyIncome: 90_000,
          region: "krasnoyarsk",
          needs: ["travel", "4276_3800_1234_5679", "ivanov-ivan-ivanovich", "call-9123456789", "car"],
        },
      }),
    );
    expect(document.client.region).toBe("RU-KYA");
    expect(document.client.needs).toEqual(["travel", "car"]);
    for (const region of ["8_912_345_67_89", "Moscow", "RU"]) {
      const refused = buildLeadDocument(
        baseInput({ client: { pseudonym: PSEUDONYM, age: 40, monthlyIncome: 1, region, needs: [] } }),
      );
      expect(refused.client.region).toBe("unspecified");
    }
  });
});

describe("buildLeadDocument", () => {
  it("packages a lead as a versioned document", () => {
    const document = buildLeadDocument(baseInput());
    expect(document).toEqual({
      schema_version: "1",
      lead_id: "ld_0123456789abcdefghjk",
      created_at: "2026-11-20T09:30:00.000Z",
      service: { code: "osago", name: "OSAGO car insurance", category: "insurance" },
      target_company: { id: "co_insurer", name: "Insurer" },
      rating: 87.5,
      reasons: ["Clients with a car loan usually insure the car", "Similar clients took it"],
      client: {
        pseudonym: PSEUDONYM,
        age_band: "35-44",
        income_band: "80k-150k",
        region: "RU-MOW",
        needs: ["car", "family"],
      },
      source_company: { id: "co_expobank", name: "Expobank" },
      contact: {
        channel: "source_company",
        company_id: "co_expobank",
        company_name: "Expobank",
        instructions: expect.stringContaining("ld_0123456789abcdefghjk"),
      },
      model_version: "m-2026-11-20",
    });
    expect(leadDocumentSchema.parse(document)).toEqual(document);
  });

  it("bands ages and incomes at their boundaries", () => {
    expect([17, 18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 99].map(ageBand)).toEqual([
      "under-18",
      "18-24",
      "18-24",
      "25-34",
      "25-34",
      "35-44",
      "35-44",
      "45-54",
      "45-54",
      "55-64",
      "55-64",
      "65+",
      "65+",
    ]);
    expect([0, 29_999, 30_000, 49_999, 50_000, 80_000, 149_999, 150_000, 300_000, 5_000_000].map(incomeBand)).toEqual([
      "0-30k",
      "0-30k",
      "30k-50k",
      "30k-50k",
      "50k-80k",
      "80k-150k",
      "80k-150k",
      "150k-300k",
      "300k+",
      "300k+",
    ]);
    expect(ageBand(Number.NaN)).toBe("under-18");
  });

  it("drops reasons and needs that could carry personal data", () => {
    const document = buildLeadDocument(
      baseInput({
        reasons: [
          "Call +7 (912) 345-67-89",
          "write to ivan.petrov@mail.ru",
          "card 4276 1234 5678 9012",
          "Fits the client",
        ],
        client: {
          pseudonym: PSEUDONYM,
          age: 30,
          monthlyIncome: 60_000,
          region: "ivan@example.com",
          needs: ["car", "Ivan Petrov", "car", "passport 4510 123456"],
        },
      }),
    );
    expect(document.reasons).toEqual(["Fits the client"]);
    expect(document.client.needs).toEqual(["car"]);
    expect(document.client.region).toBe("unspecified");
  });

  it("recognises personal-data shapes in free text", () => {
    expect(isSafeText("Mortgage clients insure property (link weight 0.8)")).toBe(true);
    expect(isSafeText("reach me at a.b@c.io")).toBe(false);
    expect(isSafeText("8 800 555 35 35")).toBe(false);
    expect(isSafeText("4276123456789012")).toBe(false);
    expect(isSafeText("two\nlines")).toBe(false);
  });

  it("never lets personal data or exact values through, whatever the input (property)", () => {
    const email = fc
      .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/))
      .map(([u, d]) => `${u}@${d}.ru`);
    const phone = fc.stringMatching(/^\+7 \(9\d\d\) \d{3}-\d\d-\d\d$/);
    const card = fc.stringMatching(/^\d{4} \d{4} \d{4} \d{4}$/);
    const secret = fc.oneof(email, phone, card);
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      secret,
      fc.tuple(fc.string({ maxLength: 10 }), secret).map(([a, b]) => `${a} ${b}`),
    );
    fc.assert(
      fc.property(
        fc.record({
          age: fc.integer({ min: 0, max: 120 }),
          income: fc.integer({ min: 0, max: 10_000_000 }),
          region: text,
          needs: fc.array(text, { maxLength: 40 }),
          reasons: fc.array(text, { maxLength: 15 }),
          secrets: fc.array(secret, { minLength: 1, maxLength: 3 }),
          rating: fc.double({ min: -50, max: 150, noNaN: true }),
        }),
        (sample) => {
          const input = baseInput({
            rating: sample.rating,
            reasons: sample.reasons,
            client: {
              pseudonym: PSEUDONYM,
              age: sample.age,
              monthlyIncome: sample.income,
              region: sample.region,
              needs: sample.needs,
            },
          });
          // Extra properties, as a careless caller might pass the whole client row.
          Object.assign(input.client, { name: "Ivan Petrov", phone: sample.secrets[0], email: "x@y.ru" });
          Object.assign(input, { passport: sample.secrets[0], clientExternalId: "crm-42" });

          const document = buildLeadDocument(input);
          expect(leadDocumentSchema.safeParse(document).success).toBe(true);
          expect(Object.keys(document.client).sort()).toEqual([
            "age_band",
            "income_band",
            "needs",
            "pseudonym",
            "region",
          ]);
          const json = JSON.stringify(document);
          for (const value of sample.secrets) expect(json).not.toContain(value);
          expect(json).not.toContain("Ivan Petrov");
          expect(json).not.toContain("crm-42");
          expect(json).not.toMatch(/"age"|"monthly_?income"/i);
          for (const reason of document.reasons) expect(isSafeText(reason)).toBe(true);
          expect(document.rating).toBeGreaterThanOrEqual(0);
          expect(document.rating).toBeLessThanOrEqual(100);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses unknown fields anywhere in the document", () => {
    const document = buildLeadDocument(baseInput());
    expect(leadDocumentSchema.safeParse({ ...document, phone: "+79123456789" }).success).toBe(false);
    expect(leadDocumentSchema.safeParse({ ...document, client: { ...document.client, name: "Ivan" } }).success).toBe(
      false,
    );
    expect(leadDocumentSchema.safeParse({ ...document, reasons: ["mail ivan@mail.ru"] }).success).toBe(false);
    expect(leadDocumentSchema.safeParse({ ...document, schema_version: "2" }).success).toBe(false);
  });
});

describe("receiverPseudonym", () => {
  it("is stable per receiver and unrelated across receivers", async () => {
    const a1 = await receiverPseudonym("root-key", "co_a", "cl_1");
    const a2 = await receiverPseudonym("root-key", "co_a", "cl_1");
    const b1 = await receiverPseudonym("root-key", "co_b", "cl_1");
    expect(a1).toMatch(/^[0-9a-f]{64}$/);
    expect(a1).toBe(a2);
    expect(b1).not.toBe(a1);
    expect(await receiverPseudonym("other-root", "co_a", "cl_1")).not.toBe(a1);
  });
});

describe("published JSON Schema", () => {
  it("schemas/lead.v1.json matches the code (run `npm run schemas` after changing the document)", () => {
    expect(publishedLeadSchema).toEqual(webhookPayloadSchemas()["lead.v1.json"]);
  });
});
