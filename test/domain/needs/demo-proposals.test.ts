/**
 * Link proposals on the demo bank (the data `npm run seed` loads: 3,000 clients, seed 42): the shard
 * counts are taken straight from the generated dataset (holdings = cells of value 1, needs = the
 * clients' CRM needs), the hand-made links the seed loads are skipped, and the rules are mined with
 * the product's thresholds.
 */
import { describe, expect, it } from "vitest";
import {
  DEMO_DEFAULT_CLIENTS,
  DEMO_DEFAULT_SEED,
  DEMO_REFERENCE_NOW,
  generateBankDataset,
} from "../../../scripts/datagen/demo";
import {
  type MergedAssociationCounts,
  MIN_RULE_LIFT,
  MIN_RULE_SUPPORT,
  mineAssociationRules,
} from "../../../src/domain/needs/association-rules";

function demoCounts(): { counts: MergedAssociationCounts; linked: Set<string> } {
  const data = generateBankDataset({
    preset: "demo",
    clients: DEMO_DEFAULT_CLIENTS,
    seed: DEMO_DEFAULT_SEED,
    now: DEMO_REFERENCE_NOW,
  });
  const { dataset, catalog } = data;
  const code = (index: number) => catalog.services[index].code;
  const serviceClients = new Map<string, number>();
  const needClients = new Map<string, number>();
  const servicePairs = new Map<string, number>();
  const needServicePairs = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const { rowPtr, col, value } = dataset.interactions;
  const { needsPtr, needsIdx } = dataset.clients;
  for (let i = 0; i < dataset.clients.count; i++) {
    const held: string[] = [];
    for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) if (value[k] === 1) held.push(code(col[k]));
    const needs = new Set<string>();
    for (let k = needsPtr[i]; k < needsPtr[i + 1]; k++) needs.add(dataset.needsVocabulary[needsIdx[k]]);
    for (const a of held) {
      bump(serviceClients, a);
      for (const b of held) if (a !== b) bump(servicePairs, `${a}\u0000${b}`);
    }
    for (const n of needs) {
      bump(needClients, n);
      for (const b of held) bump(needServicePairs, `${n}\u0000${b}`);
    }
  }
  return {
    counts: { clients: dataset.clients.count, serviceClients, needClients, servicePairs, needServicePairs },
    linked: new Set(catalog.links.map((link) => `${link.fromCode}\u0000${link.toCode}`)),
  };
}

describe("link proposals on the demo bank", () => {
  it("proposes service and need rules that meet every threshold, none already in the matrix", () => {
    const { counts, linked } = demoCounts();
    const rules = mineAssociationRules(counts, linked);
    expect(rules.filter((r) => r.antecedentKind === "service").length).toBeGreaterThan(0);
    expect(rules.filter((r) => r.antecedentKind === "need").length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.support).toBeGreaterThanOrEqual(MIN_RULE_SUPPORT);
      expect(rule.lift).toBeGreaterThanOrEqual(MIN_RULE_LIFT);
      expect(rule.liftLower).toBeGreaterThan(1);
      expect(rule.confidence).toBeCloseTo(rule.support / rule.antecedentClients, 12);
      expect(rule.baseRate).toBeCloseTo(rule.consequentClients / counts.clients, 12);
      if (rule.antecedentKind === "service")
        expect(linked.has(`${rule.antecedent}\u0000${rule.consequent}`)).toBe(false);
    }
    const table = rules.map(
      (r) =>
        `${r.antecedentKind}:${r.antecedent} -> ${r.consequent} | support ${r.support} | lift ${r.lift.toFixed(2)} | ` +
        `lower ${r.liftLower.toFixed(2)} | P(A) ${r.antecedentRate.toFixed(3)} | P(B) ${r.baseRate.toFixed(3)} | conf ${r.confidence.toFixed(3)}`,
    );
    console.log(`demo proposals (${rules.length}):\n${table.join("\n")}`);
  });
});
