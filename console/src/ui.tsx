/** Shared pieces of the console: data loading, errors, figures, charts (uPlot) and formatting. */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError, type Schemas } from "./api";
import { currentLanguage, t } from "./i18n";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // The caller names what the load depends on (`deps`); `load` itself is a new closure on every render.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.status}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {errorText(error)}
    </p>
  );
}

/** The usual frame of a loaded block: a spinner text, the error, or the content. */
export function Loading<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (state.error) return <ErrorNote error={state.error} />;
  if (state.data === undefined) return <p aria-busy="true">{t("loading")}</p>;
  return <>{children(state.data)}</>;
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}

const locale = () => (currentLanguage() === "ru" ? "ru-RU" : "en-GB");

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return value.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return "—";
  return `${formatNumber(value * 100, digits)} %`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(locale(), { dateStyle: "short", timeStyle: "short" });
}

/** Series colours with at least 3:1 contrast on white (WCAG non-text contrast). */
export const PALETTE = ["#1f5fbf", "#b3261e", "#1b7a3a", "#8a4baf", "#9a5b00", "#0b7285", "#5c5f66", "#c2255c"];

export interface Series {
  label: string;
  values: Array<number | null>;
  color?: string;
  /** Points only (no line), e.g. observed rates. */
  points?: boolean;
  dash?: number[];
}

/**
 * A uPlot chart. `x` are unix seconds when `time`, plain numbers otherwise. The canvas is described
 * for screen readers by `summary` (the figures are also shown as a table next to each chart).
 */
export function Chart(props: {
  title: string;
  summary: string;
  x: number[];
  series: Series[];
  time?: boolean;
  height?: number;
  yRange?: [number, number];
  xRange?: [number, number];
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = Math.max(320, Math.min(element.clientWidth || 720, 960));
    const options: uPlot.Options = {
      width,
      height: props.height ?? 260,
      scales: {
        x: { time: props.time ?? false, ...(props.xRange ? { range: props.xRange } : {}) },
        y: props.yRange ? { range: props.yRange } : {},
      },
      axes: [{ stroke: "#333" }, { stroke: "#333" }],
      series: [
        {},
        ...props.series.map((serie, index) => ({
          label: serie.label,
          stroke: serie.color ?? PALETTE[index % PALETTE.length],
          width: 2,
          dash: serie.dash,
          points: { show: true, size: serie.points ? 8 : 5 },
          paths: serie.points ? () => null : undefined,
        })),
      ],
    };
    const plot = new uPlot(
      options,
      [props.x, ...props.series.map((serie) => serie.values)] as uPlot.AlignedData,
      element,
    );
    return () => plot.destroy();
  }, [props.x, props.series, props.time, props.height, props.yRange, props.xRange]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={host} role="img" aria-label={props.summary} />
    </figure>
  );
}

/** Horizontal bars in plain HTML: each row's value as text and as a bar. */
export function Bars({ rows, label }: { rows: Array<{ label: string; value: number; note?: string }>; label: string }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  return (
    <table class="bars">
      <caption>{label}</caption>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td class="bar-cell">
              <span class="bar" style={{ width: `${(row.value / max) * 100}%` }} />
            </td>
            <td class="num">{formatNumber(row.value)}</td>
            <td class="note">{row.note ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A button that runs an async action, shows it running and reports its error next to it. */
export function ActionButton(props: {
  onAction: () => Promise<unknown>;
  children: ComponentChildren;
  confirm?: string;
  kind?: "primary" | "danger" | "plain";
  disabled?: boolean;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setError(null);
    try {
      await props.onAction();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={props.kind ?? "plain"}
        disabled={busy || props.disabled}
        aria-label={props.label}
        onClick={run}
      >
        {props.children}
      </button>
      {error ? <ErrorNote error={error} /> : null}
    </span>
  );
}

/** What a "send test event" gave: delivered or not, the status, the time, the reason. */
export function WebhookTestOutcome({ result }: { result: Schemas["WebhookTestResult"] }) {
  return (
    <p role="status" class={result.delivered ? "" : "error"} data-testid="webhook-test">
      {result.delivered ? t("testDelivered") : t("testFailed")} · <code>{result.event_id}</code> · HTTP{" "}
      {result.http_status ?? "—"} · {formatNumber(result.latency_ms)} ms{result.error ? ` · ${result.error}` : ""}
    </p>
  );
}
