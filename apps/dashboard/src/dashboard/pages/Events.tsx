/**
 * Events (`GET /events`): newest first, filtered by type, each expandable to its JSON (data and
 * context, where `actor.source` says whether the API, the dashboard or the system caused it).
 */
import { useState } from 'react';
import { qs } from '../../shared/api.ts';
import { Button, Empty, formatDate, LoadState, Select } from '../../shared/ui.tsx';
import type { WorkosEvent } from '../client.ts';
import { EVENT_TYPES, Json, PageHeader, usePagedList } from '../kit.tsx';

export function EventsPage() {
  const [type, setType] = useState('');
  const { list, controls } = usePagedList<WorkosEvent>(
    `/events${qs({ events: type, limit: 25, order: 'desc' })}`,
    {
      previous: 'Newer',
      next: 'Older',
    },
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
          onChange={setType}
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
              {controls(page)}
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
