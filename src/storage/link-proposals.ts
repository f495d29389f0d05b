/**
 * `link_proposals` (control database): association rules proposed as cross-service links, and the
 * admins' decisions on them. Writes return statements so that a decision, its link and its audit
 * entry commit in one batch (src/usecases/link-proposals/).
 */
import { and, asc, desc, eq, lt, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AssociationRule } from "../domain/needs/association-rules";
import { randomToken } from "../lib/ids";
import { boundParametersPerRow, chunkRows, type Db } from "./db";
import { linkProposals, services } from "./schema";

export type LinkProposalRow = typeof linkProposals.$inferSelect;
export type LinkProposalStatus = LinkProposalRow["status"];

/** Every proposal with `status` (all when omitted), strongest evidence first. */
export async function listLinkProposals(db: Db, status?: LinkProposalStatus): Promise<LinkProposalRow[]> {
  return db
    .select()
    .from(linkProposals)
    .where(status === undefined ? undefined : eq(linkProposals.status, status))
    .orderBy(desc(linkProposals.liftLower), desc(linkProposals.support), asc(linkProposals.id));
}

export async function getLinkProposal(db: Db, id: string): Promise<LinkProposalRow | null> {
  const [row] = await db.select().from(linkProposals).where(eq(linkProposals.id, id));
  return row ?? null;
}

/** The need → service rules that are not rejected, with their consequent's model index: the need boost's rules. */
export async function usableNeedRules(db: Db) {
  return db
    .select({
      need: linkProposals.antecedent,
      modelIndex: services.modelIndex,
      liftLower: linkProposals.liftLower,
      status: linkProposals.status,
      weight: linkProposals.weight,
    })
    .from(linkProposals)
    .innerJoin(services, eq(services.code, linkProposals.consequent))
    .where(and(eq(linkProposals.antecedentKind, "need"), ne(linkProposals.status, "rejected")))
    .orderBy(asc(linkProposals.antecedent), asc(services.modelIndex));
}

/**
 * Stores a computation's rules: a new rule becomes `proposed`; a `proposed` one gets the new counts;
 * a decided one (approved or rejected) is left as decided (never proposed again). `proposed` rules
 * the computation no longer finds are removed.
 */
export async function storeComputedRules(db: Db, rules: readonly AssociationRule[], now: number): Promise<void> {
  const rows = rules.map((rule) => ({
    id: `lp_${randomToken(20)}`,
    antecedentKind: rule.antecedentKind,
    antecedent: rule.antecedent,
    consequent: rule.consequent,
    support: rule.support,
    antecedentClients: rule.antecedentClients,
    consequentClients: rule.consequentClients,
    totalClients: rule.totalClients,
    lift: rule.lift,
    liftLower: rule.liftLower,
    status: "proposed" as const,
    weight: null,
    computedAt: now,
    decidedAt: null,
    decidedBy: null,
  }));
  const queries: BatchItem<"sqlite">[] = chunkRows(rows, boundParametersPerRow(linkProposals)).map((chunk) =>
    db
      .insert(linkProposals)
      .values(chunk)
      .onConflictDoUpdate({
        target: [linkProposals.antecedentKind, linkProposals.antecedent, linkProposals.consequent],
        set: {
          support: sql`excluded.support`,
          antecedentClients: sql`excluded.antecedent_clients`,
          consequentClients: sql`excluded.consequent_clients`,
          totalClients: sql`excluded.total_clients`,
          lift: sql`excluded.lift`,
          liftLower: sql`excluded.lift_lower`,
          computedAt: sql`excluded.computed_at`,
        },
        setWhere: eq(linkProposals.status, "proposed"),
      }),
  );
  queries.push(
    db.delete(linkProposals).where(and(eq(linkProposals.status, "proposed"), lt(linkProposals.computedAt, now))),
  );
  await db.batch(queries as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/**
 * The guarded decision: only a still-`proposed` row changes (a concurrent decision makes it a
 * no-op, which `auditEntryIfChanged` after it then skips).
 */
export function decideProposalQuery(
  db: Db,
  id: string,
  decision: { status: "approved" | "rejected"; weight: number | null; by: string; at: number },
) {
  return db
    .update(linkProposals)
    .set({ status: decision.status, weight: decision.weight, decidedAt: decision.at, decidedBy: decision.by })
    .where(and(eq(linkProposals.id, id), eq(linkProposals.status, "proposed")));
}
