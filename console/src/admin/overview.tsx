import { useMemo } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api";
import { t } from "../i18n";
import { Bars, Chart, formatDate, formatNumber, formatPercent, Loading, Stat, useLoad } from "../ui";

const DAYS = 14;

/** Leads per day, one series per receiving company, on every day of the window (0 where none). */
function leadsByCompany(overview: Schemas["AdminOverview"]) {
  const from = Date.parse(overview.window.from);
  const days = Math.round((Date.parse(overview.window.to) - from) / 86_400_000);
  const dayIndex = new Map<string, number>();
  const x: number[] = [];
  for (let i = 0; i < days; i++) {
    const at = from + i * 86_400_000;
    dayIndex.set(new Date(at).toISOString().slice(0, 10), i);
    x.push(at / 1000);
  }
  const companies = new Map<string, { label: string; values: number[] }>();
  const categories = new Map<string, number>();
  for (const row of overview.leads_per_day) {
    const serie = companies.get(row.company_id) ?? { label: row.company_name, values: new Array(days).fill(0) };
    companies.set(row.company_id, serie);
    const index = dayIndex.get(row.day);
    if (index !== undefined) serie.values[index] += row.leads;
    categories.set(row.category, (categories.get(row.category) ?? 0) + row.leads);
  }
  return { x, series: [...companies.values()], categories: [...categories.entries()].sort((a, b) => b[1] - a[1]) };
}

function LeadsPerDay({ overview }: { overview: Schemas["AdminOverview"] }) {
  const { x, series, categories } = useMemo(() => leadsByCompany(overview), [overview]);
  const total = series.reduce((sum, serie) => sum + serie.values.reduce((a, b) => a + b, 0), 0);
  return (
    <section aria-labelledby="leads-per-day">
      <h2 id="leads-per-day">{t("leadsPerDay")}</h2>
      {series.length === 0 ? (
        <p>{t("noLeadsYet")}</p>
      ) : (
        <Chart
          title={t("leadsPerDayByCompany")}
          summary={`${t("leadsPerDayByCompany")}: ${formatNumber(total)} ${t("leadsTotal")}`}
          x={x}
          time
          series={series}
        />
      )}
      <Bars
        label={t("leadsByCategory")}
        rows={categories.map(([category, leads]) => ({ label: category, value: leads }))}
      />
    </section>
  );
}

function FunnelBlock({ funnel }: { funnel: Schemas["Funnel"] }) {
  const stages = funnel.totals;
  const c = stages.conversion;
  return (
    <section aria-labelledby="funnel">
      <h2 id="funnel">{t("funnel")}</h2>
      <Bars
        label={t("funnelCaption")}
        rows={[
          { label: t("stageScored"), value: stages.candidates },
          { label: t("stageLead"), value: stages.leads, note: formatPercent(c.candidate_to_lead) },
          { label: t("stageDelivered"), value: stages.delivered, note: formatPercent(c.lead_to_delivered) },
          {
            label: t("stageAcknowledged"),
            value: stages.acknowledged,
            note: formatPercent(c.delivered_to_acknowledged),
          },
          { label: t("stageAccepted"), value: stages.accepted, note: formatPercent(c.acknowledged_to_accepted) },
        ]}
      />
      <p data-testid="funnel-counts">
        {t("stageAcknowledged")}: <strong data-testid="funnel-acknowledged">{stages.acknowledged}</strong> ·{" "}
        {t("stageAccepted")}: <strong data-testid="funnel-accepted">{stages.accepted}</strong> · {t("acceptanceRate")}:{" "}
        {formatPercent(c.acceptance_rate)}
      </p>
    </section>
  );
}

export function OverviewPage() {
  const overview = useLoad(() => unwrap(api.GET("/v1/admin/overview", { params: { query: { days: DAYS } } })), []);
  const funnel = useLoad(() => unwrap(api.GET("/v1/admin/analytics/funnel")), []);
  const model = useLoad(() => unwrap(api.GET("/v1/admin/model")), []);
  const calibration = useLoad(() => unwrap(api.GET("/v1/admin/analytics/calibration")), []);
  return (
    <div class="page">
      <section aria-labelledby="health" class="stats">
        <h2 id="health">{t("deliveryHealth")}</h2>
        <Loading state={overview}>
          {(data) => (
            <div class="stat-row">
              <Stat label={t("queuedNow")} value={formatNumber(data.delivery.queued)} />
              <Stat label={t("oldestUndelivered")} value={formatDate(data.delivery.oldest_queued_at)} />
              <Stat label={t("failedNow")} value={formatNumber(data.delivery.failed)} />
              <Stat label={t("deadLetters")} value={formatNumber(data.delivery.dead_lettered)} hint={t("inWindow")} />
            </div>
          )}
        </Loading>
      </section>
      <section aria-labelledby="model" class="stats">
        <h2 id="model">{t("model")}</h2>
        <Loading state={model}>
          {(data) =>
            data.current ? (
              <div class="stat-row">
                <Stat
                  label={t("modelVersion")}
                  value={data.current.version}
                  hint={formatDate(data.current.trained_at)}
                />
                <Stat
                  label={t("fittedOnDeals")}
                  value={formatNumber(data.current.calibration.samples)}
                  hint={data.current.calibration.source === "deals" ? t("blendFromDeals") : t("blendDefault")}
                />
                <Stat
                  label={t("calibrationError")}
                  value={
                    calibration.data ? formatPercent(calibration.data.report.expected_calibration_error) : t("loading")
                  }
                  hint={t("eceHint")}
                />
              </div>
            ) : (
              <p>{t("noModel")}</p>
            )
          }
        </Loading>
      </section>
      <Loading state={overview}>{(data) => <LeadsPerDay overview={data} />}</Loading>
      <Loading state={funnel}>{(data) => <FunnelBlock funnel={data} />}</Loading>
    </div>
  );
}
