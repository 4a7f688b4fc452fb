/** `GET /events` (reference §5.6) and Portico's manual redelivery of one event. */
import { z } from 'zod';
import { listParam } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { WebhookService } from '../webhooks/service.ts';
import type { EventService } from './service.ts';
import { EventWire } from './wire.ts';

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date such as 2026-01-01T00:00:00Z');

export function eventRoutes(api: ApiSurface, events: EventService, webhooks: WebhookService) {
  api.route({
    method: 'get',
    path: '/events',
    summary: 'List events',
    query: z.object({
      events: listParam,
      organization_id: z.string().optional(),
      range_start: isoDate.optional(),
      range_end: isoDate.optional(),
      after: z.string().min(1).optional(),
      before: z.string().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(10),
      order: z.enum(['asc', 'desc', 'normal']).default('desc'),
    }),
    response: z.object({
      object: z.literal('list'),
      data: z.array(EventWire),
      list_metadata: z.object({ after: z.string().nullable() }),
    }),
    handler: ({ env, query }) =>
      events.list(env.environmentId, {
        events: query.events,
        organizationId: query.organization_id,
        rangeStart: query.range_start,
        rangeEnd: query.range_end,
        after: query.after,
        before: query.before,
        limit: query.limit,
        order: query.order,
      }),
  });
  api.route({
    method: 'post',
    path: '/events/:id/redeliver',
    summary: 'Deliver one event again (Portico)',
    params: z.object({ id: z.string().min(1) }),
    body: z.object({ endpoint_id: z.string().min(1).optional() }),
    status: 202,
    response: z.object({
      object: z.literal('redelivery'),
      event_id: z.string(),
      endpoint_ids: z.array(z.string()),
    }),
    handler: ({ env, params, body }) => webhooks.redeliver(env.environmentId, params.id, body.endpoint_id),
  });
}
