import { describe, expect, it } from "vitest";
import {
  type BankDataset,
  buildDemoCatalog,
  clientExternalId,
  DEMO_BASE_SERVICE_COUNT,
  DEMO_HISTORY_WINDOW_MS,
  DEMO_REFERENCE_NOW,
  generateBankDataset,
  MAX_ACCEPTANCE,
  NO_SECONDARY_SEGMENT,
  presetDefinition,
} from "../../scripts/datagen/demo";
import { GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN } from "../../src/domain/dataset";

const NOW = Date.UTC(2026, 5, 15);

/** Share of the clients of `inSegment` (true) / of the others (false) that use `service`. */
function takeUp(data: BankDataset, service: number, segment: number) {
  const { rowPtr, col, value } = data.dataset.interactions;
  const counts = { inside: 0, insideUsers: 0, outside: 0, outsideUsers: 0 };
  for (let i = 0; i < data.dataset.clients.count; i++) {
    let uses = false;
    for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) if (col[k] === service && value[k] === 1) uses = true;
    if (data.truth.segmentOf(i) === segment) {
      counts.inside++;
      if (uses) counts.insideUsers++;
    } else {
      counts.outside++;
      if (uses) counts.outsideUsers++;
    }
  }
  return { inside: counts.insideUsers / counts.inside, outside: counts.outsideUsers / counts.outside };
}

function declineShare(data: BankDataset): number {
  const { value } = data.dataset.interactions;
  let declines = 0;
  for (const v of value) if (v === -1) declines++;
  return declines / value.length;
}

function usersOf(data: BankDataset, code: string): number {
  const index = data.catalog.services.findIndex((s) => s.code === code);
  const { col, value } = data.dataset.interactions;
  let users = 0;
  for (let k = 0; k < col.length; k++) if (col[k] === index && value[k] === 1) users++;
  return users;
}

describe("demo catalog", () => {
  const catalog = buildDemoCatalog();
  const companyCodes = new Set(catalog.companies.map((c) => c.code));

  it("has the bank and at least four partners across industries", () => {
    expect(catalog.companies.length).toBeGreaterThanOrEqual(5);
    const banks = catalog.companies.filter((c) => c.kind === "bank");
    expect(banks.map((b) => b.code)).toEqual([catalog.bankCode]);
    const industries = new Set(catalog.companies.map((c) => c.industry));
    for (const industry of ["insurance", "fitness", "retail", "telecom"] as const)
      expect(industries).toContain(industry);
    expect(companyCodes.size).toBe(catalog.companies.length);
    for (const c of catalog.companies) {
      expect(c.commissionRate).toBeGreaterThanOrEqual(0);
      expect(c.commissionRate).toBeLessThanOrEqual(1);
      if (c.dailyLeadCap !== null) expect(Number.isInteger(c.dailyLeadCap) && c.dailyLeadCap >= 1).toBe(true);
    }
  });

  it("has 30+ services with unique slug codes, dense model indexes and known companies", () => {
    expect(catalog.services.length).toBe(DEMO_BASE_SERVICE_COUNT);
    expect(catalog.services.length).toBeGreaterThanOrEqual(30);
    expect(new Set(catalog.services.map((s) => s.code)).size).toBe(catalog.services.length);
    catalog.services.forEach((s, i) => {
      expect(s.modelIndex).toBe(i);
      expect(s.baseIndex).toBe(i);
      expect(s.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(s.category).toMatch(/^[a-z0-9]+([-_][a-z0-9]+)*$/);
      expect(companyCodes).toContain(s.companyCode);
    });
  });

  it("sells several categories through two or more companies (competition to resolve)", () => {
    const sellers = new Map<string, Set<string>>();
    for (const s of catalog.services) {
      if (!sellers.has(s.category)) sellers.set(s.category, new Set());
      sellers.get(s.category)!.add(s.companyCode);
    }
    const contested = [...sellers].filter(([, companies]) => companies.size >= 2).map(([category]) => category);
    expect(contested.length).toBeGreaterThanOrEqual(2);
    expect(contested).toContain("insurance-property");
    expect(contested).toContain("telecom-mobile");
  });

  it("links reference existing services, are never self links, unique, with weights in (0, 1]", () => {
    expect(catalog.links.length).toBeGreaterThanOrEqual(30);
    const seen = new Set<string>();
    for (const link of catalog.links) {
      expect(catalog.services[link.from].code).toBe(link.fromCode);
      expect(catalog.services[link.to].code).toBe(link.toCode);
      expect(link.from).not.toBe(link.to);
      expect(link.weight).toBeGreaterThan(0);
      expect(link.weight).toBeLessThanOrEqual(1);
      expect(link.note.length).toBeGreaterThan(0);
      const key = `${link.from}>${link.to}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    const mortgage = catalog.links.find(
      (l) => l.fromCode === "expo-mortgage" && l.toCode === "expo-property-insurance",
    );
    expect(mortgage?.weight).toBe(0.9);
    expect(catalog.links.some((l) => l.fromCode === "expo-car-loan" && l.toCode === "shchit-kasko")).toBe(true);
    expect(catalog.links.some((l) => l.fromCode === "expo-salary-card" && l.toCode === "fitpuls-membership")).toBe(
      true,
    );
  });

  it("scales up with tariff variants of the same company and category, inheriting links", () => {
    const big = buildDemoCatalog(500);
    expect(big.services.length).toBe(500);
    expect(new Set(big.services.map((s) => s.code)).size).toBe(500);
    big.services.forEach((s, i) => {
      expect(s.modelIndex).toBe(i);
      const base = big.services[s.baseIndex];
      expect(base.baseIndex).toBe(base.modelIndex);
      expect(s.companyCode).toBe(base.companyCode);
      expect(s.category).toBe(base.category);
    });
    const variant = big.services.find((s) => s.code === "expo-mortgage-v2")!;
    expect(variant.baseIndex).toBe(big.services.findIndex((s) => s.code === "expo-mortgage"));
    const inherited = big.links.filter((l) => l.from === variant.modelIndex);
    const original = big.links.filter((l) => l.fromCode === "expo-mortgage");
    expect(inherited.map((l) => [l.to, l.weight])).toEqual(original.map((l) => [l.to, l.weight]));
    for (const link of big.links) expect(link.from).not.toBe(link.to);
  });

  it("refuses catalog sizes below the hand-made catalog or not integers", () => {
    expect(() => buildDemoCatalog(DEMO_BASE_SERVICE_COUNT - 1)).toThrow(RangeError);
    expect(() => buildDemoCatalog(60.5)).toThrow(RangeError);
    expect(() => buildDemoCatalog(1_000_000)).toThrow(RangeError);
  });
});

describe("generateBankDataset", () => {
  const demo = generateBankDataset({ preset: "demo", clients: 6000, seed: 7, now: NOW });
  const alt = generateBankDataset({ preset: "alt", clients: 6000, seed: 7, now: NOW });

  it("is deterministic: same options give identical arrays, another seed does not", () => {
    const again = generateBankDataset({ preset: "demo", clients: 6000, seed: 7, now: NOW });
    expect(again.dataset).toEqual(demo.dataset);
    expect(again.truth.segment).toEqual(demo.truth.segment);
    expect(again.truth.activity).toEqual(demo.truth.activity);
    expect(again.clientCompany).toEqual(demo.clientCompany);
    const other = generateBankDataset({ preset: "demo", clients: 6000, seed: 8, now: NOW });
    expect(other.dataset.interactions.col).not.toEqual(demo.dataset.interactions.col);
    expect(other.truth.segment).not.toEqual(demo.truth.segment);
  });

  it("generates client i the same way whatever the number of clients", () => {
    const small = generateBankDataset({ preset: "demo", clients: 500, seed: 7, now: NOW });
    const { rowPtr } = demo.dataset.interactions;
    expect(small.dataset.interactions.rowPtr).toEqual(rowPtr.slice(0, 501));
    expect(small.dataset.interactions.col).toEqual(demo.dataset.interactions.col.slice(0, rowPtr[500]));
    expect(small.dataset.clients.monthlyIncome).toEqual(demo.dataset.clients.monthlyIncome.slice(0, 500));
    expect(small.truth.segment).toEqual(demo.truth.segment.slice(0, 500));
  });

  it("defaults to 3,000 clients, seed 42 and a fixed reference time", () => {
    const a = generateBankDataset({ preset: "demo" });
    const b = generateBankDataset({ preset: "demo", clients: 3000, seed: 42, now: DEMO_REFERENCE_NOW });
    expect(a.dataset.clients.count).toBe(3000);
    expect(a.dataset).toEqual(b.dataset);
  });

  it("produces well-formed columns and a valid CSR matrix", () => {
    const { dataset } = demo;
    const { clients, interactions } = dataset;
    const n = clients.count;
    expect(n).toBe(6000);
    expect(dataset.nServices).toBe(demo.catalog.services.length);
    for (const column of [clients.age, clients.monthlyIncome, clients.region, clients.gender]) {
      expect(column.length).toBe(n);
    }
    expect(clients.needsPtr.length).toBe(n + 1);
    expect(clients.needsPtr[n]).toBe(clients.needsIdx.length);
    expect(interactions.rowPtr.length).toBe(n + 1);
    expect(interactions.rowPtr[0]).toBe(0);
    expect(interactions.rowPtr[n]).toBe(interactions.col.length);
    expect(interactions.value.length).toBe(interactions.col.length);
    expect(interactions.time!.length).toBe(interactions.col.length);

    // Violations are collected and asserted once: one expect per cell would dominate the run time.
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && problems.length < 10) problems.push(what);
    };
    const segments = presetDefinition("demo").segments;
    for (let i = 0; i < n; i++) {
      const segment = segments[demo.truth.segmentOf(i)];
      check(clients.age[i] >= segment.ageMin && clients.age[i] <= segment.ageMax, `age of client ${i}`);
      check(clients.monthlyIncome[i] >= 12_000 && clients.monthlyIncome[i] % 1000 === 0, `income of client ${i}`);
      check(clients.region[i] < dataset.regions.length, `region of client ${i}`);
      check([GENDER_UNKNOWN, GENDER_FEMALE, GENDER_MALE].includes(clients.gender[i]), `gender of client ${i}`);

      check(clients.needsPtr[i + 1] >= clients.needsPtr[i], `needsPtr of client ${i}`);
      for (let k = clients.needsPtr[i]; k < clients.needsPtr[i + 1]; k++) {
        check(clients.needsIdx[k] < dataset.needsVocabulary.length, `needs tag ${k}`);
        if (k > clients.needsPtr[i]) check(clients.needsIdx[k] > clients.needsIdx[k - 1], `needs order of client ${i}`);
      }

      const from = interactions.rowPtr[i];
      const to = interactions.rowPtr[i + 1];
      check(to >= from, `rowPtr of client ${i}`);
      for (let k = from; k < to; k++) {
        check(interactions.col[k] >= 0 && interactions.col[k] < dataset.nServices, `column of cell ${k}`);
        if (k > from) check(interactions.col[k] > interactions.col[k - 1], `column order of client ${i}`);
        check(interactions.value[k] === 1 || interactions.value[k] === -1, `value of cell ${k}`);
        const at = interactions.time![k];
        check(Number.isInteger(at) && at <= NOW && at > NOW - DEMO_HISTORY_WINDOW_MS, `time of cell ${k}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("interaction matrix has realistic density: a few services used and some declined per client", () => {
    const { value } = demo.dataset.interactions;
    const perClient = value.length / demo.dataset.clients.count;
    expect(perClient).toBeGreaterThan(3);
    expect(perClient).toBeLessThan(15);
    const share = declineShare(demo);
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.8);
    // Every hand-made service is used by someone: the recommender has a column to learn from.
    for (const service of demo.catalog.services) expect(usersOf(demo, service.code)).toBeGreaterThan(0);
  });

  it("plants real segments: a signature service is taken far more inside its segment than outside", () => {
    for (const data of [demo, alt]) {
      for (const segment of data.truth.segments) {
        for (const service of segment.signature) {
          const rate = takeUp(data, service, segment.id);
          expect(rate.inside, `${segment.code} / ${data.catalog.services[service].code}`).toBeGreaterThan(
            3 * rate.outside,
          );
          expect(rate.inside).toBeGreaterThan(0.2);
        }
      }
    }
  });

  it("profiles follow the segments (retirees are older and poorer than affluent investors)", () => {
    const codes = demo.truth.segments.map((s) => s.code);
    const retirees = codes.indexOf("retirees");
    const affluent = codes.indexOf("affluent-investors");
    let retireeIncome = 0;
    let retireeCount = 0;
    let affluentIncome = 0;
    let affluentCount = 0;
    for (let i = 0; i < demo.dataset.clients.count; i++) {
      if (demo.truth.segment[i] === retirees) {
        retireeIncome += demo.dataset.clients.monthlyIncome[i];
        retireeCount++;
        expect(demo.dataset.clients.age[i]).toBeGreaterThanOrEqual(60);
      } else if (demo.truth.segment[i] === affluent) {
        affluentIncome += demo.dataset.clients.monthlyIncome[i];
        affluentCount++;
      }
    }
    expect(retireeCount).toBeGreaterThan(0.1 * demo.dataset.clients.count);
    expect(affluentIncome / affluentCount).toBeGreaterThan(4 * (retireeIncome / retireeCount));
  });

  it("pushes offers that a segment declines (retirees decline credit cards)", () => {
    const codes = demo.truth.segments.map((s) => s.code);
    const retirees = codes.indexOf("retirees");
    const creditCard = demo.catalog.services.findIndex((s) => s.code === "expo-credit-card");
    const { rowPtr, col, value } = demo.dataset.interactions;
    let offered = 0;
    let declined = 0;
    let clients = 0;
    for (let i = 0; i < demo.dataset.clients.count; i++) {
      if (demo.truth.segment[i] !== retirees) continue;
      clients++;
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        if (col[k] !== creditCard) continue;
        offered++;
        if (value[k] === -1) declined++;
      }
    }
    expect(offered / clients).toBeGreaterThan(0.3);
    expect(declined / offered).toBeGreaterThan(0.9);
  });

  it("truth reproduces the generator: expected acceptances over recorded cells match the observed ones", () => {
    for (const data of [demo, alt]) {
      const { rowPtr, col, value } = data.dataset.interactions;
      let expected = 0;
      let observed = 0;
      let outOfRange = 0;
      for (let i = 0; i < data.dataset.clients.count; i++) {
        for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
          const p = data.truth.clientAcceptanceProbability(i, col[k]);
          if (!(p > 0 && p <= MAX_ACCEPTANCE)) outOfRange++;
          expected += p;
          if (value[k] === 1) observed++;
        }
      }
      expect(outOfRange).toBe(0);
      expect(Math.abs(observed - expected) / expected).toBeLessThan(0.02);
    }
    const mortgage = demo.catalog.services.findIndex((s) => s.code === "expo-mortgage");
    const families = demo.truth.segments.findIndex((s) => s.code === "families-with-mortgage");
    expect(demo.truth.acceptanceProbability(families, mortgage)).toBeCloseTo(0.85, 5);
    expect(demo.truth.segmentOf(10)).toBe(demo.truth.segment[10]);
  });

  it("assigns each client a source company: mostly the bank, otherwise a partner whose service it uses", () => {
    const bank = demo.catalog.companies.findIndex((c) => c.kind === "bank");
    const { rowPtr, col, value } = demo.dataset.interactions;
    let fromBank = 0;
    for (let i = 0; i < demo.dataset.clients.count; i++) {
      const company = demo.clientCompany[i];
      if (company === bank) {
        fromBank++;
        continue;
      }
      const code = demo.catalog.companies[company].code;
      let usesIt = false;
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        if (value[k] === 1 && demo.catalog.services[col[k]].companyCode === code) usesIt = true;
      }
      expect(usesIt).toBe(true);
    }
    expect(fromBank / demo.dataset.clients.count).toBeGreaterThan(0.5);
    expect(fromBank).toBeLessThan(demo.dataset.clients.count);
  });

  it("the alt preset has another structure: other segments, more mixing, more declines, other favourites", () => {
    expect(alt.catalog.services.map((s) => s.code)).toEqual(demo.catalog.services.map((s) => s.code));
    expect(alt.truth.segments.length).not.toBe(demo.truth.segments.length);
    const demoSignatures = new Set(demo.truth.segments.map((s) => s.signature.join(",")));
    expect(alt.truth.segments.some((s) => !demoSignatures.has(s.signature.join(",")))).toBe(true);

    const mixedShare = (data: BankDataset) =>
      data.truth.secondarySegment.filter((s) => s !== NO_SECONDARY_SEGMENT).length / data.dataset.clients.count;
    expect(mixedShare(alt)).toBeGreaterThan(2 * mixedShare(demo));
    expect(declineShare(alt)).toBeGreaterThan(declineShare(demo) + 0.1);

    // The two banks prefer different telcos and insurers.
    expect(usersOf(demo, "volna-mobile")).toBeGreaterThan(usersOf(demo, "seversvyaz-mobile"));
    expect(usersOf(alt, "seversvyaz-mobile")).toBeGreaterThan(usersOf(alt, "volna-mobile"));
    expect(usersOf(demo, "expo-property-insurance")).toBeGreaterThan(usersOf(demo, "shchit-property"));
    expect(usersOf(alt, "shchit-property")).toBeGreaterThan(usersOf(alt, "expo-property-insurance"));
  });

  it("spreads cells of a scaled catalog over the tariff variants", () => {
    const scaled = generateBankDataset({ preset: "demo", clients: 2000, services: 200, seed: 3, now: NOW });
    expect(scaled.dataset.nServices).toBe(200);
    const used = new Uint8Array(200);
    for (const c of scaled.dataset.interactions.col) used[c] = 1;
    const usedVariants = used.slice(DEMO_BASE_SERVICE_COUNT).reduce((a, b) => a + b, 0);
    expect(usedVariants).toBeGreaterThan(100);
    const { rowPtr, col } = scaled.dataset.interactions;
    for (let i = 0; i < 2000; i++) {
      for (let k = rowPtr[i] + 1; k < rowPtr[i + 1]; k++) expect(col[k]).toBeGreaterThan(col[k - 1]);
    }
    // Variants carry their base service's truth.
    const variant = scaled.catalog.services[DEMO_BASE_SERVICE_COUNT];
    for (let g = 0; g < scaled.truth.segments.length; g++) {
      expect(scaled.truth.acceptanceProbability(g, variant.modelIndex)).toBe(
        scaled.truth.acceptanceProbability(g, variant.baseIndex),
      );
    }
  });

  it("refuses invalid options with a RangeError", () => {
    expect(() => generateBankDataset({ preset: "demo", clients: -1 })).toThrow(RangeError);
    expect(() => generateBankDataset({ preset: "demo", clients: 1.5 })).toThrow(RangeError);
    expect(() => generateBankDataset({ preset: "demo", seed: 0.5 })).toThrow(RangeError);
    expect(() => generateBankDataset({ preset: "demo", services: 10 })).toThrow(RangeError);
    expect(() => generateBankDataset({ preset: "demo", now: Number.NaN })).toThrow(RangeError);
    expect(() => generateBankDataset({ preset: "other" as "demo" })).toThrow(RangeError);
  });

  it("handles an empty client base", () => {
    const empty = generateBankDataset({ preset: "alt", clients: 0 });
    expect(empty.dataset.clients.count).toBe(0);
    expect(empty.dataset.interactions.rowPtr).toEqual(new Int32Array([0]));
    expect(empty.dataset.interactions.col.length).toBe(0);
  });
});

describe("clientExternalId", () => {
  it("formats the CRM id of a demo client", () => {
    expect(clientExternalId(0)).toBe("crm-000000");
    expect(clientExternalId(123)).toBe("crm-000123");
    expect(clientExternalId(1_234_567)).toBe("crm-1234567");
  });

  it("refuses negative or fractional indexes", () => {
    expect(() => clientExternalId(-1)).toThrow(RangeError);
    expect(() => clientExternalId(1.5)).toThrow(RangeError);
  });
});
