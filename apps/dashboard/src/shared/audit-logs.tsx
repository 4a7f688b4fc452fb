/**
 * The Audit Logs viewer both apps show (docs/audit-logs.md "Viewer"): the Admin Portal's
 * `audit_logs` page (`/portal/api/audit_logs/…`) and the dashboard's Audit logs page
 * (`/_admin/audit_logs/…?organization_id=`). A table of one organization's events, newest first,
 * filters (action, actor, target, date range) and a search applied on the server, server-side
 * paging by the seq cursor (one page in memory, never the whole list), a detail panel with the
 * event's full JSON and its place in the hash chain, and an export of the current filters whose
 * state is polled until its download link is there.
 */
import './audit-logs.css';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type List, qs } from './api.ts';
import {
  Button,
  Empty,
  ErrorNotice,
  Field,
  formatDate,
  LoadState,
  Table,
  toApiError,
  useLoad,
} from './ui.tsx';

export interface AuditEntity {
  id: string;
  type: string;
  name?: string;
  metadata?: Record<string, unknown>;
}

export interface AuditEvent {
  id: string;
  seq: number;
  action: string;
  occurred_at: string;
  actor: AuditEntity;
  targets: AuditEntity[];
  context: { location: string; user_agent?: string };
  metadata: Record<string, unknown>;
}

interface AuditExport {
  id: string;
  state: 'pending' | 'ready' | 'error';
  url?: string;
  event_count: number | null;
}

export interface ViewerClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

interface Filters {
  actions: string;
  actor: string;
  target_type: string;
  target_id: string;
  range_start: string;
  range_end: string;
  search: string;
}
const NO_FILTERS: Filters = {
  actions: '',
  actor: '',
  target_type: '',
  target_id: '',
  range_start: '',
  range_end: '',
  search: '',
};
const PAGE = 25;

const entity = (e: AuditEntity) => (e.name ? `${e.name} (${e.id})` : e.id);

export function AuditLogViewer(props: {
  /** `/portal/api/audit_logs` or `/_admin/audit_logs`. */
  base: string;
  /** Added to every request (the dashboard's `organization_id`). */
  scope?: Record<string, string>;
  client: ViewerClient;
}) {
  const { base, client } = props;
  const scope = props.scope ?? {};
  const scopeKey = JSON.stringify(scope);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [cursor, setCursor] = useState<{ after?: string; before?: string }>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [forScope, setForScope] = useState(scopeKey);
  if (forScope !== scopeKey) {
    // Another organization: start again.
    setForScope(scopeKey);
    setCursor({});
    setSelected(null);
  }
  const url = `${base}/events${qs({ ...scope, ...applied, limit: PAGE, ...cursor })}`;
  const page = useLoad(() => client.get<List<AuditEvent>>(url), [url]);
  const set = (k: keyof Filters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ ...draft });
    setCursor({});
    setSelected(null);
  };
  const clear = () => {
    setDraft(NO_FILTERS);
    setApplied(NO_FILTERS);
    setCursor({});
  };
  return (
    <div className="audit-viewer">
      <form className="audit-filters" onSubmit={apply} aria-label="Filter audit log events" noValidate>
        <Field
          label="Search"
          name="search"
          type="search"
          value={draft.search}
          onChange={set('search')}
          hint="Part of an action, actor, target or metadata value."
        />
        <div className="audit-filter-grid">
          <Field
            label="Action"
            name="actions"
            value={draft.actions}
            onChange={set('actions')}
            placeholder="user.signed_in"
            hint="Exact; separate several with commas."
          />
          <Field
            label="Actor"
            name="actor"
            value={draft.actor}
            onChange={set('actor')}
            hint="Exact actor id or name."
          />
          <Field
            label="Target type"
            name="target_type"
            value={draft.target_type}
            onChange={set('target_type')}
          />
          <Field label="Target id" name="target_id" value={draft.target_id} onChange={set('target_id')} />
          <Field
            label="From"
            name="range_start"
            type="date"
            value={draft.range_start}
            onChange={set('range_start')}
          />
          <Field
            label="To"
            name="range_end"
            type="date"
            value={draft.range_end}
            onChange={set('range_end')}
          />
        </div>
        <div className="actions">
          <Button type="submit">Apply filters</Button>
          <Button kind="secondary" onClick={clear}>
            Clear
          </Button>
        </div>
      </form>
      <LoadState loaded={page} what="audit log events">
        {(p) => (
          <>
            <Table
              caption="Audit log events"
              head={['Occurred', 'Action', 'Actor', 'Targets', 'Location', '']}
              rows={p.data.map((e) => [
                <time key="t" dateTime={e.occurred_at} title={e.occurred_at}>
                  {formatDate(e.occurred_at)}
                </time>,
                <code key="a">{e.action}</code>,
                entity(e.actor),
                e.targets.map((t) => `${t.type}: ${entity(t)}`).join(', ') || '—',
                e.context.location,
                <button
                  key="d"
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => setSelected(e.id)}
                  aria-label={`Details of ${e.action} at ${e.occurred_at}`}
                >
                  Details
                </button>,
              ])}
              empty={
                <Empty title="No events match.">
                  <p>Change or clear the filters, or send events with createEvent.</p>
                </Empty>
              }
            />
            <nav className="audit-pager" aria-label="Pages">
              <Button
                kind="secondary"
                disabled={!p.list_metadata.before}
                onClick={() => p.list_metadata.before && setCursor({ before: p.list_metadata.before })}
              >
                Previous page
              </Button>
              <Button
                kind="secondary"
                disabled={!p.list_metadata.after}
                onClick={() => p.list_metadata.after && setCursor({ after: p.list_metadata.after })}
              >
                Next page
              </Button>
            </nav>
          </>
        )}
      </LoadState>
      {selected ? (
        <EventDetail
          url={`${base}/events/${encodeURIComponent(selected)}${qs(scope)}`}
          client={client}
          onClose={() => setSelected(null)}
        />
      ) : null}
      {/* Keyed by the filters: an export started for other filters is not shown as this one's. */}
      <ExportPanel
        key={`${scopeKey}|${JSON.stringify(applied)}`}
        base={base}
        scope={scope}
        filters={applied}
        client={client}
      />
    </div>
  );
}

function EventDetail(props: { url: string; client: ViewerClient; onClose: () => void }) {
  const detail = useLoad(
    () => props.client.get<AuditEvent & Record<string, unknown>>(props.url),
    [props.url],
  );
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <section className="panel audit-detail" aria-labelledby="audit-detail-title" ref={ref} tabIndex={-1}>
      <h2 id="audit-detail-title">Event details</h2>
      <LoadState loaded={detail} what="the event">
        {(e) => (
          <>
            <p>
              <code>{e.action}</code> · seq {e.seq} · <span className="mono small">{e.id}</span>
            </p>
            <pre className="audit-json" title={`JSON of event ${e.id}`}>
              {JSON.stringify(e, null, 2)}
            </pre>
          </>
        )}
      </LoadState>
      <Button kind="secondary" onClick={props.onClose}>
        Close details
      </Button>
    </section>
  );
}

function ExportPanel(props: {
  base: string;
  scope: Record<string, string>;
  filters: Filters;
  client: ViewerClient;
}) {
  const [state, setState] = useState<AuditExport | null>(null);
  const [error, setError] = useState<ReturnType<typeof toApiError> | undefined>();
  const [busy, setBusy] = useState(false);
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );
  const start = async () => {
    setBusy(true);
    setError(undefined);
    setState(null);
    try {
      const { search: _s, target_id: _t, actions, ...rest } = props.filters;
      const body: Record<string, unknown> = { ...props.scope };
      for (const [k, v] of Object.entries(rest)) if (v) body[k] = v;
      const list = actions
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean);
      if (list.length) body.actions = list;
      let x = await props.client.post<AuditExport>(`${props.base}/exports`, body);
      setState(x);
      for (let i = 0; i < 120 && x.state === 'pending' && live.current; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        x = await props.client.get<AuditExport>(`${props.base}/exports/${x.id}${qs(props.scope)}`);
        if (live.current) setState(x);
      }
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const unapplied = props.filters.search || props.filters.target_id;
  return (
    <section className="panel" aria-labelledby="audit-export-title">
      <h2 id="audit-export-title">Export</h2>
      <p className="muted">
        A CSV of the events the applied filters select (action, actor, target type and dates).
        {unapplied ? ' The search and the target id are not applied to exports.' : ''}
      </p>
      <ErrorNotice error={error} title="The export could not start." />
      <div className="actions">
        <Button busy={busy} onClick={() => void start()}>
          Export CSV
        </Button>
      </div>
      {state ? (
        <p aria-live="polite" className="audit-export-state">
          {state.state === 'pending' ? 'Preparing the export…' : null}
          {state.state === 'error' ? 'The export failed; start it again.' : null}
          {state.state === 'ready' && state.url ? (
            <>
              Ready: {state.event_count} events.{' '}
              <a href={state.url} download>
                Download CSV
              </a>{' '}
              (the link works for 10 minutes)
            </>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}
