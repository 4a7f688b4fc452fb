/**
 * Webhook endpoints (reference §5.7) and Portico's delivery log, manual redelivery and replay.
 * The signing secret is generated here, returned once, and stored sealed with the master key
 * (signing needs the clear value, so it cannot be a hash).
 */
import { sql } from 'kysely';
import type { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound, quote } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import { token } from '../../platform/random.ts';
import { checkWebhookUrl } from '../../platform/safe-http.ts';
import type { WebhookEndpointTable } from '../../platform/schema.ts';
import { KNOWN_EVENTS } from '../events/catalog.ts';
import {
  type CreateEndpointBody,
  deliveryToWire,
  endpointToWire,
  pendingDelivery,
  type UpdateEndpointBody,
} from './wire.ts';

export class WebhookService {
  constructor(private deps: Deps) {}

  private policy() {
    return {
      allowLoopback: this.deps.config.webhooks.allowLoopback,
      allowPrivate: this.deps.config.webhooks.allowPrivate,
    };
  }

  private checkUrl(url: string) {
    const problem = checkWebhookUrl(url, this.policy());
    if (problem) {
      throw new AppError('invalid_url', {
        message: `endpoint_url ${problem}.`,
        errors: [{ field: 'endpoint_url', code: 'invalid_url', message: problem }],
      });
    }
  }

  private checkEvents(events: string[]) {
    const unknown = events.filter((e) => !KNOWN_EVENTS.has(e));
    if (unknown.length) {
      throw new AppError('unknown_event_type', {
        message: `Unknown event type ${unknown.map((e) => quote(e)).join(', ')}. Use names such as 'dsync.user.created' or 'user.created'.`,
        errors: unknown.map((e) => ({ field: 'events', code: 'unknown_event_type', message: e })),
      });
    }
  }

  private async row(env: string, id: string) {
    const e = await this.deps.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!e) throw notFound('Webhook endpoint', id);
    return e;
  }

  private wire(e: WebhookEndpointTable, reveal = false) {
    return endpointToWire(e, this.deps.secrets.open(e.secret_sealed), reveal);
  }

  async list(env: string, p: Pagination) {
    const qb = this.deps.db.selectFrom('webhook_endpoints').selectAll().where('environment_id', '=', env);
    const page = await paginate(qb, 'id', p);
    return { data: page.rows.map((e) => this.wire(e)), list_metadata: page.list_metadata };
  }

  async get(env: string, id: string) {
    return this.wire(await this.row(env, id));
  }

  async create(env: string, body: z.output<typeof CreateEndpointBody>) {
    const { deps } = this;
    this.checkUrl(body.endpoint_url);
    const events = [...new Set(body.events)];
    this.checkEvents(events);
    const secret = token(deps.random, 24, 'whsec_');
    const now = deps.clock.now().toISOString();
    return deps.db.transaction().execute(async (tx) => {
      const dup = await tx
        .selectFrom('webhook_endpoints')
        .select('id')
        .where('environment_id', '=', env)
        .where('endpoint_url', '=', body.endpoint_url)
        .executeTakeFirst();
      if (dup)
        throw new AppError('duplicate_endpoint', {
          message: `Webhook endpoint ${dup.id} already delivers to ${body.endpoint_url}.`,
        });
      // Only events written from now on are delivered: start the cursor at the newest event.
      const max = await tx
        .selectFrom('events')
        .select(sql<number>`coalesce(max(seq), 0)`.as('seq'))
        .where('environment_id', '=', env)
        .executeTakeFirstOrThrow();
      const row: WebhookEndpointTable = {
        id: deps.ids.next('we'),
        environment_id: env,
        endpoint_url: body.endpoint_url,
        secret_sealed: deps.secrets.seal(secret),
        status: 'enabled',
        events: JSON.stringify(events),
        dispatched_seq: Number(max.seq),
        disabled_reason: null,
        failing_since: null,
        last_success_at: null,
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto('webhook_endpoints').values(row).execute();
      return endpointToWire(row, secret, true);
    });
  }

  async update(env: string, id: string, body: z.output<typeof UpdateEndpointBody>) {
    const { deps } = this;
    if (body.endpoint_url) this.checkUrl(body.endpoint_url);
    if (body.events) this.checkEvents(body.events);
    return deps.db.transaction().execute(async (tx) => {
      const e = await tx
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!e) throw notFound('Webhook endpoint', id);
      if (body.endpoint_url && body.endpoint_url !== e.endpoint_url) {
        const dup = await tx
          .selectFrom('webhook_endpoints')
          .select('id')
          .where('environment_id', '=', env)
          .where('endpoint_url', '=', body.endpoint_url)
          .executeTakeFirst();
        if (dup)
          throw new AppError('duplicate_endpoint', {
            message: `Webhook endpoint ${dup.id} already delivers to ${body.endpoint_url}.`,
          });
      }
      const reenabled = body.status === 'enabled' && e.status !== 'enabled';
      const next: WebhookEndpointTable = {
        ...e,
        endpoint_url: body.endpoint_url ?? e.endpoint_url,
        events: body.events ? JSON.stringify([...new Set(body.events)]) : e.events,
        status: body.status ?? e.status,
        disabled_reason:
          body.status === 'disabled' ? 'disabled by API' : reenabled ? null : e.disabled_reason,
        failing_since: reenabled ? null : e.failing_since,
        updated_at: deps.clock.now().toISOString(),
      };
      await tx.updateTable('webhook_endpoints').set(next).where('id', '=', id).execute();
      return this.wire(next);
    });
  }

  async delete(env: string, id: string) {
    await this.row(env, id);
    await this.deps.db
      .deleteFrom('webhook_endpoints')
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .execute();
  }

  async deliveries(env: string, endpointId: string, p: Pagination, eventId?: string) {
    await this.row(env, endpointId);
    let qb = this.deps.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('environment_id', '=', env)
      .where('endpoint_id', '=', endpointId);
    if (eventId) qb = qb.where('event_id', '=', eventId);
    const page = await paginate(qb, 'id', p);
    const ids = page.rows.map((d) => d.id);
    const attempts = ids.length
      ? await this.deps.db
          .selectFrom('webhook_attempts')
          .selectAll()
          .where('delivery_id', 'in', ids)
          .orderBy('id', 'asc')
          .execute()
      : [];
    return {
      data: page.rows.map((d) =>
        deliveryToWire(
          d,
          attempts.filter((a) => a.delivery_id === d.id),
        ),
      ),
      list_metadata: page.list_metadata,
    };
  }

  /** Schedules one event again for one endpoint (or every enabled endpoint that subscribes to it). */
  async redeliver(env: string, eventId: string, endpointId?: string) {
    const { deps } = this;
    const event = await deps.db
      .selectFrom('events')
      .select(['id', 'seq', 'event'])
      .where('environment_id', '=', env)
      .where('id', '=', eventId)
      .executeTakeFirst();
    if (!event) throw notFound('Event', eventId);
    let endpoints = await deps.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('environment_id', '=', env)
      .execute();
    if (endpointId) {
      endpoints = endpoints.filter((e) => e.id === endpointId);
      if (!endpoints.length) throw notFound('Webhook endpoint', endpointId);
    } else {
      endpoints = endpoints.filter(
        (e) => e.status === 'enabled' && (JSON.parse(e.events) as string[]).includes(event.event),
      );
    }
    const now = deps.clock.now().toISOString();
    for (const e of endpoints) {
      await this.schedule(e, { id: event.id, seq: Number(event.seq) }, now);
    }
    return { object: 'redelivery', event_id: eventId, endpoint_ids: endpoints.map((e) => e.id) };
  }

  /** Schedules every matching event after `after` (an event id) again for one endpoint. */
  async replay(env: string, endpointId: string, after: string | undefined, limit: number) {
    const { deps } = this;
    const endpoint = await this.row(env, endpointId);
    let from = 0;
    if (after) {
      const ev = await deps.db
        .selectFrom('events')
        .select('seq')
        .where('environment_id', '=', env)
        .where('id', '=', after)
        .executeTakeFirst();
      if (!ev) throw notFound('Event', after);
      from = Number(ev.seq);
    }
    const events = await deps.db
      .selectFrom('events')
      .select(['id', 'seq'])
      .where('environment_id', '=', env)
      .where('seq', '>', from)
      .where('event', 'in', JSON.parse(endpoint.events) as string[])
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    const now = deps.clock.now().toISOString();
    for (const ev of events) await this.schedule(endpoint, { id: ev.id, seq: Number(ev.seq) }, now);
    return {
      object: 'replay',
      endpoint_id: endpointId,
      scheduled: events.length,
      last_event_id: events[events.length - 1]?.id ?? null,
    };
  }

  private async schedule(endpoint: WebhookEndpointTable, event: { id: string; seq: number }, now: string) {
    await this.deps.db
      .insertInto('webhook_deliveries')
      .values(pendingDelivery(this.deps.ids, endpoint, event, now))
      // A delivery in flight keeps its lease: it is never attempted twice at once.
      .onConflict((oc) =>
        oc
          .columns(['endpoint_id', 'event_id'])
          .doUpdateSet({
            state: 'pending',
            attempts: 0,
            next_attempt_at: now,
            lease_until: null,
            updated_at: now,
          })
          .where('webhook_deliveries.state', '!=', 'delivering'),
      )
      .execute();
  }
}
