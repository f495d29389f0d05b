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
  const categories = new Map<string, { label: string; values: number[] }>();
  const add = (groups: typeof companies, key: string, label: string, index: number | undefined, leads: number) => {
    const serie = groups.get(key) ?? { label, values: new Array(days).fill(0) };
    groups.set(key, serie);
    if (index !== undefined) serie.values[index] += leads;
  };
  for (const row of overview.leads_per_day) {
    const index = dayIndex.get(row.day);
    add(companies, row.company_id, row.company_name, index, row.leads);
    add(categories, row.category, row.category, index, row.leads);
  }
  const total = (serie: { values: number[] }) => serie.values.reduce((a, b) => a + b, 0);
  const byCategory = [...categories.values()].sort((a, b) => total(b) - total(a));
  // The busiest categories get a line each; the rest are summed into one, so the chart stays legible.
  const shown = byCategory.slice(0, CHARTED_CATEGORIES);
  const others = byCategory.slice(CHARTED_CATEGORIES);
  if (others.length > 0) {
    shown.push({
      label: t("otherCategories"),
      values: x.map((_, i) => others.reduce((sum, serie) => sum + serie.values[i], 0)),
    });
  }
  return {
    x,
    series: [...companies.values()],
    categorySeries: shown,
    categories: byCategory.map((serie) => [serie.label, total(serie)] as const),
  };
}

/** Categories drawn as their own line on the per-day chart. */
const CHARTED_CATEGORIES = 6;

function LeadsPerDay({ overview }: { overview: Schemas["AdminOverview"] }) {
  const { x, series, categorySeries, categories } = useMemo(() => leadsByCompany(overview), [overview]);
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
      {series.length === 0 ? null : (
        <Chart
          title={t("leadsPerDayByCategory")}
          summary={`${t("leadsPerDayByCategory")}: ${categories
            .slice(0, CHARTED_CATEGORIES)
            .map(([category, leads]) => `${category} ${formatNumber(leads)}`)
            .join(", ")}`}
          x={x}
          time
          series={categorySeries}
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
