/** Webhook endpoints (reference §5.7) plus Portico's delivery log and replay. */
import { z } from 'zod';
import { listOf, listSchema, paginationQuery } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import type { WebhookService } from './service.ts';
import { CreateEndpointBody, DeliveryWire, UpdateEndpointBody, WebhookEndpointWire } from './wire.ts';

const idParam = z.object({ id: z.string().min(1) });

export function webhookRoutes(api: ApiSurface, webhooks: WebhookService) {
  api.route({
    method: 'get',
    path: '/webhook_endpoints',
    summary: 'List webhook endpoints',
    query: paginationQuery,
    response: listSchema(WebhookEndpointWire),
    handler: async ({ env, query }) => {
      const page = await webhooks.list(env.environmentId, query);
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'post',
    path: '/webhook_endpoints',
    summary: 'Create a webhook endpoint (the secret is returned only here)',
    body: CreateEndpointBody,
    status: 201,
    response: WebhookEndpointWire,
    sealReplay: true,
    handler: ({ env, body }) => webhooks.create(env.environmentId, body),
  });
  api.route({
    method: 'get',
    path: '/webhook_endpoints/:id',
    summary: 'Get a webhook endpoint',
    params: idParam,
    response: WebhookEndpointWire,
    handler: ({ env, params }) => webhooks.get(env.environmentId, params.id),
  });
  api.route({
    method: 'patch',
    path: '/webhook_endpoints/:id',
    summary: 'Update a webhook endpoint',
    params: idParam,
    body: UpdateEndpointBody,
    response: WebhookEndpointWire,
    handler: ({ env, params, body }) => webhooks.update(env.environmentId, params.id, body),
  });
  api.route({
    method: 'delete',
    path: '/webhook_endpoints/:id',
    summary: 'Delete a webhook endpoint',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await webhooks.delete(env.environmentId, params.id);
      return c.body(null, 204);
    },
  });
  api.route({
    method: 'get',
    path: '/webhook_endpoints/:id/deliveries',
    summary: 'List an endpoint’s deliveries with every attempt (Portico)',
    params: idParam,
    query: paginationQuery.extend({ event_id: z.string().optional() }),
    response: listSchema(DeliveryWire),
    handler: async ({ env, params, query }) => {
      const page = await webhooks.deliveries(env.environmentId, params.id, query, query.event_id);
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'post',
    path: '/webhook_endpoints/:id/replay',
    summary: 'Deliver again every subscribed event after a cursor (Portico)',
    params: idParam,
    body: z.object({
      after: z.string().min(1).optional(),
      limit: z.number().int().min(1).max(10_000).default(1000),
    }),
    status: 202,
    response: z.object({
      object: z.literal('replay'),
      endpoint_id: z.string(),
      scheduled: z.number(),
      last_event_id: z.string().nullable(),
    }),
    handler: ({ env, params, body }) => webhooks.replay(env.environmentId, params.id, body.after, body.limit),
  });
}
