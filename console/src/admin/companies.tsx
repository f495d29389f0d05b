import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api";
import { type MessageKey, t } from "../i18n";
import {
  ActionButton,
  ErrorNote,
  formatDate,
  formatNumber,
  formatPercent,
  Loading,
  useLoad,
  WebhookTestOutcome,
} from "../ui";

type Company = Schemas["Company"];

/** Companies: pause / resume, daily cap, commission, webhook URL and secret rotation, API keys. */
export function CompaniesPage({ canWrite }: { canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const state = useLoad(() => unwrap(api.GET("/v1/admin/companies")), [tick]);
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <div class="page">
      <Loading state={state}>
        {({ companies }) => (
          <>
            <table>
              <caption>{t("companies")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("name")}</th>
                  <th scope="col">{t("status")}</th>
                  <th scope="col">{t("dailyCap")}</th>
                  <th scope="col">{t("commission")}</th>
                  <th scope="col">{t("webhook")}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t("actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {companies.map((company) => (
                  <tr key={company.id} data-company={company.name}>
                    <th scope="row">{company.name}</th>
                    <td data-testid="company-status">{t(`status_${company.status}`)}</td>
                    <td class="num">{company.daily_lead_cap ?? "∞"}</td>
                    <td class="num">{formatPercent(company.commission_rate)}</td>
                    <td>
                      {company.webhook_disabled_at ? t("webhookDisabled") : (company.webhook_url ?? t("inboxOnly"))}
                    </td>
                    <td>
                      {canWrite ? (
                        <ActionButton
                          kind={company.status === "active" ? "danger" : "primary"}
                          label={`${company.status === "active" ? t("pause") : t("resume")} ${company.name}`}
                          confirm={company.status === "active" ? t("confirmPause", { name: company.name }) : undefined}
                          onAction={async () => {
                            await unwrap(
                              api.PATCH("/v1/admin/companies/{id}", {
                                params: { path: { id: company.id } },
                                body: { status: company.status === "active" ? "paused" : "active" },
                              }),
                            );
                            setTick((n) => n + 1);
                          }}
                        >
                          {company.status === "active" ? t("pause") : t("resume")}
                        </ActionButton>
                      ) : null}{" "}
                      <button
                        type="button"
                        aria-label={`${t("details")} ${company.name}`}
                        aria-expanded={selected === company.id}
                        onClick={() => setSelected(selected === company.id ? null : company.id)}
                      >
                        {t("details")}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {selected ? (
              <CompanyDetails
                key={selected}
                company={companies.find((company) => company.id === selected) as Company}
                canWrite={canWrite}
                onChanged={() => setTick((n) => n + 1)}
              />
            ) : null}
          </>
        )}
      </Loading>
    </div>
  );
}

function CompanyDetails({
  company,
  canWrite,
  onChanged,
}: {
  company: Company;
  canWrite: boolean;
  onChanged: () => void;
}) {
  const [cap, setCap] = useState(company.daily_lead_cap === null ? "" : String(company.daily_lead_cap));
  const [commission, setCommission] = useState(String(company.commission_rate * 100));
  const [webhook, setWebhook] = useState(company.webhook_url ?? "");
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [test, setTest] = useState<Schemas["WebhookTestResult"] | null>(null);
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const saved = await unwrap(
        api.PATCH("/v1/admin/companies/{id}", {
          params: { path: { id: company.id } },
          body: {
            daily_lead_cap: cap.trim() === "" ? null : Number(cap),
            commission_rate: Number(commission) / 100,
            webhook_url: webhook.trim() === "" ? null : webhook.trim(),
          },
        }),
      );
      // The first webhook URL creates the signing secret: this answer is the only time it is shown.
      if (saved.webhook_secret) setSecret(saved.webhook_secret);
      onChanged();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section aria-labelledby="company-details" class="card">
      <h2 id="company-details">{company.name}</h2>
      <form onSubmit={save} class="grid-form">
        <label for="company-cap">{t("dailyCap")}</label>
        <input
          id="company-cap"
          type="number"
          min={0}
          value={cap}
          disabled={!canWrite}
          onInput={(e) => setCap(e.currentTarget.value)}
        />
        <label for="company-commission">{t("commissionPercent")}</label>
        <input
          id="company-commission"
          type="number"
          min={0}
          max={100}
          step="0.1"
          value={commission}
          disabled={!canWrite}
          onInput={(e) => setCommission(e.currentTarget.value)}
        />
        <label for="company-webhook">{t("webhookUrl")}</label>
        <input
          id="company-webhook"
          type="url"
          value={webhook}
          disabled={!canWrite}
          onInput={(e) => setWebhook(e.currentTarget.value)}
        />
        {canWrite ? (
          <button type="submit" class="primary">
            {t("save")}
          </button>
        ) : null}
      </form>
      <ErrorNote error={error} />
      {company.webhook_disabled_reason ? (
        <p class="error">
          {t("webhookDisabled")}: {company.webhook_disabled_reason}
        </p>
      ) : null}
      {canWrite && company.webhook_url ? (
        <p>
          <ActionButton
            onAction={async () =>
              setTest(
                await unwrap(
                  api.POST("/v1/admin/companies/{id}/webhook/test", { params: { path: { id: company.id } } }),
                ),
              )
            }
          >
            {t("sendTestEvent")}
          </ActionButton>
        </p>
      ) : null}
      {test ? <WebhookTestOutcome result={test} /> : null}
      <DeliveryLog companyId={company.id} />
      {canWrite && company.webhook_url ? (
        <p>
          <ActionButton
            confirm={t("confirmRotate")}
            onAction={async () => {
              const rotated = await unwrap(
                api.POST("/v1/admin/companies/{id}/webhook-secret:rotate", { params: { path: { id: company.id } } }),
              );
              setSecret(rotated.webhook_secret ?? null);
            }}
          >
            {t("rotateSecret")}
          </ActionButton>
        </p>
      ) : null}
      {secret ? <ShowOnce label={t("newWebhookSecret")} value={secret} /> : null}
      <ApiKeys company={company} canWrite={canWrite} />
    </section>
  );
}

/** The company's recent webhook attempts, deliveries, failures and endpoint stops, newest first. */
function DeliveryLog({ companyId }: { companyId: string }) {
  const log = useLoad(
    () =>
      unwrap(
        api.GET("/v1/admin/companies/{id}/deliveries", { params: { path: { id: companyId }, query: { limit: 50 } } }),
      ),
    [companyId],
  );
  return (
    <section aria-labelledby="company-deliveries">
      <h3 id="company-deliveries">{t("companyDeliveries")}</h3>
      <Loading state={log}>
        {({ items }) =>
          items.length === 0 ? (
            <p data-testid="deliveries-empty">{t("deliveriesEmpty")}</p>
          ) : (
            <table data-testid="company-deliveries">
              <caption class="visually-hidden">{t("companyDeliveries")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("when")}</th>
                  <th scope="col">{t("eventType")}</th>
                  <th scope="col">{t("leadId")}</th>
                  <th scope="col">{t("attempts")}</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">ms</th>
                  <th scope="col">{t("detail")}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={`${item.lead_id}-${item.type}-${item.at}`} data-delivery-type={item.type}>
                    <td>{formatDate(item.at)}</td>
                    <td>{t(`eventType_${item.type}` as MessageKey)}</td>
                    <td>
                      <a href={`#/leads?id=${encodeURIComponent(item.lead_id)}`}>
                        <code>{item.lead_id}</code>
                      </a>
                    </td>
                    <td class="num">{item.attempt ?? "—"}</td>
                    <td class="num">{item.http_status ?? "—"}</td>
                    <td class="num">{formatNumber(item.latency_ms)}</td>
                    <td>{[item.error, item.detail].filter(Boolean).join(" · ") || "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
    </section>
  );
}

/** A secret shown once: selectable, never stored by the page. */
function ShowOnce({ label, value }: { label: string; value: string }) {
  return (
    <div class="show-once" role="status">
      <p>
        <strong>{label}</strong> — {t("shownOnce")}
      </p>
      <code data-testid="show-once">{value}</code>
    </div>
  );
}

function ApiKeys({ company, canWrite }: { company: Company; canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const keys = useLoad(
    () => unwrap(api.GET("/v1/admin/companies/{id}/api-keys", { params: { path: { id: company.id } } })),
    [company.id, tick],
  );
  const [scope, setScope] = useState<"crm" | "partner" | "viewer">("partner");
  const [name, setName] = useState("");
  const [issued, setIssued] = useState<string | null>(null);
  const [issueError, setIssueError] = useState<unknown>(null);
  return (
    <section aria-labelledby="api-keys">
      <h3 id="api-keys">{t("apiKeys")}</h3>
      <Loading state={keys}>
        {({ api_keys }) => (
          <table>
            <caption class="visually-hidden">{t("apiKeys")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("prefix")}</th>
                <th scope="col">{t("scope")}</th>
                <th scope="col">{t("name")}</th>
                <th scope="col">{t("lastUsed")}</th>
                <th scope="col">{t("status")}</th>
              </tr>
            </thead>
            <tbody>
              {api_keys.map((key) => (
                <tr key={key.id} data-key-name={key.name ?? ""}>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.scope}</td>
                  <td>{key.name ?? "—"}</td>
                  <td>{formatDate(key.last_used_at)}</td>
                  <td>
                    {key.revoked_at ? (
                      <span data-testid="key-revoked">
                        {t("revoked")} {formatDate(key.revoked_at)}
                      </span>
                    ) : canWrite ? (
                      <ActionButton
                        kind="danger"
                        label={`${t("revoke")} ${key.name ?? key.prefix}`}
                        confirm={t("confirmRevoke")}
                        onAction={async () => {
                          await unwrap(api.DELETE("/v1/admin/api-keys/{id}", { params: { path: { id: key.id } } }));
                          setTick((n) => n + 1);
                        }}
                      >
                        {t("revoke")}
                      </ActionButton>
                    ) : (
                      t("active")
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
      {canWrite ? (
        <form
          class="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            setIssueError(null);
            try {
              const created = await unwrap(
                api.POST("/v1/admin/companies/{id}/api-keys", {
                  params: { path: { id: company.id } },
                  body: { scope, ...(name.trim() ? { name: name.trim() } : {}) },
                }),
              );
              setIssued(created.key);
              setName("");
              setTick((n) => n + 1);
            } catch (caught) {
              setIssueError(caught);
            }
          }}
        >
          <label for="key-scope">{t("scope")}</label>
          <select id="key-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as typeof scope)}>
            <option value="partner">partner</option>
            <option value="crm">crm</option>
            <option value="viewer">viewer</option>
          </select>
          <label for="key-name">{t("name")}</label>
          <input id="key-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" class="primary">
            {t("issueKey")}
          </button>
        </form>
      ) : null}
      <ErrorNote error={issueError} />
      {issued ? <ShowOnce label={t("newKey")} value={issued} /> : null}
    </section>
  );
}
