import { useEffect, useState } from "preact/hooks";
import { api, unwrap } from "../api";
import { t } from "../i18n";
import { ActionButton, formatNumber, formatPercent, Loading, useLoad } from "../ui";

const DAYS = 30;

/**
 * The threshold per scope with its live preview: moving the slider shows how many more (or fewer)
 * leads a day the new threshold would have let through, at the acceptance observed there.
 */
export function VolumePage({ canWrite }: { canWrite: boolean }) {
  const catalog = useLoad(
    () =>
      Promise.all([unwrap(api.GET("/v1/admin/companies")), unwrap(api.GET("/v1/admin/services"))]).then(
        ([companies, services]) => ({ companies: companies.companies, services: services.services }),
      ),
    [],
  );
  const [scope, setScope] = useState("global");
  const [target, setTarget] = useState<number | null>(null);
  const [applied, setApplied] = useState(0);
  const preview = useLoad(
    () => unwrap(api.GET("/v1/admin/thresholds/preview", { params: { query: { scope, days: DAYS } } })),
    [scope, applied],
  );
  useEffect(() => setTarget(null), [scope, applied]);

  return (
    <div class="page">
      <Loading state={catalog}>
        {({ companies, services }) => (
          <p>
            <label for="threshold-scope">{t("scope")}</label>{" "}
            <select id="threshold-scope" value={scope} onChange={(event) => setScope(event.currentTarget.value)}>
              <option value="global">{t("scopeGlobal")}</option>
              <optgroup label={t("companies")}>
                {companies.map((company) => (
                  <option key={company.id} value={`company:${company.id}`}>
                    {company.name}
                  </option>
                ))}
              </optgroup>
              <optgroup label={t("services")}>
                {services.map((service) => (
                  <option key={service.id} value={`service:${service.code}`}>
                    {service.name} ({service.code})
                  </option>
                ))}
              </optgroup>
            </select>
          </p>
        )}
      </Loading>
      <Loading state={preview}>
        {(data) => {
          const current = data.current_threshold.value;
          const chosen = target ?? current;
          const row = (threshold: number) => data.thresholds.find((candidate) => candidate.threshold === threshold);
          const currentRow = row(Math.round(current));
          const chosenRow = row(chosen);
          const perDay = (passing: number | undefined) => (passing ?? 0) / DAYS;
          const delta = perDay(chosenRow?.passing) - perDay(currentRow?.passing);
          const scopeParts = scope.split(":");
          const settingScope = scopeParts[0] as "global" | "company" | "service";
          const services = catalog.data?.services ?? [];
          const scopeId =
            settingScope === "service"
              ? services.find((service) => service.code === scopeParts[1])?.id
              : settingScope === "company"
                ? scopeParts[1]
                : undefined;
          return (
            <>
              <p>
                {t("currentThreshold")}: <strong data-testid="current-threshold">{formatNumber(current)}</strong> (
                {t(`source_${data.current_threshold.source}`)}) · {t("candidatesInWindow", { days: DAYS })}:{" "}
                {formatNumber(data.candidates)}
              </p>
              <p>
                <label for="threshold-slider">{t("newThreshold")}</label>{" "}
                <input
                  id="threshold-slider"
                  type="range"
                  min={0}
                  max={100}
                  step={1}
                  value={chosen}
                  onInput={(event) => setTarget(Number(event.currentTarget.value))}
                />{" "}
                <input
                  type="number"
                  aria-label={t("newThreshold")}
                  min={0}
                  max={100}
                  value={chosen}
                  onInput={(event) => setTarget(Number(event.currentTarget.value))}
                />
              </p>
              <p class="preview" aria-live="polite" data-testid="threshold-preview">
                {t("previewSentence", {
                  from: formatNumber(current),
                  to: formatNumber(chosen),
                  delta: `${delta >= 0 ? "+" : "−"}${formatNumber(Math.abs(delta), 1)}`,
                  acceptance: formatPercent(chosenRow?.acceptance_rate ?? null),
                })}
              </p>
              {canWrite ? (
                <ActionButton
                  kind="primary"
                  disabled={chosen === current || (settingScope !== "global" && !scopeId)}
                  confirm={t("confirmThreshold", { from: formatNumber(current), to: formatNumber(chosen) })}
                  onAction={async () => {
                    await unwrap(
                      api.PUT("/v1/admin/settings", {
                        body: {
                          changes: [
                            {
                              scope: settingScope,
                              ...(scopeId ? { scope_id: scopeId } : {}),
                              key: "min_rating",
                              value: chosen,
                            },
                          ],
                        },
                      }),
                    );
                    setApplied((n) => n + 1);
                  }}
                >
                  {t("applyThreshold")}
                </ActionButton>
              ) : null}
              <table>
                <caption>{t("acceptanceByBand")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("ratingBand")}</th>
                    <th scope="col">{t("candidates")}</th>
                    <th scope="col">{t("stageAccepted")}</th>
                    <th scope="col">{t("declined")}</th>
                    <th scope="col">{t("acceptanceRate")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.bands.map((band) => (
                    <tr key={band.from}>
                      <td>
                        {band.from}–{band.to}
                      </td>
                      <td class="num">{formatNumber(band.candidates)}</td>
                      <td class="num">{formatNumber(band.accepted)}</td>
                      <td class="num">{formatNumber(band.declined)}</td>
                      <td class="num">{formatPercent(band.acceptance_rate)}</td>
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
