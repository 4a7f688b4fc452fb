/** Webhook endpoint, delivery and attempt wire shapes (reference §5.7; deliveries are Portico's). */
import { z } from 'zod';
import type { Ids } from '../../platform/ids.ts';
import type {
  WebhookAttemptTable,
  WebhookDeliveryTable,
  WebhookEndpointTable,
} from '../../platform/schema.ts';

export const WebhookEndpointWire = z.object({
  object: z.literal('webhook_endpoint'),
  id: z.string(),
  endpoint_url: z.string(),
  secret: z.string(),
  status: z.enum(['enabled', 'disabled']),
  events: z.array(z.string()),
  disabled_reason: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** The full secret is returned once, on creation; reads show `whsec_…last4`. */
export function endpointToWire(
  e: WebhookEndpointTable,
  secret: string,
  reveal: boolean,
): z.infer<typeof WebhookEndpointWire> {
  return {
    object: 'webhook_endpoint',
    id: e.id,
    endpoint_url: e.endpoint_url,
    secret: reveal ? secret : `${secret.slice(0, 6)}…${secret.slice(-4)}`,
    status: e.status as 'enabled' | 'disabled',
    events: JSON.parse(e.events),
    disabled_reason: e.disabled_reason,
    created_at: e.created_at,
    updated_at: e.updated_at,
  };
}

export const AttemptWire = z.object({
  object: z.literal('webhook_attempt'),
  id: z.string(),
  attempt: z.number(),
  started_at: z.string(),
  duration_ms: z.number(),
  status: z.number().nullable(),
  error: z.string().nullable(),
  response_snippet: z.string().nullable(),
});

export const DeliveryWire = z.object({
  object: z.literal('webhook_delivery'),
  id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string(),
  state: z.enum(['pending', 'delivering', 'succeeded', 'failed']),
  attempts: z.number(),
  next_attempt_at: z.string().nullable(),
  last_status: z.number().nullable(),
  last_error: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  attempt_log: z.array(AttemptWire),
});

export function attemptToWire(a: WebhookAttemptTable): z.infer<typeof AttemptWire> {
  return {
    object: 'webhook_attempt',
    id: a.id,
    attempt: a.attempt,
    started_at: a.started_at,
    duration_ms: a.duration_ms,
    status: a.status,
    error: a.error,
    response_snippet: a.response_snippet,
  };
}

export function deliveryToWire(
  d: WebhookDeliveryTable,
  attempts: WebhookAttemptTable[],
): z.infer<typeof DeliveryWire> {
  const settled = d.state === 'succeeded' || d.state === 'failed';
  return {
    object: 'webhook_delivery',
    id: d.id,
    endpoint_id: d.endpoint_id,
    event_id: d.event_id,
    state: d.state as 'pending',
    attempts: d.attempts,
    next_attempt_at: settled ? null : d.next_attempt_at,
    last_status: d.last_status,
    last_error: d.last_error,
    delivered_at: d.delivered_at,
    created_at: d.created_at,
    updated_at: d.updated_at,
    attempt_log: attempts.map(attemptToWire),
  };
}

export const CreateEndpointBody = z.object({
  endpoint_url: z.string().min(1).max(2048),
  events: z.array(z.string().min(1)).min(1).max(200),
});

export const UpdateEndpointBody = z.object({
  endpoint_url: z.string().min(1).max(2048).optional(),
  status: z.enum(['enabled', 'disabled']).optional(),
  events: z.array(z.string().min(1)).min(1).max(200).optional(),
});

/** A fresh, due delivery of one event to one endpoint (fan-out, redelivery and replay). */
export function pendingDelivery(
  ids: Ids,
  endpoint: Pick<WebhookEndpointTable, 'id' | 'environment_id'>,
  event: { id: string; seq: number },
  now: string,
): WebhookDeliveryTable {
  return {
    id: ids.next('whd'),
    environment_id: endpoint.environment_id,
    endpoint_id: endpoint.id,
    event_id: event.id,
    event_seq: event.seq,
    state: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    last_status: null,
    last_error: null,
    created_at: now,
    updated_at: now,
    delivered_at: null,
  };
}
