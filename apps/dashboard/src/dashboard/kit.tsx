/**
 * Dashboard-only building blocks on top of the shared kit: a two-step confirmation for
 * destructive actions (no window.confirm: the question appears next to the button and keyboard
 * focus moves to it), cursor paging over WorkOS lists, status badges and a JSON viewer.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { ApiError, List } from '../shared/api.ts';
import {
  Button,
  ErrorNotice,
  Field,
  type Loaded,
  LoadState,
  Select,
  useAction,
  useLoad,
} from '../shared/ui.tsx';
import { dash, type Organization } from './client.ts';

/** A danger button that asks "Really …?" inline before running `action`. */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  action: () => Promise<void>;
  kind?: 'danger' | 'secondary';
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLDivElement>(null);
  const act = useAction(async () => {
    await props.action();
    setAsking(false);
  });
  useEffect(() => {
    if (asking) confirmRef.current?.querySelector<HTMLButtonElement>('button')?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <Button kind={props.kind ?? 'danger'} onClick={() => setAsking(true)}>
        {props.label}
      </Button>
    );
  }
  return (
    <div className="confirm" ref={confirmRef}>
      <span className="confirm-question">{props.question}</span>
      <Button kind="danger" busy={act.busy} onClick={() => void act.run()}>
        {props.confirmLabel ?? `Yes, ${props.label.toLowerCase()}`}
      </Button>
      <Button kind="secondary" onClick={() => setAsking(false)}>
        Cancel
      </Button>
      <ErrorNotice error={act.error} />
    </div>
  );
}

/** Cursor paging for WorkOS lists: remembers the cursors walked so "Previous" works too. */
export function usePager(
  labels: { previous: string; next: string } = { previous: 'Previous page', next: 'Next page' },
) {
  const [stack, setStack] = useState<string[]>([]);
  const after = stack[stack.length - 1];
  return {
    after,
    reset: () => setStack([]),
    controls: (next: string | null | undefined) =>
      stack.length || next ? (
        <nav className="pager" aria-label="Pages">
          <Button kind="secondary" disabled={!stack.length} onClick={() => setStack((s) => s.slice(0, -1))}>
            {labels.previous}
          </Button>
          <Button kind="secondary" disabled={!next} onClick={() => next && setStack((s) => [...s, next])}>
            {labels.next}
          </Button>
        </nav>
      ) : null,
  };
}

export function Badge({ ok, children }: { ok?: boolean | null; children: ReactNode }) {
  return (
    <span className={`badge ${ok === true ? 'badge-ok' : ok === false ? 'badge-bad' : ''}`}>{children}</span>
  );
}

export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="json" title={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="topbar">
      <h1 tabIndex={-1} className="page-title">
        {title}
      </h1>
      {children ? <div className="actions-inline">{children}</div> : null}
    </div>
  );
}

/** A checkbox list (native inputs in a fieldset with a legend). */
export function CheckboxGroup(props: {
  legend: string;
  options: string[];
  value: string[];
  onChange: (v: string[]) => void;
  hint?: ReactNode;
}) {
  return (
    <fieldset className="checks">
      <legend>{props.legend}</legend>
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      <div className="checks-grid">
        {props.options.map((o) => (
          <label key={o} className="check">
            <input
              type="checkbox"
              name={props.legend}
              value={o}
              checked={props.value.includes(o)}
              onChange={(e) =>
                props.onChange(e.target.checked ? [...props.value, o] : props.value.filter((x) => x !== o))
              }
            />{' '}
            <code>{o}</code>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The field error the server reported for `field`, if any (from `errors[]`). */
export function fieldError(error: ApiError | undefined, field: string) {
  const e = error?.errors.find((x) => x.field === field || x.field.startsWith(`${field}.`));
  return e ? (e.message ?? e.code) : undefined;
}

/** Every WorkOS event type Portico emits or accepts for webhook subscriptions. */
export const EVENT_TYPES = [
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization_domain.created',
  'organization_domain.updated',
  'organization_domain.deleted',
  'organization_domain.verified',
  'organization_domain.verification_failed',
  'organization_membership.created',
  'organization_membership.updated',
  'organization_membership.deleted',
  'user.created',
  'user.updated',
  'user.deleted',
  'session.created',
  'session.revoked',
  'authentication.password_succeeded',
  'authentication.password_failed',
  'authentication.sso_succeeded',
  'authentication.sso_failed',
  'connection.activated',
  'connection.deactivated',
  'connection.deleted',
  'dsync.activated',
  'dsync.deactivated',
  'dsync.deleted',
  'dsync.user.created',
  'dsync.user.updated',
  'dsync.user.deleted',
  'dsync.group.created',
  'dsync.group.updated',
  'dsync.group.deleted',
  'dsync.group.user_added',
  'dsync.group.user_removed',
];

/** The environment's organizations (first 100), for pickers and for naming ids in lists. */
export function useOrganizations() {
  return useLoad(() => dash.get<List<Organization>>('/organizations?limit=100'), []);
}

/** A picker of the environment's organizations, with a first option for "none" / "all". */
export function OrganizationSelect(props: {
  orgs: Loaded<List<Organization>>;
  value: string;
  onChange: (id: string) => void;
  emptyLabel: string;
  name?: string;
  label?: string;
}) {
  return (
    <Select
      label={props.label ?? 'Organization'}
      name={props.name ?? 'organization'}
      value={props.value}
      onChange={props.onChange}
      options={[
        { value: '', label: props.emptyLabel },
        ...(props.orgs.data?.data ?? []).map((o) => ({ value: o.id, label: o.name })),
      ]}
    />
  );
}

/**
 * A WorkOS list at `path` (which carries its own filters and limit), paged by cursor. A new
 * `path` (another filter) starts again at the first page.
 */
export function usePagedList<T>(path: string, labels?: { previous: string; next: string }) {
  const pager = usePager(labels);
  const [forPath, setForPath] = useState(path);
  if (forPath !== path) {
    setForPath(path);
    pager.reset();
  }
  const after = forPath === path ? pager.after : undefined;
  const url = after ? `${path}${path.includes('?') ? '&' : '?'}after=${encodeURIComponent(after)}` : path;
  const list = useLoad(() => dash.get<List<T>>(url), [url]);
  return { list, controls: (page: List<T>) => pager.controls(page.list_metadata.after) };
}

/** Edits a string → string map as rows of two inputs. */
export function MapEditor(props: {
  legend: string;
  keyLabel: string;
  valueLabel: string;
  value: [string, string][];
  onChange: (v: [string, string][]) => void;
  errorFor: (key: string) => string | undefined;
}) {
  const set = (i: number, at: 0 | 1, v: string) =>
    props.onChange(props.value.map((row, j) => (j === i ? (at === 0 ? [v, row[1]] : [row[0], v]) : row)));
  return (
    <fieldset className="plain">
      <legend>{props.legend}</legend>
      {props.value.map(([k, v], i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
        <div className="row" key={i}>
          <Field
            label={props.keyLabel}
            name={`key-${i}`}
            value={k}
            onChange={(x) => set(i, 0, x)}
            error={props.errorFor(k)}
          />
          <Field label={props.valueLabel} name={`value-${i}`} value={v} onChange={(x) => set(i, 1, x)} />
          <Button kind="secondary" onClick={() => props.onChange(props.value.filter((_, j) => j !== i))}>
            Remove
          </Button>
        </div>
      ))}
      <Button kind="secondary" onClick={() => props.onChange([...props.value, ['', '']])}>
        Add a row
      </Button>
    </fieldset>
  );
}

/** An MFA policy switch (`GET`/`PUT` `path` with `{ mfa_required }`), saying what each state means. */
export function MfaPolicyPanel(props: {
  path: string;
  id: string;
  required: string;
  notRequired: string;
  requireLabel: string;
  stopLabel: string;
}) {
  const policy = useLoad(() => dash.get<{ mfa_required: boolean }>(props.path), [props.path]);
  const save = useAction(async (required: boolean) => {
    await dash.put(props.path, { mfa_required: required });
    policy.reload();
  });
  return (
    <div className="panel" id={props.id}>
      <h2>Multi-factor authentication</h2>
      <LoadState loaded={policy} what="the MFA policy">
        {(p) => (
          <>
            <p id={`${props.id}-current`}>{p.mfa_required ? props.required : props.notRequired}</p>
            <Button kind="secondary" busy={save.busy} onClick={() => void save.run(!p.mfa_required)}>
              {p.mfa_required ? props.stopLabel : props.requireLabel}
            </Button>
          </>
        )}
      </LoadState>
      <ErrorNotice error={save.error} />
    </div>
  );
}
