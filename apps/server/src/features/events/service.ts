/**
 * The Events API (reference §5.6): a replayable, totally ordered log of everything that changed.
 * Order is the outbox sequence, so any event id is a durable `after` cursor. Events older than
 * PORTICO_EVENT_RETENTION_DAYS are swept.
 */
import type { Deps } from '../../platform/deps.ts';
import { AppError, quote } from '../../platform/errors.ts';
import { eventToWire } from './wire.ts';

export interface EventQuery {
  events?: string[];
  organizationId?: string;
  rangeStart?: string;
  rangeEnd?: string;
  after?: string;
  before?: string;
  limit: number;
  order: 'asc' | 'desc' | 'normal';
}

export class EventService {
  constructor(private deps: Deps) {}

  private async seqOf(env: string, id: string, param: string) {
    const row = await this.deps.db
      .selectFrom('events')
      .select('seq')
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) {
      throw new AppError('invalid_request_parameters', {
        message: `${param}: event ${quote(id)} does not exist (it may be older than the retention period of ${this.deps.config.eventRetentionDays} days).`,
        errors: [{ field: param, code: 'invalid_cursor' }],
      });
    }
    return Number(row.seq);
  }

  async list(env: string, q: EventQuery) {
    const desc = q.order !== 'asc';
    let qb = this.deps.db
      .selectFrom('events')
      .select(['seq', 'id', 'event', 'data', 'context', 'created_at'])
      .where('environment_id', '=', env);
    if (q.events?.length) qb = qb.where('event', 'in', q.events);
    if (q.organizationId) qb = qb.where('organization_id', '=', q.organizationId);
    if (q.rangeStart) qb = qb.where('created_at', '>=', new Date(q.rangeStart).toISOString());
    if (q.rangeEnd) qb = qb.where('created_at', '<', new Date(q.rangeEnd).toISOString());
    let reverse = false;
    if (q.after) {
      qb = qb
        .where('seq', desc ? '<' : '>', await this.seqOf(env, q.after, 'after'))
        .orderBy('seq', desc ? 'desc' : 'asc');
    } else if (q.before) {
      qb = qb
        .where('seq', desc ? '>' : '<', await this.seqOf(env, q.before, 'before'))
        .orderBy('seq', desc ? 'asc' : 'desc');
      reverse = true;
    } else {
      qb = qb.orderBy('seq', desc ? 'desc' : 'asc');
    }
    let rows = await qb.limit(q.limit + 1).execute();
    const more = rows.length > q.limit;
    rows = rows.slice(0, q.limit);
    if (reverse) rows.reverse();
    const after = reverse
      ? (rows[rows.length - 1]?.id ?? null)
      : more
        ? (rows[rows.length - 1]?.id ?? null)
        : null;
    return { object: 'list' as const, data: rows.map(eventToWire), list_metadata: { after } };
  }

  /** Deletes events past retention whose deliveries are settled. */
  async sweep() {
    const cutoff = new Date(
      this.deps.clock.now().getTime() - this.deps.config.eventRetentionDays * 86_400_000,
    ).toISOString();
    await this.deps.db.deleteFrom('events').where('created_at', '<', cutoff).execute();
  }
}
