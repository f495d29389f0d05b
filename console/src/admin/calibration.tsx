import { useMemo } from "preact/hooks";
import { api, unwrap } from "../api";
import { t } from "../i18n";
import { Chart, formatNumber, formatPercent, Loading, Stat, useLoad } from "../ui";

/** The reliability diagram: observed acceptance against the predicted rate per rating band. */
export function CalibrationPage() {
  const state = useLoad(() => unwrap(api.GET("/v1/admin/analytics/calibration")), []);
  return (
    <div class="page">
      <Loading state={state}>
        {(data) => {
          const report = data.report;
          return (
            <>
              <div class="stat-row">
                <Stat label={t("resolvedLeads")} value={formatNumber(report.resolved)} />
                <Stat label={t("calibrationError")} value={formatPercent(report.expected_calibration_error)} />
                <Stat label={t("maxCalibrationError")} value={formatPercent(report.maximum_calibration_error)} />
                <Stat label={t("brier")} value={formatNumber(report.brier_score, 3)} />
              </div>
              <Reliability bands={report.bands} />
              <table>
                <caption>{t("calibrationBands")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("ratingBand")}</th>
                    <th scope="col">{t("resolvedLeads")}</th>
                    <th scope="col">{t("predicted")}</th>
                    <th scope="col">{t("observed")}</th>
                    <th scope="col">{t("interval")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.bands.map((band) => (
                    <tr key={band.from}>
                      <td>
                        {band.from}–{band.to}
                      </td>
                      <td class="num">{formatNumber(band.resolved)}</td>
                      <td class="num">{formatPercent(band.predicted_rate)}</td>
                      <td class="num">{formatPercent(band.observed_rate)}</td>
                      <td class="num">
                        {formatPercent(band.observed_ci_low)} – {formatPercent(band.observed_ci_high)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </Loading>
    </div>
  );
}

function Reliability({
  bands,
}: {
  bands: Array<{ from: number; to: number; predicted_rate: number | null; observed_rate: number | null }>;
}) {
  const chart = useMemo(() => {
    // x: the band's middle as a rate; the diagonal is perfect calibration.
    const x = bands.map((band) => (band.from + band.to) / 200);
    return {
      x,
      series: [
        { label: t("perfectCalibration"), values: x, color: "#5c5f66", dash: [6, 4] },
        { label: t("predicted"), values: bands.map((band) => band.predicted_rate) },
        { label: t("observed"), values: bands.map((band) => band.observed_rate), points: true, color: "#b3261e" },
      ],
    };
  }, [bands]);
  return (
    <Chart
      title={t("reliabilityDiagram")}
      summary={t("reliabilitySummary")}
      x={chart.x}
      series={chart.series}
      yRange={[0, 1]}
      xRange={[0, 1]}
    />
  );
}
