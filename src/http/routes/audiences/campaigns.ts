import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import {
  CAMPAIGN_CHANNELS,
  CAMPAIGN_STATUSES,
  MAX_CAMPAIGN_DAILY_CAP,
  MAX_CAMPAIGN_DAYS,
} from "../../../domain/audiences/campaign";
import { audienceFilterSchema } from "../../../domain/audiences/filter";
import { OFFER_TEXT_MAX_LENGTH } from "../../../domain/bot/offer-text";
import type { AppEnv } from "../../../env";
import { createCampaign, getCampaign, listCampaigns, setCampaignActive } from "../../../usecases/campaigns/manage";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";

export const campaignSchema = z
  .object({
    id: z.string(),
    title: z.string().describe("The partner's own label (never shown to people)"),
    service: z.string().describe("Code of the partner's service the offer is about"),
    text: z.string().describe("The offer text the bot shows, as written"),
    audience: audienceFilterSchema,
    channel: z.enum(CAMPAIGN_CHANNELS),
    starts_at: z.iso.datetime(),
    ends_at: z.iso.datetime(),
    daily_cap: z.int().describe("Most messages per UTC day"),
    status: z.enum(CAMPAIGN_STATUSES),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    results: z
      .object({
        reached: z.int().describe("People the bot told the offer"),
        interested: z.int().describe("Of them, answered “Интересно”"),
        deals: z.int().describe("Accepted deals on the leads of those answers"),
      })
      .describe("Aggregates only: no person is ever named or counted alone"),
  })
  .meta({ id: "PartnerCampaign" });

const idParam = z.strictObject({ id: z.string().min(1).max(64).describe("Campaign id (`cmp_…`)") });

export class CreateCampaignRoute extends ApiRoute {
  override schema = {
    operationId: "createPartnerCampaign",
    tags: ["Partner campaigns"],
    summary: "Create a campaign: an offer told by the bot to an audience",
    description:
      "The bot tells `text` (checked like the bot's offer texts: no templates or markup, nothing about the " +
      "person's finances, no personal data) about one of the caller's active services to the people of `audience` " +
      "who consented to offers from partners, at most once per person, within `daily_cap` per UTC day and each " +
      "person's frequency caps, between `starts_at` and `ends_at` (at most " +
      `${MAX_CAMPAIGN_DAYS} days). An audience below k is refused (422 \`audience_suppressed\`); checking it spends ` +
      "one audience query of the daily budget. The campaign starts active; pause it (or the company) to stop sends at once.",
    request: {
      body: contentJson(
        z.strictObject({
          title: z.string().trim().min(1).max(120),
          service: z.string().min(1).max(64).describe("Code of one of the caller's active services"),
          text: z.string().min(1).max(OFFER_TEXT_MAX_LENGTH),
          audience: audienceFilterSchema,
          channel: z.enum(CAMPAIGN_CHANNELS),
          starts_at: z.iso.datetime(),
          ends_at: z.iso.datetime(),
          daily_cap: z.int().min(1).max(MAX_CAMPAIGN_DAILY_CAP),
        }),
      ),
    },
    responses: {
      "201": { description: "The campaign", ...contentJson(campaignSchema) },
      ...errorResponses(400, 403, 422, 429),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const campaign = await createCampaign(
      c.env,
      companyId,
      {
        title: body.title,
        service: body.service,
        text: body.text,
        audience: body.audience,
        channel: body.channel,
        startsAt: Date.parse(body.starts_at),
        endsAt: Date.parse(body.ends_at),
        dailyCap: body.daily_cap,
      },
      Date.now(),
    );
    return c.json(campaign, 201);
  }
}

export class ListCampaignsRoute extends ApiRoute {
  override schema = {
    operationId: "listPartnerCampaigns",
    tags: ["Partner campaigns"],
    summary: "The caller's campaigns, newest first, with their aggregate results",
    responses: {
      "200": {
        description: "The campaigns",
        ...contentJson(z.object({ items: z.array(campaignSchema) }).meta({ id: "PartnerCampaigns" })),
      },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    return { items: await listCampaigns(c.env, companyId) };
  }
}

export class GetCampaignRoute extends ApiRoute {
  override schema = {
    operationId: "getPartnerCampaign",
    tags: ["Partner campaigns"],
    summary: "One of the caller's campaigns, with its aggregate results",
    request: { params: idParam },
    responses: {
      "200": { description: "The campaign", ...contentJson(campaignSchema) },
      ...errorResponses(403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return getCampaign(c.env, companyId, params.id);
  }
}

function statusRoute(active: boolean) {
  return class extends ApiRoute {
    override schema = {
      operationId: active ? "resumePartnerCampaign" : "pausePartnerCampaign",
      tags: ["Partner campaigns"],
      summary: active ? "Resume a paused campaign" : "Pause a campaign: no message is sent after this answer",
      description: active
        ? "The campaign sends again from the next run, within its schedule and caps. Resuming an active campaign changes nothing."
        : "The sender reads the campaign's status before every message, so nothing is sent once this call has answered. " +
          "Pausing a paused campaign changes nothing. Also at `…/{id}:pause`.",
      request: { params: idParam },
      responses: {
        "200": { description: "The campaign", ...contentJson(campaignSchema) },
        ...errorResponses(403, 404),
      },
    };

    override async handle(c: Context<AppEnv>) {
      const { companyId } = requireCompanyScope(c, "partner");
      const { params } = await this.getValidatedData<typeof this.schema>();
      return setCampaignActive(c.env, companyId, params.id, active, Date.now());
    }
  };
}

export const PauseCampaignRoute = statusRoute(false);
export const ResumeCampaignRoute = statusRoute(true);

/** `POST /v1/partner/campaigns/{id}:pause` and `{id}:resume`: the custom-method spelling of the two routes above. */
export class CampaignCustomMethodRoute extends ApiRoute {
  override schema = {
    operationId: "pauseOrResumePartnerCampaign",
    tags: ["Partner campaigns"],
    summary: "Pause or resume a campaign: `{id}:pause`, `{id}:resume`",
    description:
      "The same as `POST /v1/partner/campaigns/{id}/pause` and `…/resume`, spelled as a custom method: the last " +
      "path segment is the campaign id, a colon and the method.",
    request: {
      params: z.strictObject({
        ref: z
          .string()
          .regex(/^[^:]{1,64}:(pause|resume)$/, "Use {id}:pause or {id}:resume")
          .describe("`cmp_…:pause` or `cmp_…:resume`"),
      }),
    },
    responses: {
      "200": { description: "The campaign", ...contentJson(campaignSchema) },
      ...errorResponses(403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { params } = await this.getValidatedData<typeof this.schema>();
    const [id, method] = params.ref.split(":");
    return setCampaignActive(c.env, companyId, id, method === "resume", Date.now());
  }
}
