/**
 * The loyalty ledger of one person on D1: the person's operations are folded into the pure
 * `Ledger`, the new operation is applied to it, and the operation and its entries are appended in
 * one batch. A replay (same key, same content) writes nothing; a writer that lost a race to a
 * concurrent one re-reads and applies again.
 */
import { DomainError } from "../../domain/errors";
import { type ApplyResult, Ledger, type LedgerOperation } from "../../domain/loyalty/ledger";
import type { Env } from "../../env";
import { appendOperation, type EarnEvent, getEarnRule, isSeqConflict, loadOperations } from "../../storage/loyalty";
import { controlDb } from "../../storage/shards";

const MAX_ATTEMPTS = 5;
const DAY_MS = 86_400_000;

async function foldPersonLedger(env: Env, personId: string) {
  const rows = await loadOperations(controlDb(env), personId);
  const ledger = new Ledger();
  for (const row of rows) ledger.apply(JSON.parse(row.body) as LedgerOperation);
  return { ledger, nextSeq: rows.length === 0 ? 1 : rows[rows.length - 1].seq + 1 };
}

export async function applyLoyaltyOperation(
  env: Env,
  personId: string,
  operation: LedgerOperation,
): Promise<ApplyResult> {
  for (let attempt = 1; ; attempt++) {
    const { ledger, nextSeq } = await foldPersonLedger(env, personId);
    const before = ledger.entries().length;
    const result = ledger.apply(operation);
    if (result.replayed) return result;
    try {
      await appendOperation(controlDb(env), {
        key: operation.key,
        personId,
        seq: nextSeq,
        body: JSON.stringify(operation),
        at: operation.at,
        entries: ledger.entries().slice(before),
      });
      return result;
    } catch (error) {
      if (isSeqConflict(error) && attempt < MAX_ATTEMPTS) continue;
      if (isSeqConflict(error)) throw new DomainError("conflict", "The ledger changed meanwhile; try again");
      throw error;
    }
  }
}

/** Points the person may spend now and points waiting to be posted. */
export async function loyaltyBalance(env: Env, personId: string) {
  const { ledger } = await foldPersonLedger(env, personId);
  return { available: ledger.balance(personId), pending: ledger.pending(personId) };
}

/**
 * Earns the points of an event under its admin rule (nothing when there is none or it is off).
 * `key` names the occurrence (e.g. `survey:<person>`), so the same event never earns twice.
 */
export async function earnForEvent(
  env: Env,
  input: { personId: string; event: EarnEvent; key: string; now: number; pending?: boolean },
): Promise<ApplyResult | null> {
  const rule = await getEarnRule(controlDb(env), input.event);
  if (!rule?.active || rule.points <= 0) return null;
  return applyLoyaltyOperation(env, input.personId, {
    kind: "earn",
    key: input.key,
    personId: input.personId,
    points: rule.points,
    at: input.now,
    expiresAt: input.now + rule.lifetimeDays * DAY_MS,
    pending: input.pending ?? false,
    reason: input.event,
  });
}
