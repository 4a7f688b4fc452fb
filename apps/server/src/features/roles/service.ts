/**
 * Roles and permissions (the WorkOS authorization API, reference §5.8). Every environment starts
 * with `admin` (priority 1) and `member` (the default, priority 2) and their permissions.
 * Environment roles (`roles`), organization roles (`organization_roles`, slugs `org-…`) and
 * `permissions` are written only here, each change with its event in the same transaction.
 *
 * Nothing is cached: the access token's `role`, `roles` and `permissions` are read from the
 * database on every issue and refresh, so a change made through any process shows at the next
 * refresh (bench/rbac-refresh.mjs measures the cost: one indexed query per refresh).
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Queryable, Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound, quote } from '../../platform/errors.ts';
import { type Pagination, paginate, parseJson } from '../../platform/http.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import {
  type CreateOrganizationRoleBody,
  type CreatePermissionBody,
  type CreateRoleBody,
  ORG_ROLE_SLUG,
  type OrganizationRoleRow,
  organizationRoleEventData,
  PERMISSION_SLUG,
  type PermissionRow,
  permissionToWire,
  ROLE_SLUG,
  type RoleRow,
  type RoleWire,
  roleEventData,
  roleToWire,
  type UpdatePermissionBody,
  type UpdateRoleBody,
} from './wire.ts';

export const DEFAULT_ROLES = [
  {
    slug: 'admin',
    name: 'Admin',
    description: 'Manages the organization: members, SSO and directory settings.',
    permissions: ['organization:manage', 'members:manage', 'sso:manage', 'directory:manage'],
    is_default: 0,
    priority: 1,
  },
  {
    slug: 'member',
    name: 'Member',
    description: 'Default role for organization members.',
    permissions: [] as string[],
    is_default: 1,
    priority: 2,
  },
];

export async function seedRoles(q: Queryable, deps: Pick<Deps, 'ids' | 'clock'>, env: string) {
  const now = deps.clock.now().toISOString();
  await q
    .insertInto('roles')
    .values(
      DEFAULT_ROLES.map((r) => ({
        id: deps.ids.next('role'),
        environment_id: env,
        slug: r.slug,
        name: r.name,
        description: r.description,
        permissions: JSON.stringify(r.permissions),
        is_default: r.is_default,
        priority: r.priority,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  await q
    .insertInto('permissions')
    .values(
      DEFAULT_ROLES.flatMap((r) => r.permissions).map((slug) => ({
        id: deps.ids.next('perm'),
        environment_id: env,
        slug,
        name: slug,
        description: null,
        system: 1,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}

/**
 * The slugs of the roles a member of `organizationId` may have (the environment's and the
 * organization's own), highest priority first, with the default flagged: directory group → role
 * mapping validates and orders against this.
 */
export async function applicableRoleSlugs(q: Queryable, env: string, organizationId: string) {
  const [envRoles, orgRoles] = await Promise.all([
    q
      .selectFrom('roles')
      .select(['slug', 'priority', 'is_default', 'id'])
      .where('environment_id', '=', env)
      .execute(),
    q
      .selectFrom('organization_roles')
      .select(['slug', 'priority', 'id'])
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .execute(),
  ]);
  return [...envRoles, ...orgRoles.map((r) => ({ ...r, is_default: 0 }))]
    .sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1))
    .map((r) => ({ slug: r.slug, is_default: r.is_default }));
}

/** Of `mapped`, the `known` slugs (priority order kept), or the default role when none is known. */
export function slugsFromMap(known: { slug: string; is_default: number }[], mapped: string[]) {
  const slugs = known.filter((k) => mapped.includes(k.slug)).map((k) => k.slug);
  return slugs.length ? slugs : [known.find((k) => k.is_default === 1)?.slug ?? 'member'];
}

export interface RoleClaims {
  role: string;
  roles: string[];
  permissions: string[];
}

type AnyRole = RoleRow | OrganizationRoleRow;

const byPriority = (a: AnyRole, b: AnyRole) => a.priority - b.priority || (a.id < b.id ? -1 : 1);

function slugError(field: string, slug: string, kind: 'permission' | 'role' | 'organization role') {
  const grammar =
    kind === 'permission'
      ? 'lowercase letters, digits and - _ : . *, starting with a letter or digit, at most 64 characters (for example posts:read)'
      : kind === 'role'
        ? 'lowercase letters, digits, - and _, starting with a letter or digit, at most 48 characters, and not starting with org- (for example billing-admin)'
        : 'org- followed by lowercase letters, digits, - and _, at most 48 characters in all (for example org-billing-admin)';
  return new AppError(kind === 'permission' ? 'invalid_permission_slug' : 'invalid_role_slug', {
    message: `${quote(slug)} is not a valid ${kind} slug: use ${grammar}.`,
    errors: [{ field, code: 'invalid', message: `must be ${grammar}` }],
  });
}

export class RoleService {
  constructor(private deps: Deps) {}

  // ── reads used by memberships, invitations, sessions and directories ─────────

  /** The roles a membership of `organizationId` may have: the environment's and the organization's. */
  private async applicable(q: Queryable, env: string, organizationId: string | null, slugs?: string[]) {
    let er = q.selectFrom('roles').selectAll().where('environment_id', '=', env);
    if (slugs) er = er.where('slug', 'in', slugs.length ? slugs : ['']);
    const envRoles = await er.execute();
    let orgRoles: OrganizationRoleRow[] = [];
    if (organizationId && (!slugs || slugs.some((s) => s.startsWith('org-')))) {
      let oq = q
        .selectFrom('organization_roles')
        .selectAll()
        .where('environment_id', '=', env)
        .where('organization_id', '=', organizationId);
      if (slugs) oq = oq.where('slug', 'in', slugs.length ? slugs : ['']);
      orgRoles = await oq.execute();
    }
    return [...envRoles, ...orgRoles].sort(byPriority);
  }

  /**
   * Group → role mapping (an SSO connection's or a directory's map): of `mapped`, the slugs that
   * exist for `organizationId`, highest priority first; the default role when none does.
   */
  async mappedSlugs(q: Queryable, env: string, mapped: string[], organizationId: string) {
    return slugsFromMap(await applicableRoleSlugs(q, env, organizationId), mapped);
  }

  /**
   * Validates slugs (422 invalid_role) against the environment's roles and, with an organization,
   * that organization's roles; returns them highest priority first, or the default role when none.
   */
  async resolveSlugs(
    q: Queryable,
    env: string,
    slugs: string[] | undefined,
    organizationId: string | null = null,
  ): Promise<string[]> {
    if (!slugs || slugs.length === 0) {
      const d = await q
        .selectFrom('roles')
        .select('slug')
        .where('environment_id', '=', env)
        .where('is_default', '=', 1)
        .executeTakeFirst();
      return [d?.slug ?? 'member'];
    }
    const wanted = [...new Set(slugs)];
    const found = await this.applicable(q, env, organizationId, wanted);
    const known = new Set(found.map((r) => r.slug));
    const unknown = wanted.filter((s) => !known.has(s));
    if (unknown.length) {
      const all = (await this.applicable(q, env, organizationId)).map((r) => r.slug);
      throw new AppError('invalid_role', {
        message: `Unknown role ${unknown.map((s) => quote(s)).join(', ')}. Roles ${organizationId ? 'in this organization' : 'in this environment'}: ${all.join(', ')}.`,
        errors: unknown.map((s) => ({
          field: 'role_slug',
          code: 'invalid_role',
          message: `Role ${quote(s)} does not exist.`,
        })),
      });
    }
    return found.map((r) => r.slug);
  }

  /** The access token's claims for a membership's role slugs, read fresh (no cache). */
  async claimsFor(
    q: Queryable,
    env: string,
    organizationId: string,
    slugs: string[],
  ): Promise<RoleClaims | null> {
    const found = await this.applicable(q, env, organizationId, slugs);
    // A slug whose role was deleted meanwhile is left out rather than granted.
    if (!found.length) return null;
    return {
      role: found[0]!.slug,
      roles: found.map((r) => r.slug),
      permissions: [...new Set(found.flatMap((r) => parseJson<string[]>(r.permissions, [])))],
    };
  }

  async permissionsFor(q: Queryable, env: string, slugs: string[], organizationId: string | null = null) {
    const found = await this.applicable(q, env, organizationId, slugs);
    return [...new Set(found.flatMap((r) => parseJson<string[]>(r.permissions, [])))];
  }

  // ── environment roles ──────────────────────────────────────────────────────

  async listEnvironmentRoles(env: string) {
    const rows = await this.deps.db
      .selectFrom('roles')
      .selectAll()
      .where('environment_id', '=', env)
      .execute();
    return { object: 'list' as const, data: rows.sort(byPriority).map(roleToWire) };
  }

  private async envRole(q: Queryable, env: string, slug: string) {
    const r = await q
      .selectFrom('roles')
      .selectAll()
      .where('environment_id', '=', env)
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!r) throw notFound('Role', slug, '');
    return r;
  }

  async getEnvironmentRole(env: string, slug: string) {
    return roleToWire(await this.envRole(this.deps.db, env, slug));
  }

  private async nextPriority(tx: Queryable, env: string) {
    const a = await tx
      .selectFrom('roles')
      .select((e) => e.fn.max('priority').as('p'))
      .where('environment_id', '=', env)
      .executeTakeFirst();
    const b = await tx
      .selectFrom('organization_roles')
      .select((e) => e.fn.max('priority').as('p'))
      .where('environment_id', '=', env)
      .executeTakeFirst();
    return Math.max(Number(a?.p ?? 0), Number(b?.p ?? 0)) + 1;
  }

  async createEnvironmentRole(env: string, body: z.output<typeof CreateRoleBody>, ctx: EventContext) {
    if (!ROLE_SLUG.test(body.slug) || body.slug.startsWith('org-'))
      throw slugError('slug', body.slug, 'role');
    return this.deps.db.transaction().execute(async (tx) => {
      const dup = await tx
        .selectFrom('roles')
        .select('id')
        .where('environment_id', '=', env)
        .where('slug', '=', body.slug)
        .executeTakeFirst();
      if (dup) throw this.duplicateRole(body.slug, false);
      const now = this.deps.clock.now().toISOString();
      const row: RoleRow = {
        id: this.deps.ids.next('role'),
        environment_id: env,
        slug: body.slug,
        name: body.name,
        description: body.description ?? null,
        permissions: '[]',
        is_default: 0,
        priority: await this.nextPriority(tx, env),
        resource_type_slug: 'organization',
        created_at: now,
        updated_at: now,
      } satisfies RoleRow;
      await tx.insertInto('roles').values(row).execute();
      const wire = roleToWire(row);
      await this.roleEvent(tx, env, null, 'created', wire, ctx);
      return wire;
    });
  }

  async updateEnvironmentRole(
    env: string,
    slug: string,
    body: z.output<typeof UpdateRoleBody>,
    ctx: EventContext,
  ) {
    return this.changeEnvRole(env, slug, ctx, () => ({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
    }));
  }

  async setEnvironmentRolePermissions(env: string, slug: string, permissions: string[], ctx: EventContext) {
    return this.changeEnvRole(env, slug, ctx, async (r, tx) => {
      const next = JSON.stringify(await this.checkPermissions(tx, env, permissions, 'permissions'));
      return next === r.permissions ? null : { permissions: next };
    });
  }

  async addEnvironmentRolePermission(env: string, slug: string, permission: string, ctx: EventContext) {
    return this.changeEnvRole(env, slug, ctx, async (r, tx) => {
      const [p] = await this.checkPermissions(tx, env, [permission], 'slug');
      const list = parseJson<string[]>(r.permissions, []);
      return list.includes(p!) ? null : { permissions: JSON.stringify([...list, p]) };
    });
  }

  async removeEnvironmentRolePermission(env: string, slug: string, permission: string, ctx: EventContext) {
    return this.changeEnvRole(env, slug, ctx, (r) => {
      const list = parseJson<string[]>(r.permissions, []);
      if (!list.includes(permission)) throw this.notOnRole(slug, permission);
      return { permissions: JSON.stringify(list.filter((s) => s !== permission)) };
    });
  }

  async deleteEnvironmentRole(env: string, slug: string, ctx: EventContext) {
    return this.deps.db.transaction().execute(async (tx) => {
      const r = await this.envRole(tx, env, slug);
      if (r.is_default === 1) {
        throw new AppError('default_role_cannot_be_deleted', {
          message: `${quote(slug)} is the default role, which new members get, so it cannot be deleted. Make another role the default in the dashboard (Roles) first.`,
        });
      }
      await this.refuseInUse(tx, env, null, slug);
      await tx.deleteFrom('roles').where('environment_id', '=', env).where('id', '=', r.id).execute();
      await this.roleEvent(tx, env, null, 'deleted', roleToWire(r), ctx);
    });
  }

  /** Makes `slug` the environment's default role (dashboard). */
  async setDefaultRole(env: string, slug: string, ctx: EventContext) {
    return this.deps.db.transaction().execute(async (tx) => {
      const r = await this.envRole(tx, env, slug);
      if (r.is_default === 1) return roleToWire(r);
      const now = this.deps.clock.now().toISOString();
      await tx.updateTable('roles').set({ is_default: 0 }).where('environment_id', '=', env).execute();
      await tx.updateTable('roles').set({ is_default: 1, updated_at: now }).where('id', '=', r.id).execute();
      const wire = roleToWire({ ...r, updated_at: now });
      await this.roleEvent(tx, env, null, 'updated', wire, ctx);
      return wire;
    });
  }

  private async changeEnvRole(
    env: string,
    slug: string,
    ctx: EventContext,
    mutate: (r: RoleRow, tx: Tx) => Partial<RoleRow> | null | Promise<Partial<RoleRow> | null>,
  ): Promise<RoleWire> {
    return this.deps.db.transaction().execute(async (tx) => {
      const r = await this.envRole(tx, env, slug);
      const patch = await mutate(r, tx);
      if (!patch || Object.keys(patch).length === 0) return roleToWire(r);
      const next = { ...r, ...patch, updated_at: this.deps.clock.now().toISOString() };
      await tx
        .updateTable('roles')
        .set({ ...patch, updated_at: next.updated_at })
        .where('id', '=', r.id)
        .execute();
      const wire = roleToWire(next);
      await this.roleEvent(tx, env, null, 'updated', wire, ctx);
      return wire;
    });
  }

  // ── organization roles ─────────────────────────────────────────────────────

  private async org(q: Queryable, env: string, organizationId: string) {
    const o = await q
      .selectFrom('organizations')
      .select(['id'])
      .where('environment_id', '=', env)
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!o) throw notFound('Organization', organizationId);
    return o;
  }

  async listOrganizationRoles(env: string, organizationId: string) {
    await this.org(this.deps.db, env, organizationId);
    const all = await this.applicable(this.deps.db, env, organizationId);
    return { object: 'list' as const, data: all.map(roleToWire) };
  }

  private async orgRole(q: Queryable, env: string, organizationId: string, slug: string) {
    const r = await q
      .selectFrom('organization_roles')
      .selectAll()
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!r) throw notFound('Organization role', slug, '');
    return r;
  }

  /** An organization's role or an environment role, as WorkOS's getOrganizationRole answers. */
  async getOrganizationRole(env: string, organizationId: string, slug: string) {
    await this.org(this.deps.db, env, organizationId);
    const [r] = await this.applicable(this.deps.db, env, organizationId, [slug]);
    if (!r) throw notFound('Role', slug, '');
    return roleToWire(r);
  }

  async createOrganizationRole(
    env: string,
    organizationId: string,
    body: z.output<typeof CreateOrganizationRoleBody>,
    ctx: EventContext,
  ) {
    let slug = body.slug;
    if (slug === undefined) {
      const base = body.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 30);
      slug = `org-${base ? `${base}-` : ''}${randomBytes(4).toString('hex')}`;
    }
    if (!ORG_ROLE_SLUG.test(slug)) throw slugError('slug', slug, 'organization role');
    const chosen = slug;
    return this.deps.db.transaction().execute(async (tx) => {
      await this.org(tx, env, organizationId);
      const dup = await tx
        .selectFrom('organization_roles')
        .select('id')
        .where('environment_id', '=', env)
        .where('organization_id', '=', organizationId)
        .where('slug', '=', chosen)
        .executeTakeFirst();
      if (dup) throw this.duplicateRole(chosen, true);
      const now = this.deps.clock.now().toISOString();
      const row = {
        id: this.deps.ids.next('role'),
        environment_id: env,
        organization_id: organizationId,
        slug: chosen,
        name: body.name,
        description: body.description ?? null,
        permissions: '[]',
        priority: await this.nextPriority(tx, env),
        resource_type_slug: 'organization',
        created_at: now,
        updated_at: now,
      } satisfies OrganizationRoleRow;
      await tx.insertInto('organization_roles').values(row).execute();
      const wire = roleToWire(row);
      await this.roleEvent(tx, env, organizationId, 'created', wire, ctx);
      return wire;
    });
  }

  updateOrganizationRole(
    env: string,
    organizationId: string,
    slug: string,
    body: z.output<typeof UpdateRoleBody>,
    ctx: EventContext,
  ) {
    return this.changeOrgRole(env, organizationId, slug, ctx, () => ({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
    }));
  }

  setOrganizationRolePermissions(
    env: string,
    organizationId: string,
    slug: string,
    permissions: string[],
    ctx: EventContext,
  ) {
    return this.changeOrgRole(env, organizationId, slug, ctx, async (r, tx) => {
      const next = JSON.stringify(await this.checkPermissions(tx, env, permissions, 'permissions'));
      return next === r.permissions ? null : { permissions: next };
    });
  }

  addOrganizationRolePermission(
    env: string,
    organizationId: string,
    slug: string,
    permission: string,
    ctx: EventContext,
  ) {
    return this.changeOrgRole(env, organizationId, slug, ctx, async (r, tx) => {
      const [p] = await this.checkPermissions(tx, env, [permission], 'slug');
      const list = parseJson<string[]>(r.permissions, []);
      return list.includes(p!) ? null : { permissions: JSON.stringify([...list, p]) };
    });
  }

  removeOrganizationRolePermission(
    env: string,
    organizationId: string,
    slug: string,
    permission: string,
    ctx: EventContext,
  ) {
    return this.changeOrgRole(env, organizationId, slug, ctx, (r) => {
      const list = parseJson<string[]>(r.permissions, []);
      if (!list.includes(permission)) throw this.notOnRole(slug, permission);
      return { permissions: JSON.stringify(list.filter((s) => s !== permission)) };
    });
  }

  async deleteOrganizationRole(env: string, organizationId: string, slug: string, ctx: EventContext) {
    return this.deps.db.transaction().execute(async (tx) => {
      await this.org(tx, env, organizationId);
      const r = await this.orgRole(tx, env, organizationId, slug);
      await this.refuseInUse(tx, env, organizationId, slug);
      await tx.deleteFrom('organization_roles').where('id', '=', r.id).execute();
      await this.roleEvent(tx, env, organizationId, 'deleted', roleToWire(r), ctx);
    });
  }

  private async changeOrgRole(
    env: string,
    organizationId: string,
    slug: string,
    ctx: EventContext,
    mutate: (
      r: OrganizationRoleRow,
      tx: Tx,
    ) => Partial<OrganizationRoleRow> | null | Promise<Partial<OrganizationRoleRow> | null>,
  ): Promise<RoleWire> {
    return this.deps.db.transaction().execute(async (tx) => {
      await this.org(tx, env, organizationId);
      const r = await this.orgRole(tx, env, organizationId, slug);
      const patch = await mutate(r, tx);
      if (!patch || Object.keys(patch).length === 0) return roleToWire(r);
      const next = { ...r, ...patch, updated_at: this.deps.clock.now().toISOString() };
      await tx
        .updateTable('organization_roles')
        .set({ ...patch, updated_at: next.updated_at })
        .where('id', '=', r.id)
        .execute();
      const wire = roleToWire(next);
      await this.roleEvent(tx, env, organizationId, 'updated', wire, ctx);
      return wire;
    });
  }

  // ── permissions ────────────────────────────────────────────────────────────

  async listPermissions(env: string, p: Pagination) {
    const qb = this.deps.db.selectFrom('permissions').selectAll().where('environment_id', '=', env);
    const page = await paginate(qb, 'id', p);
    return {
      object: 'list' as const,
      data: page.rows.map(permissionToWire),
      list_metadata: page.list_metadata,
    };
  }

  private async permission(q: Queryable, env: string, slug: string) {
    const p = await q
      .selectFrom('permissions')
      .selectAll()
      .where('environment_id', '=', env)
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!p) throw notFound('Permission', slug, '');
    return p;
  }

  async getPermission(env: string, slug: string) {
    return permissionToWire(await this.permission(this.deps.db, env, slug));
  }

  async createPermission(env: string, body: z.output<typeof CreatePermissionBody>, ctx: EventContext) {
    if (!PERMISSION_SLUG.test(body.slug)) throw slugError('slug', body.slug, 'permission');
    return this.deps.db.transaction().execute(async (tx) => {
      const dup = await tx
        .selectFrom('permissions')
        .select('id')
        .where('environment_id', '=', env)
        .where('slug', '=', body.slug)
        .executeTakeFirst();
      if (dup) {
        throw new AppError('permission_slug_conflict', {
          message: `A permission with slug ${quote(body.slug)} already exists in this environment. Update it with PATCH /authorization/permissions/${body.slug}, or pick another slug.`,
        });
      }
      const now = this.deps.clock.now().toISOString();
      const row = {
        id: this.deps.ids.next('perm'),
        environment_id: env,
        slug: body.slug,
        name: body.name,
        description: body.description ?? null,
        resource_type_slug: 'organization',
        system: 0,
        created_at: now,
        updated_at: now,
      } satisfies PermissionRow;
      await tx.insertInto('permissions').values(row).execute();
      const wire = permissionToWire(row);
      await appendEvent(tx, this.deps, {
        environmentId: env,
        event: 'permission.created',
        data: wire,
        context: ctx,
      });
      return wire;
    });
  }

  async updatePermission(
    env: string,
    slug: string,
    body: z.output<typeof UpdatePermissionBody>,
    ctx: EventContext,
  ) {
    return this.deps.db.transaction().execute(async (tx) => {
      const p = await this.permission(tx, env, slug);
      const patch = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
      };
      if (Object.keys(patch).length === 0) return permissionToWire(p);
      const next = { ...p, ...patch, updated_at: this.deps.clock.now().toISOString() };
      await tx
        .updateTable('permissions')
        .set({ ...patch, updated_at: next.updated_at })
        .where('id', '=', p.id)
        .execute();
      const wire = permissionToWire(next);
      await appendEvent(tx, this.deps, {
        environmentId: env,
        event: 'permission.updated',
        data: wire,
        context: ctx,
      });
      return wire;
    });
  }

  /** Deletes a permission and takes it off every role that had it (each such role's event too). */
  async deletePermission(env: string, slug: string, ctx: EventContext) {
    return this.deps.db.transaction().execute(async (tx) => {
      const p = await this.permission(tx, env, slug);
      if (p.system === 1) {
        throw new AppError('system_permission_cannot_be_deleted', {
          message: `${quote(slug)} is a permission Portico seeds (system: true), so it cannot be deleted. Remove it from roles instead (PUT /authorization/roles/{slug}/permissions).`,
        });
      }
      const now = this.deps.clock.now().toISOString();
      const needle = `%${JSON.stringify(slug)}%`;
      const envRoles = await tx
        .selectFrom('roles')
        .selectAll()
        .where('environment_id', '=', env)
        .where('permissions', 'like', needle)
        .execute();
      for (const r of envRoles) {
        const list = parseJson<string[]>(r.permissions, []);
        if (!list.includes(slug)) continue;
        const next = { ...r, permissions: JSON.stringify(list.filter((s) => s !== slug)), updated_at: now };
        await tx
          .updateTable('roles')
          .set({ permissions: next.permissions, updated_at: now })
          .where('id', '=', r.id)
          .execute();
        await this.roleEvent(tx, env, null, 'updated', roleToWire(next), ctx);
      }
      const orgRoles = await tx
        .selectFrom('organization_roles')
        .selectAll()
        .where('environment_id', '=', env)
        .where('permissions', 'like', needle)
        .execute();
      for (const r of orgRoles) {
        const list = parseJson<string[]>(r.permissions, []);
        if (!list.includes(slug)) continue;
        const next = { ...r, permissions: JSON.stringify(list.filter((s) => s !== slug)), updated_at: now };
        await tx
          .updateTable('organization_roles')
          .set({ permissions: next.permissions, updated_at: now })
          .where('id', '=', r.id)
          .execute();
        await this.roleEvent(tx, env, r.organization_id, 'updated', roleToWire(next), ctx);
      }
      await tx.deleteFrom('permissions').where('id', '=', p.id).execute();
      await appendEvent(tx, this.deps, {
        environmentId: env,
        event: 'permission.deleted',
        data: permissionToWire(p),
        context: ctx,
      });
    });
  }

  // ── helpers ────────────────────────────────────────────────────────────────

  /** Every slug must be a permission of this environment; returns them deduplicated, in order. */
  private async checkPermissions(tx: Queryable, env: string, slugs: string[], field: string) {
    const wanted = [...new Set(slugs)];
    const bad = wanted.filter((s) => !PERMISSION_SLUG.test(s));
    if (bad.length) throw slugError(field, bad[0]!, 'permission');
    if (!wanted.length) return wanted;
    const found = new Set(
      (
        await tx
          .selectFrom('permissions')
          .select('slug')
          .where('environment_id', '=', env)
          .where('slug', 'in', wanted)
          .execute()
      ).map((r) => r.slug),
    );
    const unknown = wanted.filter((s) => !found.has(s));
    if (unknown.length) {
      throw new AppError('permission_not_found', {
        message: `No permission ${unknown.map((s) => quote(s)).join(', ')} in this environment. Create it first with POST /authorization/permissions {slug, name}.`,
        errors: unknown.map((s) => ({
          field,
          code: 'permission_not_found',
          message: `Permission ${quote(s)} does not exist.`,
        })),
      });
    }
    return wanted;
  }

  private duplicateRole(slug: string, organization: boolean) {
    return new AppError(organization ? 'organization_role_slug_conflict' : 'role_slug_conflict', {
      message: `${organization ? 'This organization already has a role' : 'An environment role'} with slug ${quote(slug)} exists. Update that role, or pick another slug.`,
    });
  }

  private notOnRole(role: string, permission: string) {
    return new AppError('entity_not_found', {
      message: `Role ${quote(role)} does not have permission ${quote(permission)}.`,
    });
  }

  /** Refuses to delete a role any membership still has, saying how many and how to fix it. */
  private async refuseInUse(tx: Queryable, env: string, organizationId: string | null, slug: string) {
    let q = tx
      .selectFrom('organization_memberships')
      .select(['role_slugs'])
      .where('environment_id', '=', env)
      .where('role_slugs', 'like', `%${JSON.stringify(slug)}%`);
    if (organizationId) q = q.where('organization_id', '=', organizationId);
    const rows = await q.execute();
    const n = rows.filter((r) => parseJson<string[]>(r.role_slugs, []).includes(slug)).length;
    if (n > 0) {
      throw new AppError('role_has_assignments', {
        message: `Role ${quote(slug)} is assigned to ${n} organization membership${n === 1 ? '' : 's'}, so it cannot be deleted. Give ${n === 1 ? 'that membership' : 'those memberships'} another role first (PUT /user_management/organization_memberships/{id} with role_slug), then delete the role.`,
      });
    }
    const mappers = [
      ['directories', 'Directory', 'PATCH /directories/{id}/settings or the dashboard'],
      ['connections', 'SSO connection', 'PATCH /connections/{id} with group_role_map, or the dashboard'],
    ] as const;
    for (const [table, what, how] of mappers) {
      let mq = tx
        .selectFrom(table)
        .select(['id', 'group_role_map'])
        .where('environment_id', '=', env)
        .where('group_role_map', 'like', `%${JSON.stringify(slug)}%`);
      if (organizationId) mq = mq.where('organization_id', '=', organizationId);
      const mapping = (await mq.execute()).filter((d) =>
        Object.values(parseJson<Record<string, string>>(d.group_role_map, {})).includes(slug),
      );
      if (mapping.length) {
        throw new AppError('role_has_group_role_mappings', {
          message: `${what} ${mapping.map((d) => quote(d.id)).join(', ')} maps a group to role ${quote(slug)}, so it cannot be deleted. Change that group → role mapping first (${how}), then delete the role.`,
        });
      }
    }
  }

  private async roleEvent(
    tx: Tx,
    env: string,
    organizationId: string | null,
    verb: 'created' | 'updated' | 'deleted',
    wire: RoleWire,
    ctx: EventContext,
  ) {
    await appendEvent(tx, this.deps, {
      environmentId: env,
      event: organizationId ? `organization_role.${verb}` : `role.${verb}`,
      data: organizationId ? organizationRoleEventData(organizationId, wire) : roleEventData(wire),
      organizationId,
      context: ctx,
    });
  }
}
