/**
 * Building blocks shared by the dashboard and the Admin Portal: labelled fields with their
 * error, buttons that show progress, notices, empty states, tables that scroll on a phone, a
 * copy-to-clipboard value, a hash router and a data-loading hook. Every control is a native
 * element (keyboard access and focus come from the browser; styles.css makes focus visible).
 */
import { type ReactNode, useCallback, useEffect, useId, useState } from 'react';
import { ApiError } from './api.ts';

const readHash = () => window.location.hash.replace(/^#/, '') || '/';

export function useHashRoute(): [string, (to: string) => void] {
  const read = readHash;
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const go = (to: string) => {
    window.location.hash = to;
  };
  return [route, go];
}

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and whenever `deps` change; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what `load` depends on
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: toApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'client_error', (e as Error)?.message ?? String(e));
}

/** Wraps a submit handler: tracks `busy`, catches the ApiError and exposes it for display. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const run = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn(...args);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

export function Button(props: {
  children: ReactNode;
  onClick?: () => void;
  type?: 'button' | 'submit';
  kind?: 'primary' | 'secondary' | 'danger';
  busy?: boolean;
  disabled?: boolean;
}) {
  return (
    <button
      type={props.type ?? 'button'}
      className={`btn btn-${props.kind ?? 'primary'}`}
      onClick={props.onClick}
      disabled={props.disabled || props.busy}
      aria-busy={props.busy || undefined}
    >
      {props.busy ? 'Working…' : props.children}
    </button>
  );
}

export function Field(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  hint?: ReactNode;
  error?: string;
  required?: boolean;
  placeholder?: string;
  autoComplete?: string;
  multiline?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const describedBy =
    [props.hint ? hintId : '', props.error ? errId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    placeholder: props.placeholder,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': describedBy,
  };
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.multiline ? (
        <textarea {...common} rows={8} onChange={(e) => props.onChange(e.target.value)} />
      ) : (
        <input
          {...common}
          type={props.type ?? 'text'}
          autoComplete={props.autoComplete}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
      {props.hint ? (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p className="field-error" id={errId}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export function Select(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  options: { value: string; label: string }[];
  hint?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.hint ? <p className="hint">{props.hint}</p> : null}
    </div>
  );
}

/** An API error in words: the message (which says how to fix it) and the stable code. */
export function ErrorNotice({ error, title }: { error: ApiError | undefined; title?: string }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title ?? 'That did not work.'}</strong> {error.message}
      {error.errors.length ? (
        <ul>
          {error.errors.map((e) => (
            <li key={`${e.field}-${e.code}`}>
              <code>{e.field}</code>: {e.message ?? e.code}
            </li>
          ))}
        </ul>
      ) : null}
      <span className="code"> ({error.code})</span>
    </div>
  );
}

export function Notice({ kind, children }: { kind: 'success' | 'info' | 'warning'; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'success' ? 'status' : undefined}>
      {children}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Renders loading, error and empty states around a loaded list. */
export function LoadState<T>(props: { loaded: Loaded<T>; what: string; children: (data: T) => ReactNode }) {
  const { loaded } = props;
  if (loaded.error) return <ErrorNotice error={loaded.error} title={`Could not load ${props.what}.`} />;
  if (loaded.data === undefined) return <Loading what={props.what} />;
  return <>{props.children(loaded.data)}</>;
}

export function Table(props: { caption: string; head: string[]; rows: ReactNode[][]; empty?: ReactNode }) {
  if (props.rows.length === 0 && props.empty) return <>{props.empty}</>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond position
            <tr key={i}>
              {r.map((cell, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                <td key={j} data-label={props.head[j]}>
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A read-only value with a copy button (for ACS URLs, SCIM URLs, tokens…). */
export function CopyValue({ label, value, secret }: { label: string; value: string; secret?: boolean }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      const el = document.getElementById(id) as HTMLTextAreaElement | null;
      el?.select();
    }
  };
  return (
    <div className="field copy">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        {/* A read-only textarea, not an input: it wraps, so the whole value is visible at any width. */}
        <textarea
          id={id}
          readOnly
          value={value}
          // Where field-sizing is not supported, enough rows for a phone-width column.
          rows={Math.max(1, Math.ceil(value.length / 32))}
          className={secret ? 'copy-value secret' : 'copy-value'}
          spellCheck={false}
        />
        <button type="button" className="btn btn-secondary" onClick={copy} aria-label={`Copy ${label}`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

export function Steps({ steps, current }: { steps: string[]; current: number }) {
  return (
    <ol className="steps" aria-label="Progress">
      {steps.map((s, i) => (
        <li
          key={s}
          className={i === current ? 'current' : i < current ? 'done' : ''}
          aria-current={i === current ? 'step' : undefined}
        >
          <span className="step-n">{i + 1}</span> {s}
        </li>
      ))}
    </ol>
  );
}

export function formatDate(iso: string | null | undefined) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
