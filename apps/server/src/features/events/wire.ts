/** The WorkOS Event object (reference §7, §8). */
import { z } from 'zod';
import type { EventTable } from '../../platform/schema.ts';

export const EventWire = z.object({
  object: z.literal('event'),
  id: z.string(),
  event: z.string(),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type EventWire = z.infer<typeof EventWire>;

export function eventToWire(
  e: Pick<EventTable, 'id' | 'event' | 'data' | 'context' | 'created_at'>,
): EventWire {
  const context = JSON.parse(e.context) as Record<string, unknown>;
  return {
    object: 'event',
    id: e.id,
    event: e.event,
    data: JSON.parse(e.data),
    created_at: e.created_at,
    ...(Object.keys(context).length ? { context } : {}),
  };
}

/** The exact bytes a webhook delivers and signs: compact JSON.stringify (reference §5.7). */
export function eventBody(e: Pick<EventTable, 'id' | 'event' | 'data' | 'context' | 'created_at'>): string {
  return JSON.stringify(eventToWire(e));
}
