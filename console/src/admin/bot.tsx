import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api";
import { type MessageKey, t } from "../i18n";
import { ActionButton, ErrorNote, formatDate, formatNumber, Loading, useLoad } from "../ui";

type OfferText = Schemas["BotOfferText"];
type EarnRule = Schemas["LoyaltyEarnRule"];
type Reward = Schemas["LoyaltyReward"];
type OfferLocale = OfferText["locale"];
type RewardKind = Reward["kind"];

const OFFER_LOCALES: OfferLocale[] = ["ru", "en"];
const REWARD_KINDS: RewardKind[] = ["discount", "bundle", "cashback"];
const FUNNEL_STAGES = ["entered", "consented", "surveyed", "offered", "interested", "deals", "withdrawn"] as const;

/** The Telegram bot: what it says (offer texts), what earns points, the rewards, and a company's funnel. */
export function BotPage({ canWrite }: { canWrite: boolean }) {
  return (
    <div class="page">
      <OfferTexts canWrite={canWrite} />
      <EarnRules canWrite={canWrite} />
      <Rewards canWrite={canWrite} />
      <BotFunnel />
    </div>
  );
}

function OfferTexts({ canWrite }: { canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const state = useLoad(
    () =>
      Promise.all([unwrap(api.GET("/v1/admin/bot/offer-texts")), unwrap(api.GET("/v1/admin/services"))]).then(
        ([texts, services]) => ({ texts: texts.items, services: services.services }),
      ),
    [tick],
  );
  const [editing, setEditing] = useState<{ service: string; locale: OfferLocale; text: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const startEditing = (service: string, locale: OfferLocale, text: string) => {
    setError(null);
    setSaved(null);
    setEditing({ service, locale, text });
  };
  const save = async (event: Event) => {
    event.preventDefault();
    if (!editing) return;
    setError(null);
    try {
      const stored = await unwrap(
        api.PUT("/v1/admin/bot/offer-texts/{service}/{locale}", {
          params: { path: { service: editing.service, locale: editing.locale } },
          body: { text: editing.text },
        }),
      );
      setSaved(`${stored.service} · ${stored.locale}`);
      setEditing(null);
      setTick((n) => n + 1);
    } catch (caught) {
      // The editor stays open with the text as typed, so the named problem can be fixed in place.
      setError(caught);
    }
  };
  return (
    <section aria-labelledby="bot-offer-texts" class="card">
      <h2 id="bot-offer-texts">{t("botOfferTexts")}</h2>
      <p class="hint">{t("botOfferTextsHint")}</p>
      <Loading state={state}>
        {({ texts, services }) => (
          <>
            <table>
              <caption class="visually-hidden">{t("botOfferTexts")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("service")}</th>
                  <th scope="col">{t("botLocale")}</th>
                  <th scope="col">{t("botText")}</th>
                  <th scope="col">{t("updatedAt")}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t("actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {texts.length === 0 ? (
                  <tr>
                    <td colSpan={5}>{t("botNoOfferTexts")}</td>
                  </tr>
                ) : null}
                {texts.map((text) => (
                  <tr key={`${text.service}/${text.locale}`} data-offer-text={`${text.service}/${text.locale}`}>
                    <td>
                      <code>{text.service}</code>
                    </td>
                    <td>{text.locale}</td>
                    <td data-testid="offer-text">{text.text}</td>
                    <td>
                      {formatDate(text.updated_at)} · {text.updated_by}
                    </td>
                    <td>
                      {canWrite ? (
                        <>
                          <button
                            type="button"
                            aria-label={`${t("edit")} ${text.service} ${text.locale}`}
                            onClick={() => startEditing(text.service, text.locale, text.text)}
                          >
                            {t("edit")}
                          </button>{" "}
                          <ActionButton
                            kind="danger"
                            label={`${t("delete")} ${text.service} ${text.locale}`}
                            confirm={t("confirmDeleteOfferText", { service: text.service, locale: text.locale })}
                            onAction={async () => {
                              await unwrap(
                                api.DELETE("/v1/admin/bot/offer-texts/{service}/{locale}", {
                                  params: { path: { service: text.service, locale: text.locale } },
                                }),
                              );
                              setTick((n) => n + 1);
                            }}
                          >
                            {t("delete")}
                          </ActionButton>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {canWrite && !editing ? (
              <p>
                <button
                  type="button"
                  onClick={() => startEditing(services[0]?.code ?? "", "ru", "")}
                  disabled={services.length === 0}
                >
                  {t("botNewOfferText")}
                </button>
              </p>
            ) : null}
            {canWrite && editing ? (
              <form onSubmit={save} class="grid-form" aria-label={t("botEditOfferText")}>
                <label for="offer-service">{t("service")}</label>
                <select
                  id="offer-service"
                  value={editing.service}
                  onChange={(e) => setEditing({ ...editing, service: e.currentTarget.value })}
                >
                  {services.map((service) => (
                    <option key={service.code} value={service.code}>
                      {service.code} — {service.name}
                    </option>
                  ))}
                </select>
                <label for="offer-locale">{t("botLocale")}</label>
                <select
                  id="offer-locale"
                  value={editing.locale}
                  onChange={(e) => setEditing({ ...editing, locale: e.currentTarget.value as OfferLocale })}
                >
                  {OFFER_LOCALES.map((locale) => (
                    <option key={locale} value={locale}>
                      {locale}
                    </option>
                  ))}
                </select>
                <label for="offer-text">{t("botText")}</label>
                <textarea
                  id="offer-text"
                  rows={3}
                  required
                  value={editing.text}
                  onInput={(e) => setEditing({ ...editing, text: e.currentTarget.value })}
                />
                <span>
                  <button type="submit" class="primary">
                    {t("save")}
                  </button>{" "}
                  <button type="button" onClick={() => setEditing(null)}>
                    {t("cancel")}
                  </button>
                </span>
              </form>
            ) : null}
            <ErrorNote error={error} />
            {saved ? (
              <p role="status" data-testid="offer-text-saved">
                {t("botSaved")}: {saved}
              </p>
            ) : null}
          </>
        )}
      </Loading>
    </section>
  );
}

function EarnRules({ canWrite }: { canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const state = useLoad(() => unwrap(api.GET("/v1/admin/bot/earn-rules")), [tick]);
  return (
    <section aria-labelledby="bot-earn-rules" class="card">
      <h2 id="bot-earn-rules">{t("botEarnRules")}</h2>
      <Loading state={state}>
        {({ items }) => (
          <table>
            <caption class="visually-hidden">{t("botEarnRules")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("botEvent")}</th>
                <th scope="col">{t("botPoints")}</th>
                <th scope="col">{t("botLifetimeDays")}</th>
                <th scope="col">{t("status")}</th>
                <th scope="col">{t("updatedAt")}</th>
              </tr>
            </thead>
            <tbody>
              {items.length === 0 ? (
                <tr>
                  <td colSpan={5}>{t("botNoEarnRules")}</td>
                </tr>
              ) : null}
              {items.map((rule) => (
                <EarnRuleRow key={rule.event} rule={rule} canWrite={canWrite} onSaved={() => setTick((n) => n + 1)} />
              ))}
            </tbody>
          </table>
        )}
      </Loading>
    </section>
  );
}

function EarnRuleRow({ rule, canWrite, onSaved }: { rule: EarnRule; canWrite: boolean; onSaved: () => void }) {
  const [points, setPoints] = useState(String(rule.points));
  const [lifetime, setLifetime] = useState(String(rule.lifetime_days));
  const [active, setActive] = useState(rule.active);
  const eventName = t(`earnEvent_${rule.event}` as MessageKey);
  return (
    <tr data-earn-rule={rule.event}>
      <th scope="row">{eventName}</th>
      <td>
        <input
          type="number"
          min={0}
          aria-label={`${t("botPoints")}: ${eventName}`}
          value={points}
          disabled={!canWrite}
          onInput={(e) => setPoints(e.currentTarget.value)}
        />
      </td>
      <td>
        <input
          type="number"
          min={1}
          aria-label={`${t("botLifetimeDays")}: ${eventName}`}
          value={lifetime}
          disabled={!canWrite}
          onInput={(e) => setLifetime(e.currentTarget.value)}
        />
      </td>
      <td>
        <label>
          <input
            type="checkbox"
            checked={active}
            disabled={!canWrite}
            onChange={(e) => setActive(e.currentTarget.checked)}
          />{" "}
          {t("active")}
        </label>
      </td>
      <td>
        {formatDate(rule.updated_at)} · {rule.updated_by}{" "}
        {canWrite ? (
          <ActionButton
            kind="primary"
            label={`${t("save")}: ${eventName}`}
            onAction={async () => {
              await unwrap(
                api.PUT("/v1/admin/bot/earn-rules/{event}", {
                  params: { path: { event: rule.event } },
                  body: { points: Number(points), lifetime_days: Number(lifetime), active },
                }),
              );
              onSaved();
            }}
          >
            {t("save")}
          </ActionButton>
        ) : null}
      </td>
    </tr>
  );
}

function Rewards({ canWrite }: { canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const state = useLoad(
    () =>
      Promise.all([unwrap(api.GET("/v1/admin/bot/rewards")), unwrap(api.GET("/v1/admin/companies"))]).then(
        ([rewards, companies]) => ({ rewards: rewards.items, companies: companies.companies }),
      ),
    [tick],
  );
  const [companyId, setCompanyId] = useState("");
  const [kind, setKind] = useState<RewardKind>("discount");
  const [title, setTitle] = useState("");
  const [cost, setCost] = useState("100");
  const [error, setError] = useState<unknown>(null);
  return (
    <section aria-labelledby="bot-rewards" class="card">
      <h2 id="bot-rewards">{t("botRewards")}</h2>
      <p class="hint">{t("botRewardsHint")}</p>
      <Loading state={state}>
        {({ rewards, companies }) => {
          const names = new Map(companies.map((company) => [company.id, company.name]));
          return (
            <>
              <table>
                <caption class="visually-hidden">{t("botRewards")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("botRewardTitle")}</th>
                    <th scope="col">{t("seller")}</th>
                    <th scope="col">{t("botRewardKind")}</th>
                    <th scope="col">{t("botCostPoints")}</th>
                    <th scope="col">{t("status")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rewards.length === 0 ? (
                    <tr>
                      <td colSpan={5}>{t("botNoRewards")}</td>
                    </tr>
                  ) : null}
                  {rewards.map((reward) => (
                    <tr key={reward.id} data-reward={reward.title}>
                      <th scope="row">{reward.title}</th>
                      <td>{names.get(reward.company_id) ?? reward.company_id}</td>
                      <td>{t(`rewardKind_${reward.kind}` as MessageKey)}</td>
                      <td class="num">{formatNumber(reward.cost_points)}</td>
                      <td>
                        {reward.active ? t("active") : t("botWithdrawn")}{" "}
                        {canWrite && reward.active ? (
                          <ActionButton
                            kind="danger"
                            label={`${t("deactivate")} ${reward.title}`}
                            confirm={t("confirmWithdrawReward", { title: reward.title })}
                            onAction={async () => {
                              await unwrap(
                                api.DELETE("/v1/admin/bot/rewards/{id}", { params: { path: { id: reward.id } } }),
                              );
                              setTick((n) => n + 1);
                            }}
                          >
                            {t("deactivate")}
                          </ActionButton>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {canWrite ? (
                <form
                  class="grid-form"
                  aria-label={t("botPublishReward")}
                  onSubmit={async (event) => {
                    event.preventDefault();
                    setError(null);
                    try {
                      await unwrap(
                        api.POST("/v1/admin/bot/rewards", {
                          body: {
                            company_id: companyId || (companies[0]?.id ?? ""),
                            kind,
                            title: title.trim(),
                            cost_points: Number(cost),
                          },
                        }),
                      );
                      setTitle("");
                      setTick((n) => n + 1);
                    } catch (caught) {
                      setError(caught);
                    }
                  }}
                >
                  <label for="reward-company">{t("seller")}</label>
                  <select
                    id="reward-company"
                    value={companyId || companies[0]?.id}
                    onChange={(e) => setCompanyId(e.currentTarget.value)}
                  >
                    {companies.map((company) => (
                      <option key={company.id} value={company.id}>
                        {company.name}
                      </option>
                    ))}
                  </select>
                  <label for="reward-kind">{t("botRewardKind")}</label>
                  <select id="reward-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as RewardKind)}>
                    {REWARD_KINDS.map((option) => (
                      <option key={option} value={option}>
                        {t(`rewardKind_${option}` as MessageKey)}
                      </option>
                    ))}
                  </select>
                  <label for="reward-title">{t("botRewardTitle")}</label>
                  <input
                    id="reward-title"
                    required
                    maxLength={80}
                    value={title}
                    onInput={(e) => setTitle(e.currentTarget.value)}
                  />
                  <label for="reward-cost">{t("botCostPoints")}</label>
                  <input
                    id="reward-cost"
                    type="number"
                    min={1}
                    required
                    value={cost}
                    onInput={(e) => setCost(e.currentTarget.value)}
                  />
                  <button type="submit" class="primary">
                    {t("botPublishReward")}
                  </button>
                </form>
              ) : null}
              <ErrorNote error={error} />
            </>
          );
        }}
      </Loading>
    </section>
  );
}

function BotFunnel() {
  const companies = useLoad(() => unwrap(api.GET("/v1/admin/companies")), []);
  const [companyId, setCompanyId] = useState("");
  return (
    <section aria-labelledby="bot-funnel" class="card">
      <h2 id="bot-funnel">{t("botFunnel")}</h2>
      <p class="hint">{t("botFunnelHint")}</p>
      <Loading state={companies}>
        {({ companies: list }) => (
          <>
            <p>
              <label for="funnel-company">{t("botFunnelCompany")}</label>{" "}
              <select id="funnel-company" value={companyId} onChange={(e) => setCompanyId(e.currentTarget.value)}>
                <option value="">—</option>
                {list.map((company) => (
                  <option key={company.id} value={company.id}>
                    {company.name}
                  </option>
                ))}
              </select>
            </p>
            {companyId ? <FunnelTable key={companyId} companyId={companyId} /> : null}
          </>
        )}
      </Loading>
    </section>
  );
}

function FunnelTable({ companyId }: { companyId: string }) {
  const state = useLoad(
    () => unwrap(api.GET("/v1/admin/companies/{id}/bot-funnel", { params: { path: { id: companyId } } })),
    [companyId],
  );
  return (
    <Loading state={state}>
      {(funnel) => (
        <table data-testid="bot-funnel">
          <caption class="visually-hidden">{t("botFunnel")}</caption>
          <tbody>
            {FUNNEL_STAGES.map((stage) => (
              <tr key={stage}>
                <th scope="row">{t(`botStage_${stage}` as MessageKey)}</th>
                <td class="num">{formatNumber(funnel.stages[stage])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Loading>
  );
}
