/** Audit Logs routes (reference §5.5): events, schemas, actions, exports, retention, and Portico's verification. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { listOf, listSchema, paginationQuery } from '../../platform/http.ts';
import type { ApiSurface } from '../../surfaces/api.ts';
import { renderJsonError, toAppError } from '../../surfaces/common.ts';
import { publicCheckpointKeys } from './chain.ts';
import type { AuditExportService } from './exports.ts';
import type { AuditLogService } from './service.ts';
import {
  ACTION_NAME,
  AuditLogActionWire,
  AuditLogExportWire,
  AuditLogSchemaWire,
  CreateAuditLogEventBody,
  CreateAuditLogExportBody,
  CreateAuditLogSchemaBody,
  RetentionWire,
  UpdateRetentionBody,
} from './wire.ts';

const actionParam = z.object({
  action: z
    .string()
    .regex(ACTION_NAME, 'action is 1–100 letters, digits, `.`, `_`, `:` or `-`, such as "user.signed_in"'),
});
const idParam = z.object({ id: z.string().min(1) });

const ProblemWire = z.object({
  kind: z.enum(['altered', 'deleted', 'inserted', 'reordered', 'checkpoint']),
  seq: z.number(),
  event_id: z.string().nullable(),
  message: z.string(),
});
const VerificationWire = z.object({
  object: z.literal('audit_log_verification'),
  organization_id: z.string(),
  verified: z.boolean(),
  events_checked: z.number(),
  first_seq: z.number().nullable(),
  last_seq: z.number().nullable(),
  head_hash: z.string(),
  checkpoints_checked: z.number(),
  problems: z.array(ProblemWire),
});

export function auditLogRoutes(
  app: Hono,
  deps: Deps,
  api: ApiSurface,
  audit: AuditLogService,
  exports: AuditExportService,
) {
  api.route({
    method: 'post',
    path: '/audit_logs/events',
    summary: 'Create an audit log event (appended to the organization’s hash chain)',
    body: CreateAuditLogEventBody,
    response: z.object({ success: z.literal(true) }),
    handler: ({ env, body, idempotency }) => audit.createEvent(env.environmentId, body, idempotency),
  });
  api.route({
    method: 'post',
    path: '/audit_logs/actions/:action/schemas',
    summary: 'Create the next version of an action’s schema (creates the action if new)',
    params: actionParam,
    body: CreateAuditLogSchemaBody,
    status: 201,
    response: AuditLogSchemaWire,
    handler: ({ env, params, body }) => audit.createSchema(env.environmentId, params.action, body),
  });
  api.route({
    method: 'get',
    path: '/audit_logs/actions/:action/schemas',
    summary: 'List the schema versions of an action',
    params: actionParam,
    query: paginationQuery,
    response: listSchema(AuditLogSchemaWire),
    handler: async ({ env, params, query }) => {
      const page = await audit.listSchemas(env.environmentId, params.action, query);
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'get',
    path: '/audit_logs/actions',
    summary: 'List the actions that have a schema, each with its latest version',
    query: paginationQuery,
    response: listSchema(AuditLogActionWire),
    handler: async ({ env, query }) => {
      const page = await audit.listActions(env.environmentId, query);
      return listOf(page.data, page.list_metadata);
    },
  });
  api.route({
    method: 'post',
    path: '/audit_logs/exports',
    summary: 'Create an export of one organization’s events (built by the worker)',
    body: CreateAuditLogExportBody,
    status: 201,
    response: AuditLogExportWire,
    handler: ({ env, body }) => exports.create(env.environmentId, body),
  });
  api.route({
    method: 'get',
    path: '/audit_logs/exports/:id',
    summary: 'Get an export; once ready, `url` downloads its CSV for 10 minutes',
    params: idParam,
    response: AuditLogExportWire,
    handler: ({ env, params }) => exports.get(env.environmentId, params.id),
  });
  api.route({
    method: 'get',
    path: '/audit_logs/exports/:id/proof',
    summary:
      'Prove a ready export complete and unaltered: its CSV read again, and its chain verified (Portico)',
    params: idParam,
    response: z.object({
      object: z.literal('audit_log_export_proof'),
      export_id: z.string(),
      organization_id: z.string(),
      through_seq: z.number(),
      event_count: z.number(),
      sha256: z.string(),
      unaltered: z.boolean(),
      chain_verified: z.boolean(),
      problems: z.array(ProblemWire),
    }),
    handler: ({ env, params }) => exports.proof(env.environmentId, params.id),
  });
  api.route({
    method: 'get',
    path: '/audit_logs/verify',
    summary: 'Verify an organization’s hash chain and signed checkpoints (Portico)',
    query: z.object({ organization_id: z.string().min(1) }),
    response: VerificationWire,
    handler: ({ env, query }) => audit.verify(env.environmentId, query.organization_id),
  });
  api.route({
    method: 'get',
    path: '/organizations/:id/audit_logs_retention',
    summary: 'Get an organization’s audit log retention',
    params: idParam,
    response: RetentionWire,
    handler: ({ env, params }) => audit.getRetention(env.environmentId, params.id),
  });
  api.route({
    method: 'put',
    path: '/organizations/:id/audit_logs_retention',
    summary: 'Set an organization’s audit log retention (the sweep deletes older events)',
    params: idParam,
    body: UpdateRetentionBody,
    response: RetentionWire,
    handler: ({ env, params, body }) => audit.setRetention(env.environmentId, params.id, body),
  });
  api.route({
    method: 'get',
    path: '/organizations/:id/audit_log_configuration',
    summary: 'An organization’s audit log configuration',
    params: idParam,
    response: z.object({
      organization_id: z.string(),
      retention_period_in_days: z.number().int().nullable(),
      state: z.literal('active'),
    }),
    handler: async ({ env, params }) => ({
      organization_id: params.id,
      ...(await audit.getRetention(env.environmentId, params.id)),
      state: 'active' as const,
    }),
  });

  // The signed download link: no API key (like WorkOS's pre-signed URLs); the HMAC is the credential.
  app.get('/audit_logs/exports/:id/download', async (c) => {
    try {
      const row = await exports.openLink(c.req.param('id'), c.req.query('expires'), c.req.query('signature'));
      return new Response(exports.csvStream(row), {
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${row.id}.csv"`,
          'Cache-Control': 'no-store',
          ...(row.sha256 ? { 'X-Portico-Export-SHA256': row.sha256 } : {}),
        },
      });
    } catch (err) {
      return renderJsonError(c, toAppError(err, deps, c));
    }
  });
  // The public keys that verify checkpoints, like an environment's JWKS.
  app.get('/audit_logs/jwks/:clientId', async (c) => {
    try {
      const env = await deps.db
        .selectFrom('environments')
        .select('id')
        .where('client_id', '=', c.req.param('clientId'))
        .executeTakeFirst();
      if (!env) throw new AppError('entity_not_found', { message: 'No environment has this client id.' });
      return c.json(await publicCheckpointKeys(deps, env.id));
    } catch (err) {
      return renderJsonError(c, toAppError(err, deps, c));
    }
  });
}
