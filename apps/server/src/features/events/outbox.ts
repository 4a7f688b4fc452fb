/**
 * The transactional outbox. A service appends the event with the same transaction object that
 * made the change, so the state change and its event commit together or not at all. The events
 * table is also the Events API's source and the webhook deliverer's queue (next issue).
 */

import { sql } from 'kysely';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';

/**
 * Events must become visible in `seq` order, or a reader that advanced its cursor past seq N
 * (the webhook fan-out, an Events API client) could later miss a smaller seq committed after it.
 * SQLite serializes writers already; on PostgreSQL every event-writing transaction takes this
 * advisory lock before drawing its seq and holds it until commit, so commit order equals seq order.
 * The event insert is the last statement of its transaction, so the lock is held only briefly.
 */
const EVENT_LOCK = 7_232_018;

export interface EventContext {
  client_id?: string;
  actor?: { id: string | null; source: 'api' | 'dashboard' | 'admin_portal' | 'system'; name: string | null };
  previous_attributes?: Record<string, unknown>;
  [key: string]: unknown;
}

export async function appendEvent(
  q: Queryable,
  deps: Pick<Deps, 'ids' | 'clock' | 'dialect'>,
  e: {
    environmentId: string;
    event: string;
    data: Record<string, unknown>;
    organizationId?: string | null;
    context?: EventContext;
  },
): Promise<string> {
  if (deps.dialect === 'postgres') {
    if (!q.isTransaction) return q.transaction().execute((tx) => appendEvent(tx, deps, e));
    await sql`select pg_advisory_xact_lock(${EVENT_LOCK})`.execute(q);
  }
  const id = deps.ids.next('event');
  await q
    .insertInto('events')
    .values({
      id,
      environment_id: e.environmentId,
      event: e.event,
      organization_id: e.organizationId ?? null,
      data: JSON.stringify(e.data),
      context: JSON.stringify(e.context ?? {}),
      created_at: deps.clock.now().toISOString(),
    })
    .execute();
  return id;
}
