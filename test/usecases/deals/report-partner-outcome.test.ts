/**
 * A partner's outcome report as a use case: the shared deal write, the repeat that changes nothing,
 * the latest-outcome-wins rule for a correction dated earlier, and the refusals.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEAL_FUTURE_TOLERANCE_MS } from "../../../src/domain/deal-rules";
import { reportPartnerOutcome } from "../../../src/usecases/deals/report-partner-outcome";
import { allShardsD1 } from "../../all-shards";
import { seedLeads, seedReceiver } from "../lead-delivery/fixtures";

async function dealCount(leadId: string) {
  const row = await allShardsD1.prepare("SELECT COUNT(*) AS n FROM deals WHERE lead_id = ?").bind(leadId).first<{
    n: number;
  }>();
  return row?.n ?? 0;
}

async function receivedLead() {
  const receiver = await seedReceiver({ url: null });
  const [lead] = await seedLeads(receiver, 1);
  return { companyId: receiver.id, leadId: lead.id };
}

describe("reportPartnerOutcome", () => {
  it("records the deal, moves the lead, and a repeat of the latest report changes nothing", async () => {
    const { companyId, leadId } = await receivedLead();
    const at = Date.now() - 60_000;
    const outcome = { outcome: "accepted" as const, amount: 2500, occurred_at: new Date(at).toISOString() };
    const first = await reportPartnerOutcome(env, { companyId, leadId, outcome });
    expect(first.changed).toBe(true);
    expect(first.lead.status).toBe("accepted");
    expect(first.deal).toMatchObject({ outcome: "accepted", amount: 2500, occurredAt: at });

    const repeat = await reportPartnerOutcome(env, { companyId, leadId, outcome });
    expect(repeat.changed).toBe(false);
    expect(repeat.deal.id).toBe(first.deal.id);
    expect(await dealCount(leadId)).toBe(1);
  });

  it("keeps a correction dated before the standing outcome, without changing the lead", async () => {
    const { companyId, leadId } = await receivedLead();
    const now = Date.now();
    await reportPartnerOutcome(env, {
      companyId,
      leadId,
      outcome: { outcome: "accepted", occurred_at: new Date(now - 1_000).toISOString() },
    });
    const older = await reportPartnerOutcome(env, {
      companyId,
      leadId,
      outcome: { outcome: "declined", occurred_at: new Date(now - 60_000).toISOString() },
    });
    expect(older.changed).toBe(true);
    expect(older.lead.status).toBe("accepted");
    expect(await dealCount(leadId)).toBe(2);
  });

  it("refuses an outcome dated beyond the clock skew tolerance, and another company's lead", async () => {
    const { companyId, leadId } = await receivedLead();
    const now = Date.now();
    const future = new Date(now + DEAL_FUTURE_TOLERANCE_MS + 60_000).toISOString();
    await expect(
      reportPartnerOutcome(env, { companyId, leadId, outcome: { outcome: "accepted", occurred_at: future } }, now),
    ).rejects.toMatchObject({ code: "validation_failed", items: [{ path: ["body", "occurred_at"] }] });

    const other = await seedReceiver({ url: null });
    await expect(
      reportPartnerOutcome(env, { companyId: other.id, leadId, outcome: { outcome: "accepted" } }),
    ).rejects.toMatchObject({ code: "not_found", message: `Lead ${leadId} not found` });
    expect(await dealCount(leadId)).toBe(0);
  });
});
