import { useState } from "preact/hooks";
import { api, unwrap } from "../api";
import { t } from "../i18n";
import { ActionButton, ErrorNote, formatDate, useLoad } from "../ui";

/** A lead by id: its document as the partner received it, its events, and a redelivery. */
export function LeadsPage({ canWrite }: { canWrite: boolean }) {
  const [input, setInput] = useState(new URLSearchParams(location.hash.split("?")[1] ?? "").get("id") ?? "");
  const [id, setId] = useState(input);
  const [tick, setTick] = useState(0);
  const state = useLoad(
    () => (id ? unwrap(api.GET("/v1/admin/leads/{id}", { params: { path: { id } } })) : Promise.resolve(null)),
    [id, tick],
  );
  return (
    <div class="page">
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setId(input.trim());
        }}
      >
        <label for="lead-id">{t("leadId")}</label>
        <input id="lead-id" value={input} placeholder="ld_…" onInput={(e) => setInput(e.currentTarget.value)} />
        <button type="submit" class="primary">
          {t("find")}
        </button>
      </form>
      <ErrorNote error={state.error} />
      {state.data ? (
        <>
          <section aria-labelledby="lead-state" class="card">
            <h2 id="lead-state">
              {state.data.lead.id} · <span data-testid="lead-status">{t(`leadStatus_${state.data.lead.status}`)}</span>
            </h2>
            <p>
              {t("rating")}: {state.data.lead.rating} · {t("attempts")}: {state.data.lead.delivery_attempts}
              {state.data.lead.last_error ? ` · ${t("lastError")}: ${state.data.lead.last_error}` : ""}
            </p>
            {canWrite ? (
              <ActionButton
                confirm={t("confirmRedeliver")}
                onAction={async () => {
                  await unwrap(api.POST("/v1/admin/leads/{id}/redeliver", { params: { path: { id } } }));
                  setTick((n) => n + 1);
                }}
              >
                {t("redeliver")}
              </ActionButton>
            ) : null}
          </section>
          <section aria-labelledby="lead-events">
            <h2 id="lead-events">{t("events")}</h2>
            <ol class="timeline">
              {state.data.events.map((event) => (
                <li key={event.id}>
                  <time dateTime={event.at}>{formatDate(event.at)}</time> <strong>{event.type}</strong>
                  {event.http_status ? ` · HTTP ${event.http_status}` : ""}
                  {event.error ? ` · ${event.error}` : ""}
                </li>
              ))}
            </ol>
          </section>
          <section aria-labelledby="lead-document">
            <h2 id="lead-document">{t("document")}</h2>
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling block must be reachable by keyboard (WCAG 2.1.1) */}
            <pre tabIndex={0}>{JSON.stringify(state.data.lead.document, null, 2)}</pre>
          </section>
        </>
      ) : null}
    </div>
  );
}
