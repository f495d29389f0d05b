/** The partner portal: the company's inbox, its commission statement and its delivery log. */
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api";
import { t } from "../i18n";
import type { PageDefinition } from "../main";
import {
  ActionButton,
  ErrorNote,
  formatDate,
  formatNumber,
  formatPercent,
  Loading,
  Stat,
  useLoad,
  WebhookTestOutcome,
} from "../ui";

type InboxLead = Schemas["InboxLead"];

function OutcomeForm({ lead, onDone }: { lead: InboxLead; onDone: (lead: InboxLead) => void }) {
  const [outcome, setOutcome] = useState<"accepted" | "declined">("accepted");
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<unknown>(null);
  const id = lead.id;
  return (
    <form
      class="inline-form"
      aria-label={`${t("reportOutcome")} ${id}`}
      onSubmit={async (event) => {
        event.preventDefault();
        setError(null);
        try {
          const reported = await unwrap(
            api.POST("/v1/partner/leads/{id}/outcome", {
              params: { path: { id } },
              body: { outcome, ...(outcome === "accepted" && amount.trim() ? { amount: Number(amount) } : {}) },
            }),
          );
          onDone(reported.lead);
        } catch (caught) {
          setError(caught);
        }
      }}
    >
      <label for={`outcome-${id}`}>{t("outcome")}</label>
      <select
        id={`outcome-${id}`}
        value={outcome}
        onChange={(e) => setOutcome(e.currentTarget.value as typeof outcome)}
      >
        <option value="accepted">{t("leadStatus_accepted")}</option>
        <option value="declined">{t("leadStatus_declined")}</option>
      </select>
      <label for={`amount-${id}`}>{t("amountRub")}</label>
      <input
        id={`amount-${id}`}
        type="number"
        min="0"
        step="0.01"
        value={amount}
        disabled={outcome !== "accepted"}
        onInput={(e) => setAmount(e.currentTarget.value)}
      />
      <button type="submit" class="primary">
        {t("reportOutcome")}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

/** One lead of the inbox with its actions; the card shows the lead as the last action left it. */
function InboxCard({ initial }: { initial: InboxLead }) {
  const [item, setItem] = useState(initial);
  return (
    <li class="card" data-lead={item.id}>
      <h2>
        {item.lead.service.name} · <span data-testid="inbox-status">{t(`leadStatus_${item.status}`)}</span>
      </h2>
      <p>
        <code>{item.id}</code> · {formatDate(item.created_at)} · {t("rating")} {item.lead.rating} · {t("from")}{" "}
        {item.lead.source_company.name}
      </p>
      <p>
        {t("client")}: {item.lead.client.age_band}, {item.lead.client.income_band}, {item.lead.client.region}
        {item.lead.client.needs.length ? ` · ${item.lead.client.needs.join(", ")}` : ""}
      </p>
      {item.lead.reasons.length ? <p class="hint">{item.lead.reasons.join(" · ")}</p> : null}
      <p class="hint">{item.lead.contact.instructions}</p>
      {["queued", "delivered", "failed"].includes(item.status) ? (
        <ActionButton
          kind="primary"
          label={`${t("acknowledge")} ${item.id}`}
          onAction={async () => {
            setItem(await unwrap(api.POST("/v1/partner/leads/{id}/ack", { params: { path: { id: item.id } } })));
          }}
        >
          {t("acknowledge")}
        </ActionButton>
      ) : null}
      {item.status !== "expired" ? <OutcomeForm lead={item} onDone={setItem} /> : null}
    </li>
  );
}

/**
 * New leads first (status `queued`: not yet confirmed), oldest first as the API pages them; other
 * statuses on demand. Acting on a lead updates its card in place.
 */
function InboxPage() {
  const [status, setStatus] = useState<InboxLead["status"] | "">("queued");
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const state = useLoad(
    () =>
      unwrap(
        api.GET("/v1/partner/leads", {
          params: { query: { limit: 50, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [status, cursor],
  );
  return (
    <div class="page">
      <p>
        <label for="inbox-status">{t("status")}</label>{" "}
        <select
          id="inbox-status"
          value={status}
          onChange={(e) => {
            setCursor(undefined);
            setStatus(e.currentTarget.value as typeof status);
          }}
        >
          <option value="">{t("all")}</option>
          {(["queued", "delivered", "failed", "acknowledged", "accepted", "declined", "expired"] as const).map(
            (value) => (
              <option key={value} value={value}>
                {t(`leadStatus_${value}`)}
              </option>
            ),
          )}
        </select>
      </p>
      <Loading state={state}>
        {({ items, has_more, next_cursor }) => (
          <>
            {items.length === 0 ? (
              <p>{t("inboxEmpty")}</p>
            ) : (
              <ul class="inbox">
                {items.map((item) => (
                  <InboxCard key={item.id} initial={item} />
                ))}
              </ul>
            )}
            {has_more ? (
              <button type="button" onClick={() => setCursor(next_cursor)}>
                {t("nextPage")}
              </button>
            ) : null}
          </>
        )}
      </Loading>
    </div>
  );
}

function CommissionsPage() {
  const [period, setPeriod] = useState(new Date().toISOString().slice(0, 7));
  const state = useLoad(() => unwrap(api.GET("/v1/partner/commissions", { params: { query: { period } } })), [period]);
  return (
    <div class="page">
      <p>
        <label for="commission-period">{t("period")}</label>{" "}
        <input id="commission-period" type="month" value={period} onChange={(e) => setPeriod(e.currentTarget.value)} />
      </p>
      <Loading state={state}>
        {({ statement }) => (
          <>
            <div class="stat-row">
              <Stat label={t("acceptedDeals")} value={formatNumber(statement.accepted_deals)} />
              <Stat label={t("grossAmount")} value={`${formatNumber(statement.gross_amount, 2)} ₽`} />
              <Stat label={t("commission")} value={`${formatNumber(statement.commission, 2)} ₽`} />
              <Stat label={t("commissionRate")} value={formatPercent(statement.current_commission_rate)} />
            </div>
            <table>
              <caption>{t("commissionLines")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("when")}</th>
                  <th scope="col">{t("service")}</th>
                  <th scope="col">{t("amountRub")}</th>
                  <th scope="col">{t("commission")}</th>
                </tr>
              </thead>
              <tbody>
                {(statement.lines ?? []).map((line) => (
                  <tr key={line.deal_id}>
                    <td>{formatDate(line.occurred_at)}</td>
                    <td>{line.service}</td>
                    <td class="num">{formatNumber(line.amount, 2)}</td>
                    <td class="num">{formatNumber(line.commission, 2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Loading>
    </div>
  );
}

/** Every lead's delivery: attempts, when it reached the company, and why the last push failed. */
function DeliveriesPage() {
  const state = useLoad(() => unwrap(api.GET("/v1/partner/leads", { params: { query: { limit: 100 } } })), []);
  return (
    <div class="page">
      <Loading state={state}>
        {({ items }) => (
          <table>
            <caption>{t("deliveryLog")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("leadId")}</th>
                <th scope="col">{t("status")}</th>
                <th scope="col">{t("attempts")}</th>
                <th scope="col">{t("deliveredAt")}</th>
                <th scope="col">{t("lastError")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id} class={item.last_delivery_error ? "failed-row" : ""}>
                  <td>
                    <code>{item.id}</code>
                  </td>
                  <td>{t(`leadStatus_${item.status}`)}</td>
                  <td class="num">{item.delivery_attempts}</td>
                  <td>{formatDate(item.delivered_at)}</td>
                  <td>{item.last_delivery_error ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
    </div>
  );
}

/** The company's webhook: its URL (changed here, audited under the partner key) and a test send. */
function WebhookPage() {
  const [tick, setTick] = useState(0);
  const state = useLoad(() => unwrap(api.GET("/v1/partner/webhook")), [tick]);
  const [url, setUrl] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [test, setTest] = useState<Schemas["WebhookTestResult"] | null>(null);
  return (
    <div class="page">
      <Loading state={state}>
        {(settings) => (
          <>
            <form
              class="grid-form"
              onSubmit={async (event) => {
                event.preventDefault();
                setError(null);
                try {
                  const value = (url ?? settings.webhook_url ?? "").trim();
                  const saved = await unwrap(
                    api.PATCH("/v1/partner/webhook", { body: { webhook_url: value === "" ? null : value } }),
                  );
                  setSecret(saved.webhook_secret ?? null);
                  setUrl(null);
                  setTick((n) => n + 1);
                } catch (caught) {
                  setError(caught);
                }
              }}
            >
              <label for="webhook-url">{t("webhookUrl")}</label>
              <input
                id="webhook-url"
                type="url"
                placeholder="https://…"
                value={url ?? settings.webhook_url ?? ""}
                onInput={(e) => setUrl(e.currentTarget.value)}
              />
              <button type="submit" class="primary">
                {t("save")}
              </button>
              <ErrorNote error={error} />
            </form>
            <p>
              {settings.webhook_url
                ? settings.has_webhook_secret
                  ? t("webhookSigned")
                  : t("webhookNoSecret")
                : t("inboxOnly")}
              {settings.webhook_disabled_at
                ? ` · ${t("webhookDisabled")} ${formatDate(settings.webhook_disabled_at)}: ${settings.webhook_disabled_reason ?? ""}`
                : ""}
            </p>
            {secret ? (
              <div class="show-once" role="status">
                <p>
                  <strong>{t("newWebhookSecret")}</strong> — {t("shownOnce")}
                </p>
                <code>{secret}</code>
              </div>
            ) : null}
            {settings.webhook_url ? (
              <ActionButton onAction={async () => setTest(await unwrap(api.POST("/v1/partner/webhook/test")))}>
                {t("sendTestEvent")}
              </ActionButton>
            ) : null}
            {test ? <WebhookTestOutcome result={test} /> : null}
          </>
        )}
      </Loading>
    </div>
  );
}

export const PartnerPages: PageDefinition[] = [
  { id: "inbox", title: () => t("pageInbox"), render: () => <InboxPage /> },
  { id: "commissions", title: () => t("pageCommissions"), render: () => <CommissionsPage /> },
  { id: "deliveries", title: () => t("pageDeliveries"), render: () => <DeliveriesPage /> },
  { id: "webhook", title: () => t("pageWebhook"), render: () => <WebhookPage /> },
];
