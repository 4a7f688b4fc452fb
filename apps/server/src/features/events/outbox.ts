/**
 * The transactional outbox. A service appends the event with the same transaction object that
 * made the change, so the state change and its event commit together or not at all. The events
 * table is also the Events API's source and the webhook deliverer's queue (next issue).
 */

import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';

export interface EventContext {
  client_id?: string;
  actor?: { id: string | null; source: 'api' | 'dashboard' | 'admin_portal' | 'system'; name: string | null };
  previous_attributes?: Record<string, unknown>;
  [key: string]: unknown;
}

export async function appendEvent(
  q: Queryable,
  deps: Pick<Deps, 'ids' | 'clock'>,
  e: {
    environmentId: string;
    event: string;
    data: Record<string, unknown>;
    organizationId?: string | null;
    context?: EventContext;
  },
): Promise<string> {
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
