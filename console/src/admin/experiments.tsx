import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api";
import { t } from "../i18n";
import { ErrorNote, formatDate, formatNumber, formatPercent, Loading, Stat, useLoad } from "../ui";

type Uplift = { estimate: number | null; ci_low: number | null; ci_high: number | null };

/** An estimate with its interval, drawn on a scale around zero (SVG, labelled for screen readers). */
function IntervalPlot({ uplift, label }: { uplift: Uplift; label: string }) {
  if (uplift.estimate === null || uplift.ci_low === null || uplift.ci_high === null) return <p>{t("notEnoughData")}</p>;
  const span = Math.max(Math.abs(uplift.ci_low), Math.abs(uplift.ci_high), 0.01) * 1.2;
  const x = (value: number) => 20 + ((value + span) / (2 * span)) * 360;
  const text = `${label}: ${formatPercent(uplift.estimate)} (${formatPercent(uplift.ci_low)} … ${formatPercent(uplift.ci_high)})`;
  return (
    <figure class="interval">
      <svg viewBox="0 0 400 60" width="400" height="60" role="img" aria-label={text}>
        <line x1={x(0)} x2={x(0)} y1="5" y2="45" stroke="#5c5f66" stroke-dasharray="4 3" />
        <line x1={x(uplift.ci_low)} x2={x(uplift.ci_high)} y1="25" y2="25" stroke="#1f5fbf" stroke-width="4" />
        <circle cx={x(uplift.estimate)} cy="25" r="6" fill="#b3261e" />
        <text x={x(0)} y="58" text-anchor="middle" font-size="11" fill="#333">
          0
        </text>
      </svg>
      <figcaption>{text}</figcaption>
    </figure>
  );
}

function Report({ id }: { id: string }) {
  const state = useLoad(() => unwrap(api.GET("/v1/admin/experiments/{id}/report", { params: { path: { id } } })), [id]);
  return (
    <Loading state={state}>
      {({ experiment, report }) => (
        <section aria-labelledby="report" class="card">
          <h2 id="report">
            {t("report")}: {experiment.name}
          </h2>
          {report.sample_ratio.mismatch ? (
            <p class="error" role="alert" data-testid="srm-warning">
              {t("srmWarning", {
                expected: formatPercent(report.sample_ratio.expected_control_share),
                observed: formatPercent(report.sample_ratio.observed_control_share),
              })}
            </p>
          ) : null}
          <div class="stat-row">
            <Stat label={t("verdict")} value={t(`verdict_${report.verdict}`)} />
            <Stat
              label={t("controlClients")}
              value={formatNumber(report.control.clients)}
              hint={formatPercent(report.control.response_rate)}
            />
            <Stat
              label={t("treatmentClients")}
              value={formatNumber(report.treatment.clients)}
              hint={formatPercent(report.treatment.response_rate)}
            />
            <Stat label="p" value={formatNumber(report.response_rate.p_value, 4)} />
          </div>
          <IntervalPlot uplift={report.response_rate.absolute_uplift} label={t("absoluteUplift")} />
          {report.notes.length > 0 ? (
            <ul>
              {report.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          ) : null}
        </section>
      )}
    </Loading>
  );
}

function CreateExperiment({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [share, setShare] = useState("5");
  const [days, setDays] = useState("30");
  const [scopeType, setScopeType] = useState<"all" | "company" | "category" | "service">("all");
  const [scopeId, setScopeId] = useState("");
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="grid-form card"
      aria-labelledby="create-experiment"
      onSubmit={async (event) => {
        event.preventDefault();
        setError(null);
        try {
          await unwrap(
            api.POST("/v1/admin/experiments", {
              body: {
                name: name.trim(),
                scope_type: scopeType,
                ...(scopeType !== "all" ? { scope_id: scopeId.trim() } : {}),
                holdout_share: Number(share) / 100,
                ends_at: new Date(Date.now() + Number(days) * 86_400_000).toISOString(),
              },
            }),
          );
          setName("");
          onCreated();
        } catch (caught) {
          setError(caught);
        }
      }}
    >
      <h2 id="create-experiment">{t("createExperiment")}</h2>
      <label for="experiment-name">{t("name")}</label>
      <input id="experiment-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="experiment-scope">{t("scope")}</label>
      <select
        id="experiment-scope"
        value={scopeType}
        onChange={(e) => setScopeType(e.currentTarget.value as typeof scopeType)}
      >
        <option value="all">{t("scopeAll")}</option>
        <option value="company">{t("scopeCompanyId")}</option>
        <option value="category">{t("category")}</option>
        <option value="service">{t("scopeServiceCode")}</option>
      </select>
      <label for="experiment-scope-id">{t("scopeValue")}</label>
      <input
        id="experiment-scope-id"
        value={scopeId}
        disabled={scopeType === "all"}
        onInput={(e) => setScopeId(e.currentTarget.value)}
      />
      <label for="experiment-share">{t("holdoutPercent")}</label>
      <input
        id="experiment-share"
        type="number"
        min="0.01"
        max="50"
        step="0.01"
        value={share}
        onInput={(e) => setShare(e.currentTarget.value)}
      />
      <label for="experiment-days">{t("durationDays")}</label>
      <input
        id="experiment-days"
        type="number"
        min="1"
        max="366"
        value={days}
        onInput={(e) => setDays(e.currentTarget.value)}
      />
      <button type="submit" class="primary">
        {t("create")}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

export function ExperimentsPage({ canWrite }: { canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const state = useLoad(() => unwrap(api.GET("/v1/admin/experiments")), [tick]);
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <div class="page">
      {canWrite ? <CreateExperiment onCreated={() => setTick((n) => n + 1)} /> : null}
      <Loading state={state}>
        {({ experiments }) => (
          <table>
            <caption>{t("experiments")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("name")}</th>
                <th scope="col">{t("scope")}</th>
                <th scope="col">{t("holdoutPercent")}</th>
                <th scope="col">{t("period")}</th>
                <th scope="col">
                  <span class="visually-hidden">{t("actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((experiment: Schemas["Experiment"]) => (
                <tr key={experiment.id}>
                  <th scope="row">{experiment.name}</th>
                  <td>
                    {experiment.scope_type}
                    {experiment.scope_id ? `: ${experiment.scope_id}` : ""}
                  </td>
                  <td class="num">{formatPercent(experiment.holdout_share, 2)}</td>
                  <td>
                    {formatDate(experiment.starts_at)} – {formatDate(experiment.ends_at)}
                  </td>
                  <td>
                    <button
                      type="button"
                      onClick={() => setSelected(experiment.id)}
                      aria-label={`${t("report")} ${experiment.name}`}
                    >
                      {t("report")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
      {selected ? <Report id={selected} /> : null}
    </div>
  );
}
