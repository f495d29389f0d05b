import { useMemo, useState } from "preact/hooks";
import { ApiError, api, type Schemas, unwrap } from "../api";
import { t } from "../i18n";
import { ActionButton, ErrorNote, errorText, formatNumber, Loading, useLoad } from "../ui";

type Link = Schemas["CrossServiceLink"];

/**
 * Background of a cell by weight, light to dark blue. Mid blues give neither dark nor white text a
 * 4.5:1 contrast, so weights below 0.5 use light shades with dark text and the rest dark shades with
 * white text.
 */
function cellStyle(weight: number) {
  if (weight < 0.5) return { background: `hsl(214 70% ${Math.round(96 - weight * 64)}%)`, color: "#111" };
  return { background: `hsl(214 70% ${Math.round(44 - (weight - 0.5) * 36)}%)`, color: "#fff" };
}

/**
 * The cross-service matrix as a heat map: rows are the service a client has, columns the service
 * it likely needs. A cell is edited in place (0 deletes the link); the API's validation error is
 * shown on the cell. Bulk paste takes `from,to,weight` lines.
 */
export function MatrixPage({ canWrite }: { canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const state = useLoad(
    () =>
      Promise.all([unwrap(api.GET("/v1/admin/services")), unwrap(api.GET("/v1/admin/cross-services"))]).then(
        ([services, links]) => ({ services: services.services, links: links.links }),
      ),
    [tick],
  );
  const [search, setSearch] = useState("");
  return (
    <div class="page">
      <p>
        <label for="matrix-search">{t("search")}</label>{" "}
        <input
          id="matrix-search"
          type="search"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
      </p>
      <Loading state={state}>
        {(data) => <Matrix {...data} search={search} canWrite={canWrite} onSaved={() => setTick((n) => n + 1)} />}
      </Loading>
      {canWrite ? <BulkPaste onSaved={() => setTick((n) => n + 1)} /> : null}
    </div>
  );
}

function Matrix(props: {
  services: Schemas["Service"][];
  links: Link[];
  search: string;
  canWrite: boolean;
  onSaved: () => void;
}) {
  const weights = useMemo(
    () => new Map(props.links.map((link) => [`${link.from}>${link.to}`, link.weight])),
    [props.links],
  );
  const query = props.search.trim().toLowerCase();
  const visible = (service: Schemas["Service"]) =>
    !query || service.code.includes(query) || service.name.toLowerCase().includes(query);
  const rows = props.services.filter(visible);
  const [editing, setEditing] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = async (from: string, to: string, raw: string) => {
    const cell = `${from}>${to}`;
    try {
      await unwrap(api.PUT("/v1/admin/cross-services", { body: { links: [{ from, to, weight: Number(raw) }] } }));
      setErrors(({ [cell]: _dropped, ...rest }) => rest);
      setEditing(null);
      props.onSaved();
    } catch (error) {
      const message =
        error instanceof ApiError ? (error.messageAt(["links", "0", "weight"]) ?? error.message) : errorText(error);
      setErrors((current) => ({ ...current, [cell]: message }));
    }
  };

  return (
    <div class="matrix-scroll">
      <table class="matrix">
        <caption>{t("matrixCaption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("hasService")}</th>
            {props.services.map((service) => (
              <th scope="col" key={service.code} class="rotate">
                <span>{service.code}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((from) => (
            <tr key={from.code}>
              <th scope="row">{from.code}</th>
              {props.services.map((to) => {
                const cell = `${from.code}>${to.code}`;
                const weight = weights.get(cell) ?? 0;
                if (from.code === to.code) return <td key={cell} class="self" aria-label={t("sameService")} />;
                if (editing === cell) {
                  return (
                    <td key={cell} class="editing">
                      <CellEditor
                        label={`${from.code} → ${to.code}`}
                        initial={String(weight)}
                        error={errors[cell]}
                        onSave={(raw) => save(from.code, to.code, raw)}
                        onCancel={() => setEditing(null)}
                      />
                    </td>
                  );
                }
                return (
                  <td
                    key={cell}
                    style={weight > 0 ? cellStyle(weight) : undefined}
                    class={errors[cell] ? "invalid" : ""}
                  >
                    <button
                      type="button"
                      class="cell"
                      disabled={!props.canWrite}
                      aria-label={`${from.code} → ${to.code}: ${formatNumber(weight, 2)}`}
                      onClick={() => setEditing(cell)}
                    >
                      {weight > 0 ? formatNumber(weight, 2) : "·"}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CellEditor(props: {
  label: string;
  initial: string;
  error?: string;
  onSave: (raw: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(props.initial);
  const id = `cell-${props.label.replace(/\W+/g, "-")}`;
  return (
    <form
      class="cell-editor"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSave(value);
      }}
    >
      <label for={id} class="visually-hidden">
        {t("weightOf")} {props.label}
      </label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        size={4}
        value={value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onInput={(event) => setValue(event.currentTarget.value)}
        onKeyDown={(event) => event.key === "Escape" && props.onCancel()}
        // biome-ignore lint/a11y/noAutofocus: the editor opens on the user's click, focus follows it
        autoFocus
      />
      <button type="submit">{t("save")}</button>
      {props.error ? (
        <span id={`${id}-error`} class="cell-error" role="alert">
          {props.error}
        </span>
      ) : null}
    </form>
  );
}

function BulkPaste({ onSaved }: { onSaved: () => void }) {
  const [text, setText] = useState("");
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.split(/[,;\t]/).map((part) => part.trim()));
  return (
    <section aria-labelledby="bulk">
      <h2 id="bulk">{t("bulkPaste")}</h2>
      <label for="bulk-text">{t("bulkPasteHint")}</label>
      <textarea id="bulk-text" rows={5} value={text} onInput={(event) => setText(event.currentTarget.value)} />
      <ActionButton
        kind="primary"
        disabled={lines.length === 0}
        onAction={async () => {
          setError(null);
          try {
            const saved = await unwrap(
              api.PUT("/v1/admin/cross-services", {
                body: { links: lines.map(([from, to, weight]) => ({ from, to, weight: Number(weight) })) },
              }),
            );
            setResult(t("bulkSaved", { count: String(saved.upserted + saved.deleted) }));
            setText("");
            onSaved();
          } catch (caught) {
            setError(caught);
          }
        }}
      >
        {t("save")}
      </ActionButton>
      {result ? <p role="status">{result}</p> : null}
      <ErrorNote error={error} />
    </section>
  );
}
