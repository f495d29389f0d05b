import { useState } from "preact/hooks";
import { api, unwrap } from "../api";
import { t } from "../i18n";
import { formatDate, Loading, useLoad } from "../ui";

interface Filters {
  entity_type?: string;
  entity_id?: string;
  actor?: string;
}

/** The audit log: every change, by whom (the key id), before and after; filtered and paged. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>({});
  const [filters, setFilters] = useState<Filters>({});
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const state = useLoad(
    () => unwrap(api.GET("/v1/admin/audit-log", { params: { query: { ...filters, limit: 50, cursor } } })),
    [filters, cursor],
  );
  const field = (name: keyof Filters, label: string) => (
    <>
      <label for={`audit-${name}`}>{label}</label>
      <input
        id={`audit-${name}`}
        value={draft[name] ?? ""}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value || undefined })}
      />
    </>
  );
  return (
    <div class="page">
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setCursor(undefined);
          setFilters({ ...draft });
        }}
      >
        {field("entity_type", t("entityType"))}
        {field("entity_id", t("entityId"))}
        {field("actor", t("actor"))}
        <button type="submit" class="primary">
          {t("filter")}
        </button>
      </form>
      <Loading state={state}>
        {({ entries, next_cursor }) => (
          <>
            <table>
              <caption>{t("auditLog")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("when")}</th>
                  <th scope="col">{t("actor")}</th>
                  <th scope="col">{t("action")}</th>
                  <th scope="col">{t("entity")}</th>
                  <th scope="col">{t("change")}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDate(entry.at)}</td>
                    <td>
                      <code>{entry.actor}</code>
                    </td>
                    <td>{entry.action}</td>
                    <td>
                      {entry.entity_type} <code>{entry.entity_id}</code>
                    </td>
                    <td>
                      <details>
                        <summary>{t("show")}</summary>
                        <pre>{JSON.stringify({ before: entry.before, after: entry.after }, null, 2)}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {next_cursor ? (
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
