/**
 * The developer's log stream API (API key surface; a Portico extension — WorkOS has no public
 * stream API): create, list, get, delete, and send a test event. Secrets are write-only.
 */
import { z } from 'zod';
import { listOf, listSchema } from '../../../platform/http.ts';
import type { ApiSurface } from '../../../surfaces/api.ts';
import type { AuditLogStreamService } from './service.ts';
import { CreateStreamBody, StreamWire, TestResultWire, UpdateStreamBody } from './wire.ts';

const idParam = z.object({ id: z.string().min(1) });

export function auditLogStreamRoutes(api: ApiSurface, streams: AuditLogStreamService) {
  api.route({
    method: 'post',
    path: '/audit_logs/streams',
    summary:
      'Create a log stream: an organization’s audit log events sent to Datadog, Splunk, S3, GCS or an HTTPS endpoint (Portico)',
    body: CreateStreamBody,
    status: 201,
    response: StreamWire,
    handler: ({ env, body }) => streams.create(env.environmentId, body),
  });
  api.route({
    method: 'get',
    path: '/audit_logs/streams',
    summary: 'List an organization’s log streams with their delivery status (Portico)',
    query: z.object({
      organization_id: z
        .string({ error: 'organization_id is required' })
        .min(1, 'organization_id is required'),
    }),
    response: listSchema(StreamWire),
    handler: async ({ env, query }) =>
      listOf(await streams.list(env.environmentId, query.organization_id), { before: null, after: null }),
  });
  api.route({
    method: 'get',
    path: '/audit_logs/streams/:id',
    summary: 'Get a log stream and its delivery status (Portico)',
    params: idParam,
    response: StreamWire,
    handler: ({ env, params }) => streams.get(env.environmentId, params.id),
  });
  api.route({
    method: 'patch',
    path: '/audit_logs/streams/:id',
    summary: 'Pause or resume a log stream, or replace its config or secret (Portico)',
    params: idParam,
    body: UpdateStreamBody,
    response: StreamWire,
    handler: ({ env, params, body }) => streams.update(env.environmentId, params.id, body),
  });
  api.route({
    method: 'delete',
    path: '/audit_logs/streams/:id',
    summary: 'Delete a log stream (events not yet delivered are not sent) (Portico)',
    params: idParam,
    handler: async ({ env, params, c }) => {
      await streams.delete(env.environmentId, params.id);
      return c.body(null, 204);
    },
  });
  api.route({
    method: 'post',
    path: '/audit_logs/streams/:id/test',
    summary:
      'Send one synthetic portico.audit_logs.test event to the destination and return its answer (Portico)',
    params: idParam,
    body: z.object({}).passthrough(),
    response: TestResultWire,
    handler: ({ env, params }) => streams.test(env.environmentId, params.id),
  });
}
