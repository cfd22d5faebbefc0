import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, type ApiError } from './api';

export function describe(error: unknown): ApiError {
  if (error instanceof ApiFailure) return error.error;
  return { status: 0, code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = describe(error);
  return (
    <div class="error" role="alert">
      <strong>{e.code}</strong> {e.message}
      {e.errors?.length ? (
        <ul>
          {e.errors.map((item, i) => (
            <li key={i}>
              <code>{item.instancePath || '/'}</code> {item.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Loads on mount and whenever `deps` change; `reload` refetches; `every` polls (ms). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], every?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const current = useRef(load);
  current.current = load;
  const reload = useCallback(async () => {
    try {
      setData(await current.current());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    setData(null);
    void reload();
    if (!every) return undefined;
    const timer = setInterval(() => void reload(), every);
    return () => clearInterval(timer);
  }, deps);
  return { data, error, reload };
}

/** A button that runs an action, shows it busy, and reports its error. */
export function Action(props: {
  label: string;
  run: () => Promise<unknown>;
  confirm?: string;
  kind?: 'danger' | 'primary';
  testid?: string;
  disabled?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const go = async () => {
    if (props.confirm && !armed) {
      setArmed(true);
      return;
    }
    setArmed(false);
    setBusy(true);
    setError(null);
    try {
      await props.run();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={props.kind ?? ''} data-testid={props.testid} disabled={busy || props.disabled} onClick={go}>
        {busy ? `${props.label}…` : armed ? props.confirm : props.label}
      </button>
      {armed ? (
        <button type="button" class="link" onClick={() => setArmed(false)}>
          cancel
        </button>
      ) : null}
      <ErrorBox error={error} />
    </span>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section>
      <header class="section-head">
        <h2>{title}</h2>
        <div>{actions}</div>
      </header>
      {children}
    </section>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{value === undefined ? '—' : JSON.stringify(value, null, 2)}</pre>;
}

export function age(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

export function time(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

const STATUS_COLORS = { PENDING: '#2563eb', INPROGRESS: '#d97706', ERROR: '#dc2626' } as const;

/** Depth over time as small lines per status, drawn in SVG (no chart library, no inline style). */
export function DepthChart({
  points,
  width = 160,
  height = 36,
}: {
  points: { t: number; PENDING: number; INPROGRESS: number; ERROR: number }[];
  width?: number;
  height?: number;
}) {
  if (points.length < 2) return <svg class="chart" width={width} height={height} aria-label="depth chart (collecting)" />;
  const t0 = points[0].t;
  const span = Math.max(1, points[points.length - 1].t - t0);
  const max = Math.max(1, ...points.map((p) => Math.max(p.PENDING, p.INPROGRESS, p.ERROR)));
  const line = (key: keyof typeof STATUS_COLORS) =>
    points.map((p) => `${(((p.t - t0) / span) * (width - 2) + 1).toFixed(1)},${(height - 1 - (p[key] / max) * (height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg class="chart" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-label={`depth chart, max ${max}`}>
      {(Object.keys(STATUS_COLORS) as (keyof typeof STATUS_COLORS)[]).map((key) => (
        <polyline key={key} points={line(key)} fill="none" stroke={STATUS_COLORS[key]} stroke-width="1.5" />
      ))}
    </svg>
  );
}
