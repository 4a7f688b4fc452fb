/**
 * Audit log streams (docs/audit-logs.md "Log streams"; a Portico extension — WorkOS configures
 * streams only in its dashboard and Admin Portal): the developer's API and the Admin Portal create,
 * list, read, delete and test an organization's streams here. Delivery is the stream worker's
 * (jobs/audit-stream-worker.ts). Every lookup is scoped by environment, and by organization when
 * the caller is an organization's IT admin: another's stream answers 404 as if it did not exist.
 * The secret is sealed with the master key and only its last 4 characters are ever shown.
 */
import type { Deps } from '../../../platform/deps.ts';
import { AppError, notFound } from '../../../platform/errors.ts';
import { zodFieldErrors } from '../../../platform/http.ts';
import { checkWebhookUrl } from '../../../platform/safe-http.ts';
import type { AuditLogStreamTable } from '../../../platform/schema.ts';
import { sendBatch } from './deliver.ts';
import { ADAPTERS, type StreamEvent, type StreamType } from './index.ts';
import type { CreateStreamBody, StreamWire, UpdateStreamBody } from './wire.ts';

export const TEST_ACTION = 'portico.audit_logs.test';
/** Config fields that are URLs Portico will connect to (checked against the egress policy). */
const URL_FIELDS = ['url', 'endpoint'] as const;

export function secretHint(secret: string): string {
  return secret.length >= 12 ? secret.slice(-4) : '';
}

export class AuditLogStreamService {
  constructor(readonly deps: Deps) {}

  private async organization(env: string, id: string) {
    const org = await this.deps.db
      .selectFrom('organizations')
      .select('id')
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!org) {
      const e = notFound('Organization', id);
      throw new AppError('entity_not_found', {
        message: e.message,
        errors: [{ field: 'organization_id', code: 'not_found' }],
      });
    }
  }

  /** Validates the destination's settings for its type (422 naming `config.<field>`). */
  validateConfig(type: StreamType, config: Record<string, unknown>): Record<string, unknown> {
    const adapter = ADAPTERS[type];
    const parsed = adapter.config.safeParse(config);
    if (!parsed.success) {
      const errors = zodFieldErrors(parsed.error).map((e) => {
        const field = e.field === '(body)' ? 'config' : `config.${e.field}`;
        return { ...e, field, message: e.message?.replace(/^[^:]*:/, `${field}:`) };
      });
      throw new AppError('invalid_request_parameters', {
        message: `Invalid ${type} stream: ${errors.map((e) => e.message).join('; ')}`,
        errors,
      });
    }
    const value = parsed.data as Record<string, unknown>;
    const policy = {
      allowLoopback: this.deps.config.webhooks.allowLoopback,
      allowPrivate: this.deps.config.webhooks.allowPrivate,
    };
    for (const f of URL_FIELDS) {
      if (typeof value[f] !== 'string') continue;
      const problem = checkWebhookUrl(value[f] as string, policy);
      if (problem)
        throw new AppError('audit_log_stream_url_refused', {
          message: `config.${f} ${problem.replaceAll('webhooks', 'log streams')}. Use the destination’s public address.`,
          errors: [{ field: `config.${f}`, code: 'egress_refused', message: `config.${f} ${problem}` }],
        });
    }
    return value;
  }

  async create(env: string, body: CreateStreamBody): Promise<StreamWire> {
    const config = this.validateConfig(body.type, body.config);
    await this.organization(env, body.organization_id);
    const now = this.deps.clock.now().toISOString();
    const head = await this.deps.db
      .selectFrom('audit_log_organizations')
      .select(['head_seq', 'pruned_through_seq'])
      .where('organization_id', '=', body.organization_id)
      .executeTakeFirst();
    const row: AuditLogStreamTable = {
      id: this.deps.ids.next('als'),
      environment_id: env,
      organization_id: body.organization_id,
      type: body.type,
      state: 'active',
      config: JSON.stringify(config),
      secret_sealed: this.deps.secrets.seal(body.secret),
      secret_hint: secretHint(body.secret),
      batch_through_seq: null,
      dispatched_seq: body.start === 'beginning' ? (head?.pruned_through_seq ?? 0) : (head?.head_seq ?? 0),
      lease_owner: null,
      lease_until: null,
      attempts: 0,
      next_attempt_at: now,
      last_delivered_at: null,
      last_error: null,
      last_error_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.deps.db.insertInto('audit_log_streams').values(row).execute();
    return this.get(env, row.id);
  }

  async row(env: string, id: string, organizationId?: string): Promise<AuditLogStreamTable> {
    let q = this.deps.db
      .selectFrom('audit_log_streams')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id);
    if (organizationId) q = q.where('organization_id', '=', organizationId);
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('Audit log stream', id, 'als');
    return row;
  }

  async get(env: string, id: string, organizationId?: string): Promise<StreamWire> {
    const row = await this.row(env, id, organizationId);
    return (await this.toWire([row]))[0]!;
  }

  async list(env: string, organizationId: string): Promise<StreamWire[]> {
    await this.organization(env, organizationId);
    const rows = await this.deps.db
      .selectFrom('audit_log_streams')
      .selectAll()
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .orderBy('id', 'asc')
      .execute();
    return this.toWire(rows);
  }

  /**
   * Pauses or resumes a stream, or replaces its config or secret. Resuming (`state: active`, also
   * on a failing stream) and any change of config or secret make it due at once, with its failure
   * count reset; the cursor never moves here.
   */
  async update(
    env: string,
    id: string,
    body: UpdateStreamBody,
    organizationId?: string,
  ): Promise<StreamWire> {
    const row = await this.row(env, id, organizationId);
    const now = this.deps.clock.now().toISOString();
    const set: Partial<AuditLogStreamTable> = { updated_at: now };
    if (body.config) set.config = JSON.stringify(this.validateConfig(row.type as StreamType, body.config));
    if (body.secret) {
      set.secret_sealed = this.deps.secrets.seal(body.secret);
      set.secret_hint = secretHint(body.secret);
    }
    if (body.state) set.state = body.state;
    if (body.state === 'active' || body.config || body.secret) {
      set.attempts = 0;
      set.next_attempt_at = now;
      if (row.state === 'error' && !body.state) set.state = 'active';
    }
    await this.deps.db.updateTable('audit_log_streams').set(set).where('id', '=', row.id).execute();
    return this.get(env, row.id);
  }

  async delete(env: string, id: string, organizationId?: string): Promise<void> {
    const row = await this.row(env, id, organizationId);
    await this.deps.db.deleteFrom('audit_log_streams').where('id', '=', row.id).execute();
  }

  /**
   * Sends one synthetic `portico.audit_logs.test` event straight to the destination (not into the
   * chain, and without touching the stream's cursor or status) and returns what the receiver said.
   */
  async test(env: string, id: string, organizationId?: string) {
    const row = await this.row(env, id, organizationId);
    const now = this.deps.clock.now().toISOString();
    const event: StreamEvent = {
      object: 'audit_log_event',
      id: this.deps.ids.next('audit_log_event'),
      organization_id: row.organization_id,
      action: TEST_ACTION,
      version: null,
      occurred_at: now,
      actor: { id: 'portico', type: 'system', name: 'Portico' },
      targets: [{ id: row.id, type: 'audit_log_stream' }],
      context: { location: 'portico' },
      metadata: { test: true },
      received_at: now,
      seq: 0,
      hash: null,
    };
    const r = await sendBatch(this.deps, row, [event]);
    return {
      object: 'audit_log_stream_test' as const,
      stream_id: row.id,
      success: r.ok,
      status: r.status,
      error: r.error,
      duration_ms: r.durationMs,
    };
  }

  private async toWire(rows: AuditLogStreamTable[]): Promise<StreamWire[]> {
    const orgs = [...new Set(rows.map((r) => r.organization_id))];
    const heads = new Map<string, number>();
    if (orgs.length) {
      for (const h of await this.deps.db
        .selectFrom('audit_log_organizations')
        .select(['organization_id', 'head_seq'])
        .where('organization_id', 'in', orgs)
        .execute())
        heads.set(h.organization_id, Number(h.head_seq));
    }
    return rows.map((r) => ({
      object: 'audit_log_stream' as const,
      id: r.id,
      organization_id: r.organization_id,
      type: r.type as StreamType,
      state: r.state as StreamWire['state'],
      config: JSON.parse(r.config) as Record<string, unknown>,
      secret_hint: r.secret_hint,
      delivered_through_seq: Number(r.dispatched_seq),
      pending_events: Math.max(0, (heads.get(r.organization_id) ?? 0) - Number(r.dispatched_seq)),
      attempts: Number(r.attempts),
      next_attempt_at: r.next_attempt_at,
      last_delivered_at: r.last_delivered_at,
      last_error: r.last_error,
      last_error_at: r.last_error_at,
      created_at: r.created_at,
      updated_at: r.updated_at,
    }));
  }
}
