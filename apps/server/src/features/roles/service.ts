/**
 * Environment roles. Every environment starts with `member` (the default) and `admin`, each
 * with permissions, so access tokens carry `role`, `roles` and `permissions` from day one and the
 * RBAC endpoints can build on the same table later.
 */
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, quote } from '../../platform/errors.ts';
import { parseJson } from '../../platform/http.ts';

export const DEFAULT_ROLES = [
  {
    slug: 'member',
    name: 'Member',
    description: 'Default role for organization members.',
    permissions: [] as string[],
    is_default: 1,
  },
  {
    slug: 'admin',
    name: 'Admin',
    description: 'Manages the organization: members, SSO and directory settings.',
    permissions: ['organization:manage', 'members:manage', 'sso:manage', 'directory:manage'],
    is_default: 0,
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
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}

export interface ResolvedRoles {
  slugs: string[];
  permissions: string[];
}

export class RoleService {
  private cache = new Map<string, { at: number; roles: Map<string, string[]>; defaultSlug: string }>();
  constructor(private deps: Deps) {}

  private async load(q: Queryable, env: string) {
    const now = this.deps.clock.now().getTime();
    const hit = this.cache.get(env);
    if (hit && now - hit.at < 5_000) return hit;
    const rows = await q
      .selectFrom('roles')
      .select(['slug', 'permissions', 'is_default'])
      .where('environment_id', '=', env)
      .execute();
    const roles = new Map(rows.map((r) => [r.slug, parseJson<string[]>(r.permissions, [])]));
    const entry = { at: now, roles, defaultSlug: rows.find((r) => r.is_default === 1)?.slug ?? 'member' };
    this.cache.set(env, entry);
    return entry;
  }

  /** Validates slugs (422 invalid_role) and returns them, or the default role when none is given. */
  async resolveSlugs(q: Queryable, env: string, slugs: string[] | undefined): Promise<string[]> {
    const { roles, defaultSlug } = await this.load(q, env);
    if (!slugs || slugs.length === 0) return [defaultSlug];
    const unknown = slugs.filter((s) => !roles.has(s));
    if (unknown.length) {
      throw new AppError('invalid_role', {
        message: `Unknown role ${unknown.map((s) => quote(s)).join(', ')}. Roles in this environment: ${[...roles.keys()].join(', ')}.`,
        errors: unknown.map((s) => ({
          field: 'role_slug',
          code: 'invalid_role',
          message: `Role ${quote(s)} does not exist.`,
        })),
      });
    }
    return [...new Set(slugs)];
  }

  async permissionsFor(q: Queryable, env: string, slugs: string[]): Promise<string[]> {
    const { roles } = await this.load(q, env);
    return [...new Set(slugs.flatMap((s) => roles.get(s) ?? []))];
  }
}
