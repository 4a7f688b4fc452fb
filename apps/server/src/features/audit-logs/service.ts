/**
 * Audit Logs: events, action schemas, retention and verification (reference §5.5,
 * docs/audit-logs.md). Events are immutable once written: nothing here updates one, and the only
 * deletion is retention's, which removes a prefix of an organization's chain and records it there.
 */
import type { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, type FieldError, notFound, quote } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import {
  appendToChain,
  type ChainedEvent,
  chainedOrganizations,
  lockChainHead,
  verifyChain,
} from './chain.ts';
import {
  type AuditLogEventInput,
  type CreateAuditLogEventBody,
  type CreateAuditLogSchemaBody,
  type MetadataSchema,
  retentionPeriodDays,
  type StoredSchema,
  schemaToWire,
  type UpdateRetentionBody,
} from './wire.ts';

const NEGATIVE_CACHE_MS = 5_000;
/** Retention deletes at most this many events per transaction. */
const PRUNE_BATCH = 20_000;

export const RETENTION_ACTION = 'portico.audit_logs.retention_applied';
/** The most events one group commit appends. */
const GROUP_MAX = 500;

type Chainable = Omit<ChainedEvent, 'id' | 'seq' | 'organization_id' | 'received_at'>;
interface Pending {
  event: Chainable;
  /** Runs in the transaction that appends the event (the idempotent response's store). */
  onCommit?: (tx: Queryable) => Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}
interface AppendQueue {
  waiting: Pending[];
  running: boolean;
}

export class AuditLogService {
  /** Schema versions never change once created, so a found one is cached for good. */
  private schemas = new Map<string, StoredSchema>();
  private missing = new Map<string, number>();
  private queues = new Map<string, AppendQueue>();

  constructor(readonly deps: Deps) {}

  private async organization(q: Queryable, env: string, id: string) {
    const org = await q
      .selectFrom('organizations')
      .select('id')
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', id);
  }

  // ── events ────────────────────────────────────────────────────────────────

  async createEvent(
    env: string,
    body: z.output<typeof CreateAuditLogEventBody>,
    idempotency?: { storeIn(q: Queryable, response: unknown): Promise<void> },
  ) {
    const e = body.event;
    await this.checkAgainstSchema(env, e);
    // The organization is checked once per group commit, inside its transaction.
    const response = { success: true as const };
    await this.append(
      env,
      body.organization_id,
      toChained(e),
      idempotency && ((tx) => idempotency.storeIn(tx, response)),
    );
    return response;
  }

  /**
   * Group commit: events for one organization that arrive while its previous append is committing
   * wait and go into the chain together, in arrival order, in one transaction (at most
   * GROUP_MAX). Each request still answers only once its own event is committed. If a group's
   * transaction fails, its events are retried one by one, so one failure is one request's alone.
   */
  private append(
    env: string,
    org: string,
    event: Chainable,
    onCommit?: (tx: Queryable) => Promise<void>,
  ): Promise<void> {
    const key = `${env}\n${org}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { waiting: [], running: false };
      this.queues.set(key, q);
    }
    const done = new Promise<void>((resolve, reject) => q.waiting.push({ event, onCommit, resolve, reject }));
    if (!q.running) void this.drain(key, env, org, q);
    return done;
  }

  private async drain(key: string, env: string, org: string, q: AppendQueue) {
    q.running = true;
    try {
      while (q.waiting.length) {
        const group = q.waiting.splice(0, GROUP_MAX);
        const commit = (items: Pending[]) =>
          this.deps.db.transaction().execute(async (tx) => {
            await this.organization(tx, env, org);
            await appendToChain(
              tx,
              this.deps,
              env,
              org,
              items.map((i) => i.event),
            );
            for (const i of items) await i.onCommit?.(tx);
          });
        try {
          await commit(group);
          for (const i of group) i.resolve();
        } catch (err) {
          if (group.length === 1) group[0]!.reject(err);
          else
            for (const i of group) {
              try {
                await commit([i]);
                i.resolve();
              } catch (one) {
                i.reject(one);
              }
            }
        }
      }
    } finally {
      q.running = false;
      if (q.waiting.length) void this.drain(key, env, org, q);
      else this.queues.delete(key);
    }
  }

  private async schemaFor(env: string, action: string, version: number): Promise<StoredSchema | null> {
    const key = `${env}\n${action}\n${version}`;
    const hit = this.schemas.get(key);
    if (hit) return hit;
    const now = this.deps.clock.now().getTime();
    if ((this.missing.get(key) ?? 0) > now) return null;
    const row = await this.deps.db
      .selectFrom('audit_log_schemas')
      .select('body')
      .where('environment_id', '=', env)
      .where('action', '=', action)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) {
      if (this.missing.size > 10_000) this.missing.clear();
      this.missing.set(key, now + NEGATIVE_CACHE_MS);
      return null;
    }
    const schema = JSON.parse(row.body) as StoredSchema;
    this.schemas.set(key, schema);
    return schema;
  }

  /**
   * An action with schemas validates each event against the version it names (version 1 when it
   * names none). An action without any schema accepts any well-formed event.
   */
  private async checkAgainstSchema(env: string, e: AuditLogEventInput) {
    const version = e.version ?? 1;
    const schema = await this.schemaFor(env, e.action, version);
    if (!schema) {
      if (e.version === undefined) return;
      const latest = await this.latestVersion(env, e.action);
      if (latest === 0 && e.version === 1) return;
      throw new AppError('invalid_audit_log_event', {
        message:
          latest === 0
            ? `Action ${quote(e.action)} has no schema, so version ${e.version} does not exist. Omit version, or create the schema first (createSchema).`
            : `Action ${quote(e.action)} has no schema version ${e.version}; its versions are 1–${latest}. Send one of those.`,
        errors: [{ field: 'event.version', code: 'unknown_version', instancePath: '/version' }],
      });
    }
    const errors: FieldError[] = [];
    checkMetadata(errors, schema.actor.metadata, e.actor.metadata, '/actor/metadata');
    const targetTypes = new Map(schema.targets.map((t) => [t.type, t]));
    e.targets.forEach((t, i) => {
      const declared = targetTypes.get(t.type);
      if (!declared) {
        errors.push({
          field: `event.targets.${i}.type`,
          code: 'unknown_target_type',
          instancePath: `/targets/${i}/type`,
          message: `/targets/${i}/type: ${quote(t.type)} is not a target type of ${quote(e.action)} version ${version} (declared: ${[...targetTypes.keys()].map((k) => quote(k)).join(', ')}).`,
        });
        return;
      }
      checkMetadata(errors, declared.metadata, t.metadata, `/targets/${i}/metadata`);
    });
    checkMetadata(errors, schema.metadata, e.metadata, '/metadata');
    if (errors.length) {
      throw new AppError('invalid_audit_log_event', {
        message: `Invalid Audit Log event for ${quote(e.action)} version ${version}: ${errors.map((x) => x.message).join(' ')}`,
        errors,
        extra: {},
      });
    }
  }

  // ── schemas and actions ──────────────────────────────────────────────────

  private async latestVersion(env: string, action: string): Promise<number> {
    const row = await this.deps.db
      .selectFrom('audit_log_schemas')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('environment_id', '=', env)
      .where('action', '=', action)
      .executeTakeFirst();
    return Number(row?.v ?? 0);
  }

  async createSchema(env: string, action: string, body: CreateAuditLogSchemaBody) {
    const types = body.targets.map((t) => t.type);
    const dup = types.find((t, i) => types.indexOf(t) !== i);
    if (dup) {
      throw new AppError('invalid_audit_log_schema', {
        message: `Target type ${quote(dup)} is listed twice. List each target type once.`,
        errors: [{ field: 'targets', code: 'duplicate_target_type' }],
      });
    }
    const stored: StoredSchema = {
      actor: { metadata: body.actor?.metadata ?? { type: 'object', properties: {} } },
      targets: body.targets.map((t) =>
        t.metadata ? { type: t.type, metadata: t.metadata } : { type: t.type },
      ),
      ...(body.metadata ? { metadata: body.metadata } : {}),
    };
    const now = this.deps.clock.now().toISOString();
    const { deps } = this;
    for (let attempt = 0; ; attempt++) {
      try {
        return await deps.db.transaction().execute(async (tx) => {
          const action_ = await tx
            .selectFrom('audit_log_actions')
            .select('id')
            .where('environment_id', '=', env)
            .where('name', '=', action)
            .executeTakeFirst();
          if (action_) {
            await tx
              .updateTable('audit_log_actions')
              .set({ updated_at: now })
              .where('id', '=', action_.id)
              .execute();
          } else {
            await tx
              .insertInto('audit_log_actions')
              .values({
                id: deps.ids.next('audit_log_action'),
                environment_id: env,
                name: action,
                created_at: now,
                updated_at: now,
              })
              .execute();
          }
          const latest = await tx
            .selectFrom('audit_log_schemas')
            .select((eb) => eb.fn.max('version').as('v'))
            .where('environment_id', '=', env)
            .where('action', '=', action)
            .executeTakeFirst();
          const version = Number(latest?.v ?? 0) + 1;
          await tx
            .insertInto('audit_log_schemas')
            .values({
              id: deps.ids.next('audit_log_schema'),
              environment_id: env,
              action,
              version,
              body: JSON.stringify(stored),
              created_at: now,
            })
            .execute();
          this.missing.clear();
          return schemaToWire(version, stored, now);
        });
      } catch (err) {
        // Two schemas created at once for one action: the unique version lets one win; retry the other.
        if (attempt < 3 && /unique|duplicate/i.test(String((err as Error).message))) continue;
        throw err;
      }
    }
  }

  async listSchemas(env: string, action: string, p: Pagination) {
    const qb = this.deps.db
      .selectFrom('audit_log_schemas')
      .selectAll()
      .where('environment_id', '=', env)
      .where('action', '=', action);
    const page = await paginate(qb, 'id', p);
    if (page.rows.length === 0 && !p.after && !p.before) {
      const known = await this.deps.db
        .selectFrom('audit_log_actions')
        .select('id')
        .where('environment_id', '=', env)
        .where('name', '=', action)
        .executeTakeFirst();
      if (!known) throw notFound('Audit log action', action);
    }
    return {
      data: page.rows.map((r) => schemaToWire(r.version, JSON.parse(r.body) as StoredSchema, r.created_at)),
      list_metadata: page.list_metadata,
    };
  }

  async listActions(env: string, p: Pagination) {
    const qb = this.deps.db.selectFrom('audit_log_actions').selectAll().where('environment_id', '=', env);
    const page = await paginate(qb, 'id', p);
    const data = [];
    for (const a of page.rows) {
      const s = await this.deps.db
        .selectFrom('audit_log_schemas')
        .selectAll()
        .where('environment_id', '=', env)
        .where('action', '=', a.name)
        .orderBy('version', 'desc')
        .executeTakeFirstOrThrow();
      data.push({
        object: 'audit_log_action' as const,
        name: a.name,
        schema: schemaToWire(s.version, JSON.parse(s.body) as StoredSchema, s.created_at),
        created_at: a.created_at,
        updated_at: a.updated_at,
      });
    }
    return { data, list_metadata: page.list_metadata };
  }

  // ── retention ─────────────────────────────────────────────────────────────

  async getRetention(env: string, organizationId: string) {
    await this.organization(this.deps.db, env, organizationId);
    const row = await this.deps.db
      .selectFrom('audit_log_organizations')
      .select('retention_days')
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return { retention_period_in_days: row?.retention_days ?? null };
  }

  async setRetention(env: string, organizationId: string, body: z.output<typeof UpdateRetentionBody>) {
    let days = body.retention_period_in_days ?? null;
    if (body.retention_period !== undefined) {
      days = retentionPeriodDays(body.retention_period);
      if (days === null) {
        throw new AppError('invalid_request_parameters', {
          message: `retention_period ${quote(body.retention_period)} is not a period Portico knows. Use "1_MONTH", "2_MONTHS" … "11_MONTHS", "1_YEAR", "2_YEARS" … "10_YEARS".`,
          errors: [{ field: 'retention_period', code: 'invalid_enum_value' }],
        });
      }
    }
    await this.organization(this.deps.db, env, organizationId);
    await this.deps.db.transaction().execute(async (tx) => {
      await lockChainHead(tx, this.deps, env, organizationId);
      await tx
        .updateTable('audit_log_organizations')
        .set({ retention_days: days, updated_at: this.deps.clock.now().toISOString() })
        .where('organization_id', '=', organizationId)
        .execute();
    });
    return { retention_period_in_days: days };
  }

  /**
   * Deletes what retention no longer keeps, for every organization with a retention period: the
   * oldest prefix of its chain whose events all occurred before the cut-off (an event sent with an
   * old `occurred_at` after newer ones goes once everything before it in the chain has gone). Each
   * batch moves the chain's start and appends a `portico.audit_logs.retention_applied` event that
   * says what was deleted, in one transaction. Events a log stream has not delivered yet are kept
   * until it has (streams/service.ts). Returns the events deleted.
   */
  async applyRetention(): Promise<number> {
    const { deps } = this;
    const orgs = await deps.db
      .selectFrom('audit_log_organizations')
      .select(['organization_id', 'environment_id', 'retention_days'])
      .where('retention_days', 'is not', null)
      .execute();
    let deleted = 0;
    for (const org of orgs) {
      const cutoff = new Date(deps.clock.now().getTime() - org.retention_days! * 86_400_000).toISOString();
      for (;;) {
        const n = await deps.db.transaction().execute(async (tx) => {
          const head = await lockChainHead(tx, deps, org.environment_id, org.organization_id);
          const keep = await tx
            .selectFrom('audit_log_events')
            .select((eb) => eb.fn.min('seq').as('seq'))
            .where('organization_id', '=', org.organization_id)
            .where('occurred_at', '>=', cutoff)
            .executeTakeFirst();
          // A log stream's undelivered events are kept until it delivers them (or is deleted).
          const held = await tx
            .selectFrom('audit_log_streams')
            .select((eb) => eb.fn.min('dispatched_seq').as('seq'))
            .where('organization_id', '=', org.organization_id)
            .executeTakeFirst();
          const through = Math.min(
            keep?.seq != null ? Number(keep.seq) - 1 : head.head_seq,
            head.pruned_through_seq + PRUNE_BATCH,
            held?.seq != null ? Number(held.seq) : Number.POSITIVE_INFINITY,
          );
          if (through <= head.pruned_through_seq) return 0;
          const lastGone = await tx
            .selectFrom('audit_log_events')
            .select('hash')
            .where('organization_id', '=', org.organization_id)
            .where('seq', '=', through)
            .executeTakeFirst();
          if (!lastGone) return 0;
          const res = await tx
            .deleteFrom('audit_log_events')
            .where('organization_id', '=', org.organization_id)
            .where('seq', '<=', through)
            .where('seq', '>', head.pruned_through_seq)
            .executeTakeFirst();
          const count = Number(res.numDeletedRows);
          await tx
            .updateTable('audit_log_organizations')
            .set({ pruned_through_seq: through, pruned_hash: lastGone.hash })
            .where('organization_id', '=', org.organization_id)
            .execute();
          await appendToChain(tx, deps, org.environment_id, org.organization_id, [
            {
              action: RETENTION_ACTION,
              version: null,
              occurred_at: deps.clock.now().toISOString(),
              actor: { id: 'portico', type: 'system', name: 'Portico retention' },
              targets: [{ id: org.organization_id, type: 'organization' }],
              context: { location: 'portico' },
              metadata: {
                deleted_events: count,
                deleted_from_seq: head.pruned_through_seq + 1,
                deleted_through_seq: through,
                deleted_through_hash: lastGone.hash,
                retention_period_in_days: org.retention_days!,
                occurred_before: cutoff,
              },
            },
          ]);
          return count;
        });
        deleted += n;
        if (n < PRUNE_BATCH) break;
      }
    }
    return deleted;
  }

  // ── verification ──────────────────────────────────────────────────────────

  async verify(env: string, organizationId: string) {
    await this.organization(this.deps.db, env, organizationId);
    return verifyChain(this.deps, organizationId);
  }

  async verifyAll(environmentId?: string) {
    const out = [];
    for (const org of await chainedOrganizations(this.deps, environmentId))
      out.push(await verifyChain(this.deps, org));
    return out;
  }
}

/** The API's event as the chain stores it: `occurred_at` normalized to UTC milliseconds. */
export function toChained(
  e: AuditLogEventInput,
): Omit<ChainedEvent, 'id' | 'seq' | 'organization_id' | 'received_at'> {
  return {
    action: e.action,
    version: e.version ?? null,
    occurred_at: new Date(e.occurred_at).toISOString(),
    actor: e.actor,
    targets: e.targets,
    context: e.context,
    ...(e.metadata ? { metadata: e.metadata } : {}),
  };
}

function checkMetadata(
  errors: FieldError[],
  schema: MetadataSchema | undefined,
  value: Record<string, unknown> | undefined,
  path: string,
) {
  if (!schema || !value) return;
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (!(key in value)) continue;
    const v = value[key];
    if (typeof v !== prop.type) {
      const at = `${path}/${key}`;
      errors.push({
        field: `event${at.replaceAll('/', '.')}`,
        code: 'invalid_type',
        instancePath: at,
        message: `${at}: must be a ${prop.type}, got ${typeof v === 'string' ? 'a string' : `a ${typeof v}`}.`,
      });
    }
  }
}
