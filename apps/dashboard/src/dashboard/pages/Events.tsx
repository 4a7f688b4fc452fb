/**
 * Events (`GET /events`): newest first, filtered by type, each expandable to its JSON (data and
 * context, where `actor.source` says whether the API, the dashboard or the system caused it).
 */
import { useState } from 'react';
import { qs } from '../../shared/api.ts';
import { Button, Empty, formatDate, LoadState, Select, useLoad } from '../../shared/ui.tsx';
import { dash, type WorkosEvent } from '../client.ts';
import { EVENT_TYPES, Json, PageHeader } from '../kit.tsx';

interface EventList {
  data: WorkosEvent[];
  list_metadata: { after: string | null };
}

export function EventsPage() {
  const [type, setType] = useState('');
  const [stack, setStack] = useState<string[]>([]);
  const after = stack[stack.length - 1];
  const list = useLoad(
    () => dash.get<EventList>(`/events${qs({ events: type, limit: 25, after, order: 'desc' })}`),
    [type, after],
  );
  return (
    <section>
      <PageHeader title="Events">
        <Button kind="secondary" onClick={list.reload}>
          Refresh
        </Button>
      </PageHeader>
      <div className="row">
        <Select
          label="Event type"
          name="type"
          value={type}
          onChange={(v) => {
            setStack([]);
            setType(v);
          }}
          options={[{ value: '', label: 'All events' }, ...EVENT_TYPES.map((e) => ({ value: e, label: e }))]}
        />
      </div>
      <LoadState loaded={list} what="events">
        {(page) =>
          page.data.length === 0 ? (
            <Empty title={type ? `No ${type} events.` : 'No events yet.'}>
              <p>Events are recorded when organizations, users, connections and directories change.</p>
            </Empty>
          ) : (
            <>
              <ul className="event-list">
                {page.data.map((e) => (
                  <li key={e.id}>
                    <details>
                      <summary>
                        <code className="event-type">{e.event}</code>{' '}
                        <span className="muted">
                          {formatDate(e.created_at)} · {actorOf(e)}
                        </span>
                      </summary>
                      <p className="mono small">{e.id}</p>
                      <Json
                        value={{ data: e.data, context: e.context ?? {} }}
                        label={`JSON of event ${e.id}`}
                      />
                    </details>
                  </li>
                ))}
              </ul>
              <nav className="pager" aria-label="Pages">
                <Button
                  kind="secondary"
                  disabled={!stack.length}
                  onClick={() => setStack((s) => s.slice(0, -1))}
                >
                  Newer
                </Button>
                <Button
                  kind="secondary"
                  disabled={!page.list_metadata.after}
                  onClick={() => {
                    const next = page.list_metadata.after;
                    if (next) setStack((s) => [...s, next]);
                  }}
                >
                  Older
                </Button>
              </nav>
            </>
          )
        }
      </LoadState>
    </section>
  );
}

function actorOf(e: WorkosEvent) {
  const actor = e.context?.actor as { source?: string; name?: string | null } | undefined;
  if (!actor?.source) return 'system';
  return actor.name ? `${actor.source} (${actor.name})` : actor.source;
}
