/**
 * Organization memberships (reference §4.4). Creating a membership that matches an inactive one
 * reactivates it; a pending membership can be neither deactivated nor reactivated.
 */
import type { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import type { OrganizationMembershipTable, UserTable } from '../../platform/schema.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import type { RoleService } from '../roles/service.ts';
import {
  type CreateMembershipBody,
  membershipEventData,
  membershipToWire,
  type UpdateMembershipBody,
} from './wire.ts';

type Tx = Deps['db'];

export class MembershipService {
  constructor(
    private deps: Deps,
    private roles: RoleService,
  ) {}

  private async row(q: Tx, env: string, id: string) {
    const m = await q
      .selectFrom('organization_memberships')
      .innerJoin('organizations', 'organizations.id', 'organization_memberships.organization_id')
      .selectAll('organization_memberships')
      .select('organizations.name as organization_name')
      .where('organization_memberships.environment_id', '=', env)
      .where('organization_memberships.id', '=', id)
      .executeTakeFirst();
    if (!m) throw notFound('Organization membership', id);
    return m;
  }

  private async usersById(q: Tx, env: string, ids: string[]) {
    if (ids.length === 0) return new Map<string, UserTable>();
    const rows = await q
      .selectFrom('users')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', 'in', ids)
      .execute();
    return new Map(rows.map((u) => [u.id, u]));
  }

  private async userOf(q: Tx, env: string, id: string) {
    return q
      .selectFrom('users')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  private async orgOf(q: Tx, env: string, id: string) {
    const org = await q
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', id);
    return org;
  }

  private existing(q: Tx, env: string, organizationId: string, userId: string) {
    return q
      .selectFrom('organization_memberships')
      .selectAll()
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async get(env: string, id: string) {
    const m = await this.row(this.deps.db, env, id);
    return membershipToWire(m, m.organization_name, await this.userOf(this.deps.db, env, m.user_id));
  }

  async list(
    env: string,
    p: Pagination,
    f: { userId?: string; organizationId?: string; statuses?: string[] },
  ) {
    if (!f.userId && !f.organizationId) {
      throw new AppError('invalid_request_parameters', {
        message: 'Pass user_id or organization_id (or both) to list organization memberships.',
        errors: [{ field: 'user_id', code: 'required', message: 'user_id or organization_id is required' }],
      });
    }
    let qb = this.deps.db
      .selectFrom('organization_memberships')
      .innerJoin('organizations', 'organizations.id', 'organization_memberships.organization_id')
      .selectAll('organization_memberships')
      .select('organizations.name as organization_name')
      .where('organization_memberships.environment_id', '=', env)
      .where('organization_memberships.status', 'in', f.statuses?.length ? f.statuses : ['active']);
    if (f.userId) qb = qb.where('organization_memberships.user_id', '=', f.userId);
    if (f.organizationId) qb = qb.where('organization_memberships.organization_id', '=', f.organizationId);
    const page = await paginate(qb, 'organization_memberships.id', p);
    const users = await this.usersById(this.deps.db, env, [...new Set(page.rows.map((m) => m.user_id))]);
    return {
      data: page.rows.map((m) => membershipToWire(m, m.organization_name, users.get(m.user_id)!)),
      list_metadata: page.list_metadata,
    };
  }

  async create(env: string, body: z.output<typeof CreateMembershipBody>, ctx: EventContext) {
    return this.deps.db.transaction().execute(async (tx) => {
      const org = await this.orgOf(tx, env, body.organization_id);
      const user = await tx
        .selectFrom('users')
        .selectAll()
        .where('environment_id', '=', env)
        .where('id', '=', body.user_id)
        .executeTakeFirst();
      if (!user) throw notFound('User', body.user_id);
      const slugs = await this.roles.resolveSlugs(
        tx,
        env,
        body.role_slugs ?? (body.role_slug ? [body.role_slug] : undefined),
        org.id,
      );
      const existing = await this.existing(tx, env, org.id, user.id);
      if (existing && existing.status !== 'inactive') {
        throw new AppError('organization_membership_already_exists', {
          message: `User ${user.id} is already a member of organization ${org.id} (membership ${existing.id}). Update that membership instead.`,
        });
      }
      return this.activate(tx, env, org, user, existing, slugs, ctx);
    });
  }

  /**
   * Makes `user` an active member of `org` with `slugs` on the caller's transaction: reactivates
   * `existing` (`organization_membership.updated`, with the previous status) or inserts one
   * (`organization_membership.created`). The one place a membership becomes active.
   */
  private async activate(
    tx: Tx,
    env: string,
    org: { id: string; name: string },
    user: Parameters<typeof membershipToWire>[2],
    existing: OrganizationMembershipTable | undefined,
    slugs: string[],
    ctx: EventContext,
  ) {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    let row: OrganizationMembershipTable;
    if (existing) {
      row = { ...existing, status: 'active', role_slugs: JSON.stringify(slugs), updated_at: now };
      await tx.updateTable('organization_memberships').set(row).where('id', '=', existing.id).execute();
    } else {
      row = {
        id: deps.ids.next('om'),
        environment_id: env,
        organization_id: org.id,
        user_id: user.id,
        status: 'active',
        role_slugs: JSON.stringify(slugs),
        directory_managed: 0,
        custom_attributes: '{}',
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto('organization_memberships').values(row).execute();
    }
    const wire = membershipToWire(row, org.name, user);
    await appendEvent(tx, deps, {
      environmentId: env,
      event: existing ? 'organization_membership.updated' : 'organization_membership.created',
      data: membershipEventData(wire),
      organizationId: org.id,
      context: existing ? { ...ctx, previous_attributes: { status: existing.status } } : ctx,
    });
    return wire;
  }

  /**
   * On the caller's transaction (accepting an invitation): makes `userId` an active member of
   * `organizationId` with `roleSlug` (or the default role). An active membership is left as it
   * is; an inactive or pending one becomes active with that role (`organization_membership.updated`);
   * otherwise one is created (`organization_membership.created`).
   */
  async ensureActive(
    tx: Tx,
    env: string,
    m: { organizationId: string; userId: string; roleSlug: string | null },
    ctx: EventContext,
  ) {
    const org = await this.orgOf(tx, env, m.organizationId);
    const user = await this.userOf(tx, env, m.userId);
    const existing = await this.existing(tx, env, org.id, user.id);
    if (existing?.status === 'active') return membershipToWire(existing, org.name, user);
    const slugs = await this.roles.resolveSlugs(tx, env, m.roleSlug ? [m.roleSlug] : undefined, org.id);
    return this.activate(tx, env, org, user, existing, slugs, ctx);
  }

  /**
   * Just-in-time membership inside a sign-in's transaction (an SSO connection's organization): an
   * active membership with the default role when the user has none there; an existing one, active
   * or not, is left as it is (a deactivated member stays deactivated).
   *
   * `groupRoles` (an SSO connection with a group → role map): the role slugs the IdP's groups map
   * to. The membership gets those of them that exist, highest priority first, or the default role
   * when none do — on creation and, for an active membership, at every sign-in
   * (`organization_membership.updated` when that changes its roles). A membership a directory
   * manages keeps the directory's roles: SCIM is the source of truth where both are set up.
   */
  async ensureForSignIn(
    q: Tx,
    env: string,
    organizationId: string,
    userId: string,
    ctx: EventContext,
    groupRoles?: string[],
  ) {
    const existing = await this.existing(q, env, organizationId, userId);
    if (existing && (groupRoles === undefined || existing.status !== 'active' || existing.directory_managed))
      return;
    const org = await q
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('environment_id', '=', env)
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!org) return; // deleted since the connection was resolved: sign in without a membership
    const slugs = groupRoles
      ? await this.roles.mappedSlugs(q, env, groupRoles, org.id)
      : await this.roles.resolveSlugs(q, env, undefined, org.id);
    const user = await this.userOf(q, env, userId);
    if (!existing) {
      await this.activate(q, env, org, user, undefined, slugs, ctx);
      return;
    }
    if (existing.role_slugs === JSON.stringify(slugs)) return;
    const next = {
      ...existing,
      role_slugs: JSON.stringify(slugs),
      updated_at: this.deps.clock.now().toISOString(),
    };
    await q.updateTable('organization_memberships').set(next).where('id', '=', existing.id).execute();
    await this.updatedEvent(q, env, existing, next, org.name, user, ctx);
  }

  /** The organizations the user is an active member of (id and name), oldest membership first. */
  async activeOrganizations(q: Tx, env: string, userId: string): Promise<{ id: string; name: string }[]> {
    return q
      .selectFrom('organization_memberships')
      .innerJoin('organizations', 'organizations.id', 'organization_memberships.organization_id')
      .select(['organizations.id as id', 'organizations.name as name'])
      .where('organization_memberships.environment_id', '=', env)
      .where('organization_memberships.user_id', '=', userId)
      .where('organization_memberships.status', '=', 'active')
      .orderBy('organization_memberships.created_at')
      .orderBy('organization_memberships.id')
      .execute();
  }

  /** `organization_membership.updated` for `before` → `after`, naming what changed. */
  private async updatedEvent(
    tx: Tx,
    env: string,
    before: OrganizationMembershipTable,
    after: OrganizationMembershipTable,
    organizationName: string,
    user: Parameters<typeof membershipToWire>[2],
    ctx: EventContext,
  ) {
    const was = membershipToWire(before, organizationName, user);
    const wire = membershipToWire(after, organizationName, user);
    const previous: Record<string, unknown> = {};
    if (was.status !== wire.status) previous.status = was.status;
    if (JSON.stringify(was.roles) !== JSON.stringify(wire.roles)) {
      previous.role = was.role;
      previous.roles = was.roles;
    }
    await appendEvent(tx, this.deps, {
      environmentId: env,
      event: 'organization_membership.updated',
      data: membershipEventData(wire),
      organizationId: after.organization_id,
      context: { ...ctx, previous_attributes: previous },
    });
    return wire;
  }

  private async change(
    env: string,
    id: string,
    ctx: EventContext,
    mutate: (m: OrganizationMembershipTable, tx: Tx) => Promise<Partial<OrganizationMembershipTable>>,
  ) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const current = await this.row(tx, env, id);
      const { organization_name, ...m } = current;
      const patch = await mutate(m, tx);
      const next = { ...m, ...patch, updated_at: deps.clock.now().toISOString() };
      await tx
        .updateTable('organization_memberships')
        .set(next)
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .execute();
      const user = await this.userOf(tx, env, m.user_id);
      const wire = await this.updatedEvent(tx, env, m, next, organization_name, user, ctx);
      return wire;
    });
  }

  update(env: string, id: string, body: z.output<typeof UpdateMembershipBody>, ctx: EventContext) {
    return this.change(env, id, ctx, async (m, tx) => {
      const wanted = body.role_slugs ?? (body.role_slug ? [body.role_slug] : undefined);
      if (!wanted) return {};
      return {
        role_slugs: JSON.stringify(await this.roles.resolveSlugs(tx, env, wanted, m.organization_id)),
      };
    });
  }

  deactivate(env: string, id: string, ctx: EventContext) {
    return this.change(env, id, ctx, async (m) => {
      if (m.status === 'pending') throw new AppError('cannot_deactivate_pending_organization_membership');
      return { status: 'inactive' };
    });
  }

  reactivate(env: string, id: string, ctx: EventContext) {
    return this.change(env, id, ctx, async (m) => {
      if (m.status === 'pending') throw new AppError('cannot_reactivate_pending_organization_membership');
      return { status: 'active' };
    });
  }

  async delete(env: string, id: string, ctx: EventContext) {
    const { deps } = this;
    await deps.db.transaction().execute(async (tx) => {
      const current = await this.row(tx, env, id);
      const { organization_name, ...m } = current;
      await tx
        .deleteFrom('organization_memberships')
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .execute();
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'organization_membership.deleted',
        data: membershipEventData(
          membershipToWire(m, organization_name, await this.userOf(tx, env, m.user_id)),
        ),
        organizationId: m.organization_id,
        context: ctx,
      });
    });
  }
}
