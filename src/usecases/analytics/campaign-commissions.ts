/**
 * The partner-campaign part of a commission statement: which accruing deals came from a campaign (a
 * deal on the lead of a campaign offer the person answered “Интересно” to) and what each campaign
 * earned the platform. Campaign deals accrue commission like every deal on a lead, at the company's
 * rate; this only attributes them.
 */
import type { CommissionStatementLine } from "../../domain/commission";
import { campaignLeadIds } from "../../storage/campaigns";
import { controlDb, type DatabaseBindings } from "../../storage/shards";

export interface CampaignCommission {
  campaign_id: string;
  title: string;
  accepted_deals: number;
  accruing_deals: number;
  gross_amount_kopecks: number;
  commission_kopecks: number;
}

export async function campaignCommissions(
  env: DatabaseBindings,
  companyId: string,
  deals: ReadonlyArray<{ id: string; leadId: string | null; outcome: string }>,
  lines: readonly CommissionStatementLine[],
): Promise<{ campaigns: CampaignCommission[]; campaignOfDeal: Map<string, string> }> {
  const campaignOfLead = await campaignLeadIds(controlDb(env), companyId);
  const campaignOfDeal = new Map<string, string>();
  const byId = new Map<string, CampaignCommission>();
  for (const deal of deals) {
    const campaign = deal.leadId ? campaignOfLead.get(deal.leadId) : undefined;
    if (!campaign) continue;
    campaignOfDeal.set(deal.id, campaign.id);
    let entry = byId.get(campaign.id);
    if (!entry) {
      entry = {
        campaign_id: campaign.id,
        title: campaign.title,
        accepted_deals: 0,
        accruing_deals: 0,
        gross_amount_kopecks: 0,
        commission_kopecks: 0,
      };
      byId.set(campaign.id, entry);
    }
    if (deal.outcome === "accepted") entry.accepted_deals++;
  }
  for (const line of lines) {
    const id = campaignOfDeal.get(line.deal_id);
    if (!id) continue;
    const entry = byId.get(id)!;
    entry.accruing_deals++;
    entry.gross_amount_kopecks += line.amount_kopecks;
    entry.commission_kopecks += line.commission_kopecks;
  }
  const campaigns = [...byId.values()].sort((a, b) => (a.campaign_id < b.campaign_id ? -1 : 1));
  return { campaigns, campaignOfDeal };
}
