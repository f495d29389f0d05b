/**
 * The loyalty points ledger ("expoballs"): immutable and double-entry. Every operation carries an
 * idempotency key and becomes at most one transfer, whose entries sum to zero across accounts:
 *
 * - earn: `issuance` → the person, pending (e.g. a referral reward waiting for the referred
 *   person's first accepted deal) or posted at once; a posted earn opens a lot that expires;
 * - post / void: a pending earn becomes posted (its lot opens) or voided (it never counted);
 * - spend: the person → a reward's company, consuming lots oldest-expiry first; refused when the
 *   available balance is short, so a balance is never negative;
 * - expire: every lot past its expiry moves what is left of it to `expired`.
 *
 * Replaying an operation (same key, same content) changes nothing and answers the first outcome;
 * the same key with other content is refused. Pure: no I/O; storage keeps the operations and
 * entries, and rebuilds the state by folding them.
 */
import { DomainError } from "../errors";

export const ISSUANCE_ACCOUNT = "issuance";
export const EXPIRED_ACCOUNT = "expired";
export const personAccount = (personId: string) => `person:${personId}`;
export const companyAccount = (companyId: string) => `company:${companyId}`;

export type TransferStatus = "pending" | "posted" | "voided";

export type LedgerOperation =
  | {
      kind: "earn";
      key: string;
      personId: string;
      points: number;
      at: number;
      expiresAt: number;
      pending: boolean;
      reason: string;
    }
  | { kind: "post"; key: string; transferKey: string; at: number }
  | { kind: "void"; key: string; transferKey: string; at: number }
  | { kind: "spend"; key: string; personId: string; points: number; at: number; companyId: string; reason: string }
  | { kind: "expire"; key: string; personId: string; at: number };

export interface LedgerEntry {
  transferKey: string;
  account: string;
  /** Positive: credited to the account; negative: debited. */
  points: number;
  /** The lot the entry opens or draws from (person accounts only). */
  lotKey: string | null;
}

export interface Transfer {
  key: string;
  kind: "earn" | "spend" | "expire";
  personId: string;
  status: TransferStatus;
  at: number;
  reason: string;
  entries: readonly LedgerEntry[];
}

export interface Lot {
  /** The key of the earn that opened it. */
  key: string;
  personId: string;
  expiresAt: number;
  openedAt: number;
  remaining: number;
}

export interface ApplyResult {
  /** The transfer the operation made or changed; null when it had nothing to do (an empty expiry). */
  transfer: Transfer | null;
  replayed: boolean;
}

function assertPoints(points: number) {
  if (!Number.isSafeInteger(points) || points <= 0) {
    throw new DomainError("validation_failed", "points must be a positive whole number", ["points"]);
  }
}

/** Oldest expiry first, then oldest lot: the order lots are spent and expire in. */
function lotOrder(a: Lot, b: Lot) {
  return a.expiresAt - b.expiresAt || a.openedAt - b.openedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export class Ledger {
  private readonly transfers = new Map<string, Transfer>();
  private readonly lots = new Map<string, Lot[]>();
  /** Every applied operation by its key (its content, to tell a replay from a clash) and its outcome. */
  private readonly applied = new Map<string, { fingerprint: string; result: Transfer | null }>();
  private readonly log: LedgerEntry[] = [];

  /** Every entry in the order written (never changed afterwards). */
  entries(): readonly LedgerEntry[] {
    return this.log;
  }

  transfer(key: string): Transfer | undefined {
    return this.transfers.get(key);
  }

  allTransfers(): Transfer[] {
    return [...this.transfers.values()];
  }

  /** Points the person may spend now: what is left of the person's open lots. */
  balance(personId: string): number {
    return (this.lots.get(personId) ?? []).reduce((sum, lot) => sum + lot.remaining, 0);
  }

  /** Points the person earned that wait to be posted. */
  pending(personId: string): number {
    let sum = 0;
    for (const t of this.transfers.values()) {
      if (t.personId === personId && t.kind === "earn" && t.status === "pending") sum += t.entries[1].points;
    }
    return sum;
  }

  openLots(personId: string): readonly Lot[] {
    return (this.lots.get(personId) ?? []).filter((lot) => lot.remaining > 0);
  }

  /** The posted balance of any account, from the entries (for the double-entry checks). */
  accountBalance(account: string): number {
    let sum = 0;
    for (const entry of this.log) {
      const transfer = this.transfers.get(entry.transferKey);
      if (entry.account === account && transfer?.status === "posted") sum += entry.points;
    }
    return sum;
  }

  apply(operation: LedgerOperation): ApplyResult {
    const fingerprint = JSON.stringify(operation);
    const previous = this.applied.get(operation.key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw new DomainError("idempotency_mismatch", `Operation ${operation.key} was applied with other content`);
      }
      return { transfer: previous.result, replayed: true };
    }
    const transfer = this.run(operation);
    this.applied.set(operation.key, { fingerprint, result: transfer });
    return { transfer, replayed: false };
  }

  private run(op: LedgerOperation): Transfer | null {
    switch (op.kind) {
      case "earn":
        return this.earn(op);
      case "post":
      case "void":
        return this.settle(op);
      case "spend":
        return this.spend(op);
      case "expire":
        return this.expire(op);
    }
  }

  private record(transfer: Transfer): Transfer {
    this.transfers.set(transfer.key, transfer);
    this.log.push(...transfer.entries);
    return transfer;
  }

  private openLot(personId: string, key: string, points: number, openedAt: number, expiresAt: number) {
    const lots = this.lots.get(personId) ?? [];
    lots.push({ key, personId, expiresAt, openedAt, remaining: points });
    lots.sort(lotOrder);
    this.lots.set(personId, lots);
  }

  private earn(op: Extract<LedgerOperation, { kind: "earn" }>): Transfer {
    assertPoints(op.points);
    if (this.transfers.has(op.key)) throw new DomainError("conflict", `Transfer ${op.key} exists`);
    if (op.expiresAt <= op.at) throw new DomainError("validation_failed", "points must expire after they are earned");
    const transfer = this.record({
      key: op.key,
      kind: "earn",
      personId: op.personId,
      status: op.pending ? "pending" : "posted",
      at: op.at,
      reason: op.reason,
      entries: [
        { transferKey: op.key, account: ISSUANCE_ACCOUNT, points: -op.points, lotKey: null },
        { transferKey: op.key, account: personAccount(op.personId), points: op.points, lotKey: op.key },
      ],
    });
    if (!op.pending) this.openLot(op.personId, op.key, op.points, op.at, op.expiresAt);
    this.expiries.set(op.key, op.expiresAt);
    return transfer;
  }

  /** Expiry of each earn, for the lot a pending earn opens when posted. */
  private readonly expiries = new Map<string, number>();

  private settle(op: Extract<LedgerOperation, { kind: "post" | "void" }>): Transfer {
    const transfer = this.transfers.get(op.transferKey);
    if (!transfer) throw new DomainError("not_found", `No transfer ${op.transferKey}`);
    if (transfer.status !== "pending") {
      throw new DomainError(
        "conflict",
        `Transfer ${op.transferKey} is ${transfer.status}; only a pending one can change`,
      );
    }
    const settled: Transfer = { ...transfer, status: op.kind === "post" ? "posted" : "voided" };
    this.transfers.set(transfer.key, settled);
    if (op.kind === "post") {
      const expiresAt = this.expiries.get(transfer.key)!;
      // A reward posted after its points' expiry is worth nothing: the lot opens already expired.
      this.openLot(transfer.personId, transfer.key, transfer.entries[1].points, op.at, Math.max(expiresAt, op.at));
    }
    return settled;
  }

  private spend(op: Extract<LedgerOperation, { kind: "spend" }>): Transfer {
    assertPoints(op.points);
    const lots = (this.lots.get(op.personId) ?? []).filter((lot) => lot.remaining > 0 && lot.expiresAt > op.at);
    const available = lots.reduce((sum, lot) => sum + lot.remaining, 0);
    if (available < op.points) {
      throw new DomainError("unprocessable", `Not enough points: ${available} available, ${op.points} asked`);
    }
    const entries: LedgerEntry[] = [];
    let left = op.points;
    for (const lot of lots) {
      if (left === 0) break;
      const take = Math.min(lot.remaining, left);
      lot.remaining -= take;
      left -= take;
      entries.push({ transferKey: op.key, account: personAccount(op.personId), points: -take, lotKey: lot.key });
    }
    entries.push({ transferKey: op.key, account: companyAccount(op.companyId), points: op.points, lotKey: null });
    return this.record({
      key: op.key,
      kind: "spend",
      personId: op.personId,
      status: "posted",
      at: op.at,
      reason: op.reason,
      entries,
    });
  }

  private expire(op: Extract<LedgerOperation, { kind: "expire" }>): Transfer | null {
    const due = (this.lots.get(op.personId) ?? []).filter((lot) => lot.remaining > 0 && lot.expiresAt <= op.at);
    if (due.length === 0) return null;
    const entries: LedgerEntry[] = [];
    let total = 0;
    for (const lot of due) {
      entries.push({
        transferKey: op.key,
        account: personAccount(op.personId),
        points: -lot.remaining,
        lotKey: lot.key,
      });
      total += lot.remaining;
      lot.remaining = 0;
    }
    entries.push({ transferKey: op.key, account: EXPIRED_ACCOUNT, points: total, lotKey: null });
    return this.record({
      key: op.key,
      kind: "expire",
      personId: op.personId,
      status: "posted",
      at: op.at,
      reason: "expiry",
      entries,
    });
  }
}
