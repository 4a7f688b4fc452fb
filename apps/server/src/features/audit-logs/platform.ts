/**
 * Platform audit events (docs/audit-logs.md#platform-events): when an environment opts in, Portico
 * writes audit log events of its own into each organization's chain — sessions, memberships, SSO
 * connections, directories, domains, roles, sign-ins, impersonation, and whatever the dashboard or
 * the Admin Portal changed — with the actor that did it.
 *
 * They are projected from the transactional outbox (the `events` table), not written beside each
 * change: every change already commits together with its outbox event and that event's context
 * names the actor (API key, dashboard admin, Admin Portal session, Portico itself). The projector
 * reads an environment's outbox after its cursor in seq order (events become visible in that order,
 * see events/outbox.ts), appends the mapped events to the chains and moves the cursor in the same
 * transaction, so each outbox event is recorded once, in order, even across crashes and processes
 * (PostgreSQL: the cursor row is taken FOR UPDATE SKIP LOCKED, so two workers never project the
 * same environment at once).
 */
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import type { EventContext } from '../events/outbox.ts';
import { appendToChain, type ChainedEvent } from './chain.ts';

type Chainable = Omit<ChainedEvent, 'id' | 'seq' | 'organization_id' | 'received_at'>;
type Target = ChainedEvent['targets'][number];

/** Every platform action is `portico.<outbox event>`, so it cannot collide with an app's own. */
export const PLATFORM_PREFIX = 'portico.';
/** Outbox events recorded whoever caused them (the app, the user, an IdP or Portico). */
const RECORDED = [
  /^session\./,
  /^organization_membership\./,
  /^connection\./,
  /^dsync\.(activated|deactivated|deleted)$/,
  /^organization_domain\./,
  /^organization\.(updated|deleted)$/,
  /^organization_role\./,
  /^authentication\./,
  /^invitation\./,
];
/** How many outbox events one projector transaction reads. */
const BATCH = 500;

export interface PlatformSettings {
  object: 'audit_log_platform_events';
  enabled: boolean;
  enabled_at: string | null;
  recorded_events: string[];
}

interface OutboxRow {
  seq: number;
  id: string;
  event: string;
  organization_id: string | null;
  data: string;
  context: string;
  created_at: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Who did it, from the outbox event's context (or, for a user's own session or sign-in, the user). */
function actorOf(event: string, data: Record<string, unknown>, ctx: EventContext): Chainable['actor'] {
  const a = ctx.actor;
  if (a?.source === 'api') return { type: 'api_key', id: a.id ?? 'api_key', name: 'API key' };
  if (a?.source === 'dashboard')
    return {
      type: 'dashboard_admin',
      id: a.id ?? a.name ?? 'dashboard',
      ...(a.name ? { name: a.name } : {}),
    };
  if (a?.source === 'admin_portal')
    return { type: 'admin_portal_session', id: a.id ?? 'admin_portal', name: 'Admin Portal' };
  const user = str(data.user_id);
  if (!a && user && (event.startsWith('session.') || event.startsWith('authentication.')))
    return { type: 'user', id: user, ...(str(data.email) ? { name: str(data.email) } : {}) };
  return { type: 'portico', id: 'portico', name: a?.name ?? 'Portico' };
}

/** What it was done to: the outbox event's object, and the user it concerns. */
function targetsOf(orgId: string, data: Record<string, unknown>): Target[] {
  const targets: Target[] = [];
  const id = str(data.id);
  const object = str(data.object);
  const name = str(data.name) ?? str(data.domain) ?? str(data.slug) ?? str(data.email);
  if (id && object) targets.push({ type: object, id, ...(name ? { name } : {}) });
  const user = str(data.user_id);
  if (user && object !== 'user')
    targets.push({ type: 'user', id: user, ...(str(data.email) ? { name: str(data.email) } : {}) });
  if (targets.length === 0) targets.push({ type: 'organization', id: orgId });
  return targets;
}

/** The audit event an outbox event becomes, or null when it is not one the platform records. */
export function platformEvent(row: OutboxRow): { organizationId: string; event: Chainable } | null {
  const orgId = row.organization_id;
  if (!orgId) return null;
  const ctx = JSON.parse(row.context) as EventContext;
  const source = ctx.actor?.source;
  if (!RECORDED.some((r) => r.test(row.event)) && source !== 'dashboard' && source !== 'admin_portal')
    return null;
  const data = JSON.parse(row.data) as Record<string, unknown>;
  const impersonator = data.impersonator as { email?: string; reason?: string } | undefined;
  const ip = str(data.ip_address) ?? str(ctx.ip_address);
  const ua = str(data.user_agent) ?? str(ctx.user_agent);
  const metadata: Record<string, unknown> = { event_id: row.id, event: row.event };
  if (ctx.client_id) metadata.client_id = ctx.client_id;
  let action = `${PLATFORM_PREFIX}${row.event}`;
  let actor = actorOf(row.event, data, ctx);
  if (row.event === 'session.created' && impersonator?.email) {
    action = `${PLATFORM_PREFIX}impersonation.started`;
    actor = { type: 'dashboard_admin', id: impersonator.email, name: impersonator.email };
    metadata.reason = impersonator.reason ?? null;
  }
  return {
    organizationId: orgId,
    event: {
      action,
      version: null,
      occurred_at: row.created_at,
      actor,
      targets: targetsOf(orgId, data),
      // The IP when the outbox event knows it; "internal" for what Portico or an API call did.
      context: { location: ip ?? 'internal', ...(ua ? { user_agent: ua } : {}) },
      metadata,
    },
  };
}

export class PlatformAuditService {
  constructor(private deps: Deps) {}

  private async row(q: Queryable, env: string) {
    return q
      .selectFrom('audit_log_platform')
      .selectAll()
      .where('environment_id', '=', env)
      .executeTakeFirst();
  }

  private wire(row: { enabled: number; enabled_at: string | null } | undefined): PlatformSettings {
    return {
      object: 'audit_log_platform_events',
      enabled: row?.enabled === 1,
      enabled_at: row?.enabled === 1 ? row.enabled_at : null,
      recorded_events: [
        ...RECORDED.map((r) => r.source),
        'any event the dashboard or the Admin Portal caused',
      ],
    };
  }

  async get(env: string): Promise<PlatformSettings> {
    return this.wire(await this.row(this.deps.db, env));
  }

  /** Opting in starts at the outbox's head: only what happens from now on is recorded. */
  async set(env: string, enabled: boolean): Promise<PlatformSettings> {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now().toISOString();
      const existing = await this.row(tx, env);
      if (existing && (existing.enabled === 1) === enabled) return this.wire(existing);
      const head = enabled
        ? Number(
            (
              await tx
                .selectFrom('events')
                .select((eb) => eb.fn.max('seq').as('seq'))
                .where('environment_id', '=', env)
                .executeTakeFirst()
            )?.seq ?? 0,
          )
        : (existing?.projected_seq ?? 0);
      const values = {
        enabled: enabled ? 1 : 0,
        projected_seq: head,
        enabled_at: enabled ? now : (existing?.enabled_at ?? null),
        updated_at: now,
      };
      if (existing)
        await tx.updateTable('audit_log_platform').set(values).where('environment_id', '=', env).execute();
      else
        await tx
          .insertInto('audit_log_platform')
          .values({ environment_id: env, created_at: now, ...values })
          .execute();
      return this.wire({ enabled: values.enabled, enabled_at: values.enabled_at });
    });
  }

  /** One projector pass over every opted-in environment; returns the outbox events read. */
  async project(stopping: () => boolean = () => false): Promise<number> {
    const envs = await this.deps.db
      .selectFrom('audit_log_platform')
      .select('environment_id')
      .where('enabled', '=', 1)
      .execute();
    let read = 0;
    for (const { environment_id } of envs) {
      for (;;) {
        const n = await this.projectBatch(environment_id);
        read += n;
        if (n < BATCH || stopping()) break;
      }
      if (stopping()) break;
    }
    return read;
  }

  /** Projects up to BATCH outbox events of one environment in one transaction. */
  async projectBatch(env: string): Promise<number> {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      let cursorQuery = tx
        .selectFrom('audit_log_platform')
        .select(['projected_seq'])
        .where('environment_id', '=', env)
        .where('enabled', '=', 1);
      if (deps.dialect === 'postgres') cursorQuery = cursorQuery.forUpdate().skipLocked();
      const cursor = await cursorQuery.executeTakeFirst();
      if (!cursor) return 0;
      const rows = await tx
        .selectFrom('events')
        .select(['seq', 'id', 'event', 'organization_id', 'data', 'context', 'created_at'])
        .where('environment_id', '=', env)
        .where('seq', '>', cursor.projected_seq)
        .orderBy('seq')
        .limit(BATCH)
        .execute();
      if (rows.length === 0) return 0;
      const byOrg = new Map<string, Chainable[]>();
      for (const row of rows) {
        const mapped = platformEvent({ ...row, seq: Number(row.seq) });
        if (!mapped) continue;
        const list = byOrg.get(mapped.organizationId) ?? [];
        list.push(mapped.event);
        byOrg.set(mapped.organizationId, list);
      }
      // Chains are locked in a fixed order, so two projectors could never wait on each other.
      for (const org of [...byOrg.keys()].sort()) await appendToChain(tx, deps, env, org, byOrg.get(org)!);
      await tx
        .updateTable('audit_log_platform')
        .set({ projected_seq: Number(rows.at(-1)!.seq), updated_at: deps.clock.now().toISOString() })
        .where('environment_id', '=', env)
        .execute();
      return rows.length;
    });
  }
}
