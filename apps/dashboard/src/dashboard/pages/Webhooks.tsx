/**
 * Webhook endpoints (`/webhook_endpoints`): create with an event selection (the signing secret is
 * shown once), list, and a detail page with the deliveries and every attempt, redelivery of one
 * event (`POST /events/:id/redeliver`), replay of everything after an event
 * (`POST /webhook_endpoints/:id/replay`), enable/disable and deletion.
 */
import { useState } from 'react';
import { type List, qs } from '../../shared/api.ts';
import {
  Button,
  CopyValue,
  Empty,
  ErrorNotice,
  Field,
  formatDate,
  LoadState,
  Notice,
  Table,
  useAction,
  useLoad,
} from '../../shared/ui.tsx';
import { type Delivery, dash, type WebhookEndpoint } from '../client.ts';
import {
  Badge,
  CheckboxGroup,
  ConfirmButton,
  EVENT_TYPES,
  fieldError,
  PageHeader,
  usePagedList,
} from '../kit.tsx';

export function WebhooksPage({ id }: { id?: string }) {
  return id ? <EndpointDetail id={id} /> : <EndpointList />;
}

function EndpointList() {
  const list = useLoad(() => dash.get<List<WebhookEndpoint>>('/webhook_endpoints?limit=100&order=asc'), []);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['user.created', 'organization.created']);
  const [created, setCreated] = useState<WebhookEndpoint | null>(null);
  const create = useAction(async () => {
    const ep = await dash.post<WebhookEndpoint>('/webhook_endpoints', { endpoint_url: url.trim(), events });
    setCreated(ep);
    setUrl('');
    list.reload();
  });
  return (
    <section>
      <PageHeader title="Webhooks" />
      <div className="panel">
        <h2>Add an endpoint</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setCreated(null);
            void create.run();
          }}
        >
          <Field
            label="Endpoint URL"
            name="endpoint_url"
            type="url"
            value={url}
            onChange={setUrl}
            placeholder="https://app.example.com/webhooks/workos"
            hint="https:// with a public address; http://localhost is accepted outside production."
            required
            error={fieldError(create.error, 'endpoint_url')}
          />
          <CheckboxGroup
            legend="Events to send"
            options={EVENT_TYPES}
            value={events}
            onChange={setEvents}
            hint="Choose at least one."
          />
          <Button type="submit" busy={create.busy} disabled={!events.length}>
            Add endpoint
          </Button>
        </form>
        <ErrorNotice error={create.error} />
        {created ? (
          <Notice kind="success">
            <p>
              Created <a href={`#/webhooks/${created.id}`}>{created.endpoint_url}</a>. Copy the signing secret
              now: it is shown only this once. Verify the <code>WorkOS-Signature</code> header with it.
            </p>
            <CopyValue label="Signing secret" value={created.secret} secret />
          </Notice>
        ) : null}
      </div>
      <LoadState loaded={list} what="webhook endpoints">
        {(page) => (
          <Table
            caption="Webhook endpoints"
            head={['URL', 'Status', 'Events', 'Created']}
            rows={page.data.map((e) => [
              <a key="u" href={`#/webhooks/${e.id}`} className="break">
                {e.endpoint_url}
              </a>,
              <Badge key="s" ok={e.status === 'enabled'}>
                {e.status}
              </Badge>,
              `${e.events.length} event type${e.events.length === 1 ? '' : 's'}`,
              formatDate(e.created_at),
            ])}
            empty={
              <Empty title="No webhook endpoints.">Add one above to receive events as signed POSTs.</Empty>
            }
          />
        )}
      </LoadState>
    </section>
  );
}

function EndpointDetail({ id }: { id: string }) {
  const ep = useLoad(() => dash.get<WebhookEndpoint>(`/webhook_endpoints/${id}`), [id]);
  return (
    <section>
      <p>
        <a href="#/webhooks">← Webhooks</a>
      </p>
      <LoadState loaded={ep} what="the endpoint">
        {(e) => <EndpointBody ep={e} reload={ep.reload} />}
      </LoadState>
    </section>
  );
}

function EndpointBody({ ep, reload }: { ep: WebhookEndpoint; reload: () => void }) {
  const toggle = useAction(async () => {
    await dash.patch(`/webhook_endpoints/${ep.id}`, {
      status: ep.status === 'enabled' ? 'disabled' : 'enabled',
    });
    reload();
  });
  const [events, setEvents] = useState(ep.events);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    await dash.patch(`/webhook_endpoints/${ep.id}`, { events });
    setSaved(true);
    reload();
  });
  return (
    <>
      <PageHeader title="Webhook endpoint">
        <Button kind="secondary" busy={toggle.busy} onClick={() => void toggle.run()}>
          {ep.status === 'enabled' ? 'Disable' : 'Enable'}
        </Button>
        <ConfirmButton
          label="Delete endpoint"
          question="Delete this endpoint? Pending deliveries are dropped."
          action={async () => {
            await dash.del(`/webhook_endpoints/${ep.id}`);
            window.location.hash = '/webhooks';
          }}
        />
      </PageHeader>
      <ErrorNotice error={toggle.error} />
      <div className="panel">
        <p className="break">
          <strong>{ep.endpoint_url}</strong> <Badge ok={ep.status === 'enabled'}>{ep.status}</Badge>
        </p>
        {ep.disabled_reason ? <Notice kind="warning">Disabled: {ep.disabled_reason}</Notice> : null}
        <CopyValue label="Endpoint id" value={ep.id} />
        <p>
          Signing secret: <code>{ep.secret}</code>{' '}
          <span className="muted">(shown in full only at creation)</span>
        </p>
        <details>
          <summary>Events sent ({ep.events.length})</summary>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setSaved(false);
              void save.run();
            }}
          >
            <CheckboxGroup
              legend="Events to send"
              options={EVENT_TYPES}
              value={events}
              onChange={setEvents}
            />
            <Button type="submit" kind="secondary" busy={save.busy} disabled={!events.length}>
              Save events
            </Button>
          </form>
          <ErrorNotice error={save.error} />
          {saved ? <Notice kind="success">Saved.</Notice> : null}
        </details>
      </div>
      <Deliveries endpointId={ep.id} />
    </>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const { list, controls } = usePagedList<Delivery>(
    `/webhook_endpoints/${endpointId}/deliveries${qs({ limit: 20 })}`,
    {
      previous: 'Newer',
      next: 'Older',
    },
  );
  const [notice, setNotice] = useState<string | null>(null);
  const redeliver = useAction(async (eventId: string) => {
    await dash.post(`/events/${eventId}/redeliver`, { endpoint_id: endpointId });
    setNotice(`Event ${eventId} is scheduled for delivery again.`);
    list.reload();
  });
  const replay = useAction(async (afterEvent: string) => {
    const r = await dash.post<{ scheduled: number }>(`/webhook_endpoints/${endpointId}/replay`, {
      after: afterEvent,
    });
    setNotice(`${r.scheduled} later event${r.scheduled === 1 ? '' : 's'} scheduled again.`);
    list.reload();
  });
  return (
    <div className="panel">
      <div className="topbar">
        <h2>Deliveries</h2>
        <Button kind="secondary" onClick={list.reload}>
          Refresh
        </Button>
      </div>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <ErrorNotice error={redeliver.error ?? replay.error} />
      <LoadState loaded={list} what="deliveries">
        {(page) =>
          page.data.length === 0 ? (
            <Empty title="No deliveries yet.">
              <p>A delivery appears here when an event this endpoint subscribes to happens.</p>
            </Empty>
          ) : (
            <>
              <ul className="delivery-list">
                {page.data.map((d) => (
                  <li key={d.id} className="delivery" data-state={d.state}>
                    <div className="delivery-head">
                      <Badge ok={d.state === 'succeeded' ? true : d.state === 'failed' ? false : null}>
                        {d.state}
                      </Badge>{' '}
                      <code>{d.event_id}</code>{' '}
                      <span className="muted">
                        {formatDate(d.created_at)} · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                        {d.last_status ? ` · HTTP ${d.last_status}` : ''}
                        {d.next_attempt_at ? ` · next ${formatDate(d.next_attempt_at)}` : ''}
                      </span>
                    </div>
                    {d.last_error ? <p className="field-error">{d.last_error}</p> : null}
                    <div className="actions">
                      <Button
                        kind="secondary"
                        busy={redeliver.busy}
                        onClick={() => void redeliver.run(d.event_id)}
                      >
                        Redeliver
                      </Button>
                      <Button kind="secondary" busy={replay.busy} onClick={() => void replay.run(d.event_id)}>
                        Replay later events
                      </Button>
                    </div>
                    {d.attempt_log.length ? (
                      <details>
                        <summary>Attempts</summary>
                        <Table
                          caption={`Attempts of ${d.id}`}
                          head={['#', 'Started', 'Status', 'Time', 'Error or response']}
                          rows={d.attempt_log.map((a) => [
                            String(a.attempt),
                            formatDate(a.started_at),
                            a.status === null ? '—' : String(a.status),
                            `${a.duration_ms} ms`,
                            <span key="e" className="break">
                              {a.error ?? a.response_snippet ?? ''}
                            </span>,
                          ])}
                        />
                      </details>
                    ) : null}
                  </li>
                ))}
              </ul>
              {controls(page)}
            </>
          )
        }
      </LoadState>
    </div>
  );
}
