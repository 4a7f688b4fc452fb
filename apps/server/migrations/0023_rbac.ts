/**
 * 0023 — roles and permissions (the WorkOS authorization API).
 *
 * `permissions`: one row per permission slug of an environment (`system` 1 for the ones Portico
 * seeds, which cannot be deleted). `roles` (environment roles) gain `priority` (1 = highest: when a
 * membership has several roles, the highest becomes the access token's `role`) and
 * `resource_type_slug`. `organization_roles` are an organization's own roles (slugs begin with
 * `org-`), in the same priority space as the environment roles, and go with their organization.
 * Role `permissions` stay a JSON array of permission slugs. Existing environments get their seeded
 * permissions and admin (1) above member (2). Immutable once released.
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function ulid(prefix: string): string {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rand = Array.from(randomBytes(16), (b) => ALPHABET[b & 31]).join('');
  return `${prefix}_${time}${rand}`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('permissions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('resource_type_slug', 'text', (c) => c.notNull().defaultTo('organization'))
    .addColumn('system', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('permissions_env_slug', ['environment_id', 'slug'])
    .execute();

  await db.schema
    .alterTable('roles')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(100))
    .execute();
  await db.schema
    .alterTable('roles')
    .addColumn('resource_type_slug', 'text', (c) => c.notNull().defaultTo('organization'))
    .execute();

  await db.schema
    .createTable('organization_roles')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('permissions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('resource_type_slug', 'text', (c) => c.notNull().defaultTo('organization'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('organization_roles_org_slug', ['organization_id', 'slug'])
    .execute();
  await db.schema
    .createIndex('organization_roles_env')
    .on('organization_roles')
    .columns(['environment_id', 'organization_id'])
    .execute();

  // Existing environments: admin above member, later roles below them in creation order.
  const rows = await sql<{
    id: string;
    environment_id: string;
    slug: string;
    permissions: string;
  }>`select id, environment_id, slug, permissions from roles order by environment_id, id`.execute(db);
  const now = new Date().toISOString();
  const perEnv = new Map<string, typeof rows.rows>();
  for (const r of rows.rows) perEnv.set(r.environment_id, [...(perEnv.get(r.environment_id) ?? []), r]);
  for (const [env, roles] of perEnv) {
    const ordered = [
      ...roles.filter((r) => r.slug === 'admin'),
      ...roles.filter((r) => r.slug === 'member'),
      ...roles.filter((r) => r.slug !== 'admin' && r.slug !== 'member'),
    ];
    for (const [i, r] of ordered.entries()) {
      await sql`update roles set priority = ${i + 1} where id = ${r.id}`.execute(db);
    }
    const slugs = new Set<string>();
    for (const r of roles) {
      let list: unknown = [];
      try {
        list = JSON.parse(r.permissions);
      } catch {}
      if (Array.isArray(list)) for (const s of list) if (typeof s === 'string') slugs.add(s);
    }
    for (const slug of slugs) {
      await sql`insert into permissions (id, environment_id, slug, name, description, resource_type_slug, system, created_at, updated_at)
        values (${ulid('perm')}, ${env}, ${slug}, ${slug}, ${null}, ${'organization'}, ${1}, ${now}, ${now})`.execute(
        db,
      );
    }
  }
}
