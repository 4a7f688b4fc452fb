/**
 * Directory Sync (issue 5): directories and their SCIM tokens, the SCIM 2.0 operations an IdP
 * performs, the WorkOS read API, `dsync.*` events, and deprovisioning inside Portico.
 *
 * Invariants:
 * - Every SCIM write and its events commit in one transaction; a refused request writes nothing.
 * - Group membership is one row per (group, user): PATCH add/remove touch only their rows, so
 *   concurrent PATCHes to one group never lose a member. PUT and `replace members` diff against
 *   the rows inside the transaction.
 * - Deprovisioning: a directory user set inactive or deleted deactivates the matching AuthKit
 *   user's membership in the directory's organization and revokes their sessions (per directory:
 *   `deprovision: deactivate|none`).
 */
import {
  applyPatch,
  assertFilterable,
  checkReadPath,
  matchesFilter,
  normalisePatch,
  normaliseResource,
  type Persona,
  parseFilter,
  ScimError,
  type ScimResource,
  type ScimType,
  simpleEqualityLookup,
  withoutPasswords,
} from '@portico/scim';
import type { z } from 'zod';
import { sha256 } from '../../platform/crypto.ts';
import { isUniqueViolation } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, describeId, notFound, quote } from '../../platform/errors.ts';
import { jsonTooDeep, type Pagination, paginate } from '../../platform/http.ts';
import { token } from '../../platform/random.ts';
import type { DirectoryGroupTable, DirectoryTable, DirectoryUserTable } from '../../platform/schema.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import { applicableRoleSlugs, slugsFromMap } from '../roles/service.ts';
import type { SessionService } from '../sessions/service.ts';
import {
  attributeMapOf,
  type CreateDirectoryBody,
  directoryEventData,
  directoryToWire,
  groupToWire,
  settingsToWire,
  type UpdateDirectorySettingsBody,
  userToWire,
} from './wire.ts';

type Tx = Deps['db'];

/** A SCIM error with its detail first and the optional scimType last. */
export const scimError = (status: number, detail: string, type?: ScimType) =>
  new ScimError(status, type, detail);
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function primaryEmail(r: ScimResource): string | null {
  const emails = (r.emails as { value?: string; primary?: unknown }[] | undefined) ?? [];
  const chosen = emails.find((e) => e.primary === true) ?? emails[0];
  const v = chosen?.value ?? (typeof r.userName === 'string' && r.userName.includes('@') ? r.userName : null);
  return v ? v.toLowerCase() : null;
}

function names(r: ScimResource) {
  const n = (r.name as { givenName?: string; familyName?: string } | undefined) ?? {};
  return { first: n.givenName ?? null, last: n.familyName ?? null };
}

/** 404 for an id that is not in this environment or, when one is named, not in that directory. */
function notFoundIn(what: string, id: string, directoryId: string | undefined) {
  if (!directoryId) return notFound(what, id);
  return new AppError('entity_not_found', {
    message: `${what} not found in directory ${quote(directoryId)}: ${describeId(id, what === 'Directory user' ? 'directory_user' : 'directory_group')}. Use an id this directory listed (GET /directories/${/^directory_\w{26}$/.test(directoryId) ? directoryId : '{id}'}/${what === 'Directory user' ? 'users' : 'groups'}).`,
  });
}

function isActive(r: ScimResource) {
  return r.active === undefined ? true : r.active === true;
}

export class DirectoryService {
  constructor(
    private deps: Deps,
    private sessions: SessionService,
  ) {}

  // ── directories ─────────────────────────────────────────────────────────

  scimBaseUrl(directoryId: string) {
    return `${this.deps.config.publicUrl}/scim/v2/${directoryId}`;
  }

  async create(env: string, body: import('zod').output<typeof CreateDirectoryBody>, ctx?: EventContext) {
    const { deps } = this;
    const org = await deps.db
      .selectFrom('organizations')
      .select('id')
      .where('environment_id', '=', env)
      .where('id', '=', body.organization_id)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', body.organization_id);
    const bearer = token(deps.random, 32, 'scim_');
    const now = deps.clock.now().toISOString();
    const d: DirectoryTable = {
      id: deps.ids.next('directory'),
      environment_id: env,
      organization_id: org.id,
      name: body.name,
      type: body.type,
      state: 'linked',
      token_hash: sha256(bearer),
      token_hint: `${bearer.slice(0, 9)}…${bearer.slice(-4)}`,
      deprovision: body.deprovision,
      group_role_map: JSON.stringify(body.group_role_map ?? {}),
      attribute_map: JSON.stringify(body.attribute_map ?? {}),
      created_at: now,
      updated_at: now,
    };
    const domains = await deps.db
      .selectFrom('organization_domains')
      .select(['id', 'domain'])
      .where('organization_id', '=', org.id)
      .execute();
    await deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('directories').values(d).execute();
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'dsync.activated',
        data: directoryEventData(d, domains),
        organizationId: org.id,
        context: ctx,
      });
    });
    return { ...directoryToWire(d), scim: { base_url: this.scimBaseUrl(d.id), bearer_token: bearer } };
  }

  async rotateToken(env: string, id: string) {
    const d = await this.get(env, id);
    const bearer = token(this.deps.random, 32, 'scim_');
    await this.deps.db
      .updateTable('directories')
      .set({
        token_hash: sha256(bearer),
        token_hint: `${bearer.slice(0, 9)}…${bearer.slice(-4)}`,
        updated_at: this.deps.clock.now().toISOString(),
      })
      .where('id', '=', d.id)
      .execute();
    return { ...directoryToWire(d), scim: { base_url: this.scimBaseUrl(d.id), bearer_token: bearer } };
  }

  async get(env: string, id: string) {
    const d = await this.deps.db
      .selectFrom('directories')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!d)
      throw new AppError('entity_not_found', {
        message: `Directory not found: ${describeId(id, 'directory')}. Pass the id of a directory of this environment (GET /directories lists them).`,
      });
    return d;
  }

  async settings(env: string, id: string) {
    return settingsToWire(await this.get(env, id), this.deps.config.publicUrl);
  }

  /**
   * Deprovisioning, group → role and attribute mappings. Attribute paths and role slugs are
   * checked before anything is written; the new attribute map applies to reads from now on (the
   * stored SCIM resources are kept whole, so re-mapping needs no re-provisioning).
   */
  async updateSettings(env: string, id: string, body: z.output<typeof UpdateDirectorySettingsBody>) {
    const d = await this.get(env, id);
    const errors: { field: string; code: string; message: string }[] = [];
    for (const [name, path] of Object.entries(body.attribute_map ?? {})) {
      try {
        checkReadPath(path);
      } catch (err) {
        errors.push({
          field: `attribute_map.${name}`,
          code: 'invalid_attribute_path',
          message: `${(err as Error).message}. Use a SCIM attribute path such as title, name.givenName, emails[type eq "work"].value or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department.`,
        });
      }
    }
    const slugs = [...new Set(Object.values(body.group_role_map ?? {}))];
    if (slugs.length) {
      const known = new Set(
        (await applicableRoleSlugs(this.deps.db, env, d.organization_id)).map((r) => r.slug),
      );
      for (const [group, slug] of Object.entries(body.group_role_map ?? {}))
        if (!known.has(slug))
          errors.push({
            field: `group_role_map.${group}`,
            code: 'role_not_found',
            message: `No role with slug ${quote(slug)} exists. Create the role first (POST /authorization/roles, or an org- role of this directory's organization) or map the group to an existing role (member, admin…).`,
          });
    }
    if (errors.length)
      throw new AppError('invalid_request_parameters', {
        message:
          errors.length === 1
            ? `The directory settings were not saved: ${errors[0]!.message}`
            : `The directory settings were not saved: ${errors.length} entries were refused (${errors.map((e) => e.field).join(', ')}); each one's reason is in errors[].`,
        errors,
      });
    const patch: Partial<DirectoryTable> = { updated_at: this.deps.clock.now().toISOString() };
    if (body.name !== undefined) patch.name = body.name;
    if (body.deprovision !== undefined) patch.deprovision = body.deprovision;
    if (body.group_role_map !== undefined) patch.group_role_map = JSON.stringify(body.group_role_map);
    if (body.attribute_map !== undefined) patch.attribute_map = JSON.stringify(body.attribute_map);
    await this.deps.db.updateTable('directories').set(patch).where('id', '=', d.id).execute();
    return settingsToWire({ ...d, ...patch }, this.deps.config.publicUrl);
  }

  async list(env: string, p: Pagination, f: { organizationId?: string; search?: string }) {
    let qb = this.deps.db.selectFrom('directories').selectAll().where('environment_id', '=', env);
    if (f.organizationId) qb = qb.where('organization_id', '=', f.organizationId);
    if (f.search) qb = qb.where('name', 'like', `%${f.search.replace(/[%_]/g, '')}%`);
    const page = await paginate(qb, 'id', p);
    return { data: page.rows.map(directoryToWire), list_metadata: page.list_metadata };
  }

  async delete(env: string, id: string, ctx?: EventContext) {
    const d = await this.get(env, id);
    await this.deps.db.transaction().execute((tx) => this.remove(tx, d, ctx));
  }

  /** One directory gone (its users and groups by cascade), with its dsync.deleted beside it. */
  private async remove(tx: Tx, d: DirectoryTable, ctx?: EventContext) {
    const { environment_id: _e, ...rest } = directoryToWire(d) as Record<string, unknown>;
    await tx.deleteFrom('directories').where('id', '=', d.id).execute();
    await appendEvent(tx, this.deps, {
      environmentId: d.environment_id,
      event: 'dsync.deleted',
      data: { ...rest, state: 'inactive' },
      organizationId: d.organization_id,
      context: ctx,
    });
  }

  /**
   * Deletes every directory of an organization that is being deleted, in its transaction: their
   * users and groups go by cascade, and each directory's dsync.deleted is written beside it.
   */
  async deleteForOrganization(tx: Tx, env: string, organizationId: string, ctx?: EventContext) {
    const dirs = await tx
      .selectFrom('directories')
      .selectAll()
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .execute();
    for (const d of dirs) await this.remove(tx, d, ctx);
  }

  /** The directory a SCIM bearer token belongs to (compared by hash). */
  async byToken(bearer: string) {
    return this.deps.db
      .selectFrom('directories')
      .selectAll()
      .where('token_hash', '=', sha256(bearer))
      .executeTakeFirst();
  }

  // ── WorkOS read API ─────────────────────────────────────────────────────

  private async groupsOfUsers(q: Tx, userIds: string[]) {
    const map = new Map<string, DirectoryGroupTable[]>();
    if (!userIds.length) return map;
    const rows = await q
      .selectFrom('directory_group_members')
      .innerJoin('directory_groups', 'directory_groups.id', 'directory_group_members.group_id')
      .selectAll('directory_groups')
      .select('directory_group_members.user_id')
      .where('directory_group_members.user_id', 'in', userIds)
      .execute();
    for (const { user_id, ...g } of rows) map.set(user_id, [...(map.get(user_id) ?? []), g]);
    return map;
  }

  async listUsers(
    env: string,
    p: Pagination,
    f: { directory?: string; group?: string; email?: string; idpId?: string },
  ) {
    let qb = this.deps.db.selectFrom('directory_users').selectAll().where('environment_id', '=', env);
    if (f.directory) qb = qb.where('directory_id', '=', f.directory);
    if (f.group)
      qb = qb.where('id', 'in', (s) =>
        s.selectFrom('directory_group_members').select('user_id').where('group_id', '=', f.group!),
      );
    // Emails are stored lower-case (primaryEmail); idp_id is externalId, else userName (userToWire).
    if (f.email) qb = qb.where('email', '=', f.email.toLowerCase());
    if (f.idpId)
      qb = qb.where((eb) =>
        eb.or([
          eb('external_id', '=', f.idpId!),
          eb.and([eb('external_id', 'is', null), eb('user_name', '=', f.idpId!)]),
        ]),
      );
    const page = await paginate(qb, 'id', p);
    const groups = await this.groupsOfUsers(
      this.deps.db,
      page.rows.map((u) => u.id),
    );
    const maps = await this.attributeMaps(page.rows.map((u) => u.directory_id));
    return {
      data: page.rows.map((u) =>
        userToWire(u, (groups.get(u.id) ?? []).map(groupToWire), maps.get(u.directory_id)),
      ),
      list_metadata: page.list_metadata,
    };
  }

  /** A user of this environment; with `directoryId`, only one of that directory (else 404). */
  async getUser(env: string, id: string, directoryId?: string) {
    let qb = this.deps.db
      .selectFrom('directory_users')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id);
    if (directoryId) qb = qb.where('directory_id', '=', directoryId);
    const u = await qb.executeTakeFirst();
    if (!u) throw notFoundIn('Directory user', id, directoryId);
    const groups = await this.groupsOfUsers(this.deps.db, [u.id]);
    const maps = await this.attributeMaps([u.directory_id]);
    return userToWire(u, (groups.get(u.id) ?? []).map(groupToWire), maps.get(u.directory_id));
  }

  private async attributeMaps(directoryIds: string[]) {
    const ids = [...new Set(directoryIds)];
    const out = new Map<string, Record<string, string>>();
    if (ids.length === 0) return out;
    const rows = await this.deps.db
      .selectFrom('directories')
      .select(['id', 'attribute_map'])
      .where('id', 'in', ids)
      .execute();
    for (const r of rows) out.set(r.id, attributeMapOf(r));
    return out;
  }

  async listGroups(env: string, p: Pagination, f: { directory?: string; user?: string }) {
    let qb = this.deps.db.selectFrom('directory_groups').selectAll().where('environment_id', '=', env);
    if (f.directory) qb = qb.where('directory_id', '=', f.directory);
    if (f.user)
      qb = qb.where('id', 'in', (s) =>
        s.selectFrom('directory_group_members').select('group_id').where('user_id', '=', f.user!),
      );
    const page = await paginate(qb, 'id', p);
    return { data: page.rows.map(groupToWire), list_metadata: page.list_metadata };
  }

  /** A group of this environment; with `directoryId`, only one of that directory (else 404). */
  async getGroup(env: string, id: string, directoryId?: string) {
    let qb = this.deps.db
      .selectFrom('directory_groups')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id);
    if (directoryId) qb = qb.where('directory_id', '=', directoryId);
    const g = await qb.executeTakeFirst();
    if (!g) throw notFoundIn('Directory group', id, directoryId);
    return groupToWire(g);
  }

  // ── SCIM: users ─────────────────────────────────────────────────────────

  userResource(d: DirectoryTable, u: DirectoryUserTable): ScimResource {
    return {
      ...(JSON.parse(u.resource) as ScimResource),
      id: u.id,
      meta: {
        resourceType: 'User',
        created: u.created_at,
        lastModified: u.updated_at,
        location: `${this.scimBaseUrl(d.id)}/Users/${u.id}`,
      },
    };
  }

  private async userRow(q: Tx, d: DirectoryTable, id: string) {
    const u = await q
      .selectFrom('directory_users')
      .selectAll()
      .where('directory_id', '=', d.id)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!u) throw scimError(404, `User ${quote(id)} does not exist in this directory.`);
    return u;
  }

  /**
   * 409 uniqueness when another user of the directory has this userName ignoring case
   * (caseExact false), or this externalId exactly (caseExact true, uniqueness server: the WorkOS
   * idp_id). `keepsLegacyName`: the user is a case-duplicate migrated by 0013 and keeps its
   * userName, which its older twin also has — allowed, so such a user can still be updated.
   */
  private async assertUserUnique(
    q: Tx,
    d: DirectoryTable,
    r: ScimResource,
    exceptId?: string,
    keepsLegacyName = false,
  ) {
    const userName = String(r.userName);
    const lower = userName.toLowerCase();
    const externalId = typeof r.externalId === 'string' ? r.externalId : undefined;
    if (keepsLegacyName && externalId === undefined) return;
    const rows = await q
      .selectFrom('directory_users')
      .select(['id', 'user_name', 'external_id'])
      .where('directory_id', '=', d.id)
      .where((eb) =>
        eb.or([
          ...(keepsLegacyName ? [] : [eb('user_name_lower', '=', lower), eb('user_name_lower', 'is', null)]),
          ...(externalId !== undefined ? [eb('external_id', '=', externalId)] : []),
        ]),
      )
      .execute();
    const clash = rows.find(
      (x) =>
        x.id !== exceptId &&
        ((!keepsLegacyName && x.user_name.toLowerCase() === lower) ||
          (externalId !== undefined && x.external_id === externalId)),
    );
    if (clash) {
      const field =
        !keepsLegacyName && clash.user_name.toLowerCase() === lower
          ? clash.user_name === userName
            ? `userName ${quote(userName)}`
            : `userName ${quote(clash.user_name)} (userName is unique ignoring case, so ${quote(userName)} is taken)`
          : `externalId ${quote(externalId)}`;
      throw scimError(
        409,
        `A user with ${field} already exists in this directory (id ${clash.id}).`,
        'uniqueness',
      );
    }
  }

  /**
   * The user holding userName key `key` was deleted or renamed: the oldest case-duplicate of that
   * name migrated by 0013 without a key (if any is left) takes it over, so the unique index keeps
   * refusing newcomers with that name. Reads only the directory's unkeyed users (usually none).
   */
  private async handOverKey(tx: Tx, d: DirectoryTable, key: string) {
    const twins = await tx
      .selectFrom('directory_users')
      .select(['id', 'user_name'])
      .where('directory_id', '=', d.id)
      .where('user_name_lower', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const heir = twins.find((t) => t.user_name.toLowerCase() === key);
    if (heir)
      await tx
        .updateTable('directory_users')
        .set({ user_name_lower: key })
        .where('id', '=', heir.id)
        .execute();
  }

  private toRow(
    d: DirectoryTable,
    r: ScimResource,
    id: string,
    created: string,
    now: string,
    userNameLower: string | null = String(r.userName).toLowerCase(),
  ): DirectoryUserTable {
    const { id: _id, meta: _meta, ...stored } = r as ScimResource & { meta?: unknown };
    const n = names(r);
    return {
      id,
      environment_id: d.environment_id,
      directory_id: d.id,
      organization_id: d.organization_id,
      user_name: String(r.userName),
      user_name_lower: userNameLower,
      external_id: typeof r.externalId === 'string' ? r.externalId : null,
      email: primaryEmail(r),
      first_name: n.first,
      last_name: n.last,
      state: isActive(r) ? 'active' : 'inactive',
      // @portico/scim already drops every password; this keeps the row free of one regardless.
      resource: JSON.stringify(withoutPasswords(stored)),
      created_at: created,
      updated_at: now,
    };
  }

  async createUser(d: DirectoryTable, body: unknown, persona: Persona) {
    const { deps } = this;
    const r = normaliseResource(body, 'User', persona);
    const now = deps.clock.now().toISOString();
    try {
      return await this.insertUser(d, r, now);
    } catch (err) {
      // A concurrent POST won the unique index (directory, lower-cased userName) or (directory,
      // externalId); the clashing row is looked up to say which one, after the rollback.
      if (!isUniqueViolation(err)) throw err;
      await this.assertUserUnique(deps.db, d, r);
      throw scimError(
        409,
        'A user with this userName or externalId already exists in this directory.',
        'uniqueness',
      );
    }
  }

  private insertUser(d: DirectoryTable, r: ScimResource, now: string) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      // The unique indexes (directory, lower-cased userName) and (directory, externalId) decide,
      // also between concurrent POSTs: whenever users with a name exist, one of them holds its
      // key (handOverKey), so a case-duplicate migrated by 0013 needs no extra query here.
      const row = this.toRow(d, r, deps.ids.next('directory_user'), now, now);
      await tx.insertInto('directory_users').values(row).execute();
      const { groups: _g, ...data } = userToWire(row, undefined, attributeMapOf(d));
      await appendEvent(tx, deps, {
        environmentId: d.environment_id,
        event: 'dsync.user.created',
        data,
        organizationId: d.organization_id,
      });
      if (row.state === 'inactive') await this.deprovision(tx, d, row);
      return this.userResource(d, row);
    });
  }

  async getUserResource(d: DirectoryTable, id: string) {
    return this.userResource(d, await this.userRow(this.deps.db, d, id));
  }

  async listUserResources(d: DirectoryTable, filter: string | undefined, startIndex: number, count: number) {
    let qb = this.deps.db.selectFrom('directory_users').selectAll().where('directory_id', '=', d.id);
    let ast: ReturnType<typeof parseFilter> | null = null;
    if (filter) {
      ast = parseFilter(filter);
      assertFilterable(ast, 'User');
      const simple = simpleEqualityLookup(ast);
      if (simple) {
        const column =
          simple.attribute === 'userName'
            ? 'user_name'
            : simple.attribute === 'externalId'
              ? 'external_id'
              : simple.attribute === 'id'
                ? 'id'
                : null;
        if (column === 'user_name') {
          // Indexed, ignoring case; the unkeyed case-duplicates migrated by 0013 are fetched too
          // and the filter itself, evaluated below, decides (it compares userName ignoring case).
          const lower = simple.value.toLowerCase();
          qb = qb.where((eb) =>
            eb.or([eb('user_name_lower', '=', lower), eb('user_name_lower', 'is', null)]),
          );
        } else if (column) {
          qb = qb.where(column, '=', simple.value);
          ast = null;
        }
      }
    }
    const rows = await qb.orderBy('id').execute();
    const all = rows.map((u) => this.userResource(d, u)).filter((r) => !ast || matchesFilter(ast, r));
    return { total: all.length, page: all.slice(startIndex - 1, startIndex - 1 + count) };
  }

  /** PUT (replace) and PATCH share this: compute the new resource, then store and emit. */
  private async updateUser(d: DirectoryTable, id: string, next: (current: ScimResource) => ScimResource) {
    const { deps } = this;
    return deps.db.transaction().execute(async (tx) => {
      const u = await this.userRow(tx, d, id);
      const current = this.userResource(d, u);
      const r = next(current);
      // A case-duplicate migrated by 0013 (no key) that keeps its name stays unkeyed.
      const keepsLegacyName =
        u.user_name_lower === null && String(r.userName).toLowerCase() === u.user_name.toLowerCase();
      await this.assertUserUnique(tx, d, r, u.id, keepsLegacyName);
      const row = this.toRow(
        d,
        r,
        u.id,
        u.created_at,
        deps.clock.now().toISOString(),
        keepsLegacyName ? null : String(r.userName).toLowerCase(),
      );
      await tx.updateTable('directory_users').set(row).where('id', '=', u.id).execute();
      if (u.user_name_lower !== null && u.user_name_lower !== row.user_name_lower)
        await this.handOverKey(tx, d, u.user_name_lower);
      const before = userToWire(u, undefined, attributeMapOf(d));
      const { groups: _g, ...after } = userToWire(row, undefined, attributeMapOf(d));
      const previous: Record<string, unknown> = {};
      for (const k of [
        'email',
        'emails',
        'first_name',
        'last_name',
        'username',
        'state',
        'job_title',
        'custom_attributes',
      ] as const) {
        if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) previous[k] = before[k];
      }
      if (Object.keys(previous).length) {
        await appendEvent(tx, deps, {
          environmentId: d.environment_id,
          event: 'dsync.user.updated',
          data: { ...after, previous_attributes: previous },
          organizationId: d.organization_id,
        });
      }
      if (u.state === 'active' && row.state === 'inactive') await this.deprovision(tx, d, row);
      return this.userResource(d, row);
    });
  }

  replaceUser(d: DirectoryTable, id: string, body: unknown, persona: Persona) {
    const r = normaliseResource(body, 'User', persona);
    return this.updateUser(d, id, () => r);
  }

  patchUser(d: DirectoryTable, id: string, body: unknown, persona: Persona) {
    const ops = normalisePatch(body, persona);
    return this.updateUser(d, id, (current) => applyPatch(current, ops, 'User').resource);
  }

  async deleteUser(d: DirectoryTable, id: string) {
    const { deps } = this;
    await deps.db.transaction().execute(async (tx) => {
      const u = await this.userRow(tx, d, id);
      const groups = await tx
        .selectFrom('directory_group_members')
        .select('group_id')
        .where('user_id', '=', u.id)
        .execute();
      for (const { group_id } of groups)
        await this.memberEvent(tx, d, 'dsync.group.user_removed', group_id, u);
      await tx.deleteFrom('directory_users').where('id', '=', u.id).execute();
      if (u.user_name_lower !== null) await this.handOverKey(tx, d, u.user_name_lower);
      const { groups: _g, ...data } = userToWire(u, undefined, attributeMapOf(d));
      await appendEvent(tx, deps, {
        environmentId: d.environment_id,
        event: 'dsync.user.deleted',
        data: { ...data, state: 'inactive' },
        organizationId: d.organization_id,
      });
      if (u.state === 'active') await this.deprovision(tx, d, u);
    });
  }

  /**
   * The linked AuthKit user (same email, same environment) loses access to the directory's
   * organization: membership deactivated, sessions revoked.
   */
  private async deprovision(tx: Tx, d: DirectoryTable, u: DirectoryUserTable) {
    if (d.deprovision !== 'deactivate' || !u.email) return;
    const user = await tx
      .selectFrom('users')
      .select('id')
      .where('environment_id', '=', d.environment_id)
      .where('email', '=', u.email)
      .executeTakeFirst();
    if (!user) return;
    const now = this.deps.clock.now().toISOString();
    await tx
      .updateTable('organization_memberships')
      .set({ status: 'inactive', updated_at: now })
      .where('environment_id', '=', d.environment_id)
      .where('organization_id', '=', d.organization_id)
      .where('user_id', '=', user.id)
      .where('status', '=', 'active')
      .execute();
    const ended = await this.sessions.endAllForUser(tx, d.environment_id, user.id, 'directory_deprovisioned');
    this.deps.log.info({ directory: d.id, user: user.id, sessions: ended }, 'directory user deprovisioned');
  }

  // ── SCIM: groups ────────────────────────────────────────────────────────

  private async groupRow(q: Tx, d: DirectoryTable, id: string) {
    const g = await q
      .selectFrom('directory_groups')
      .selectAll()
      .where('directory_id', '=', d.id)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!g) throw scimError(404, `Group ${quote(id)} does not exist in this directory.`);
    return g;
  }

  async groupResource(q: Tx, d: DirectoryTable, g: DirectoryGroupTable): Promise<ScimResource> {
    const members = await q
      .selectFrom('directory_group_members')
      .innerJoin('directory_users', 'directory_users.id', 'directory_group_members.user_id')
      .select(['directory_users.id', 'directory_users.user_name'])
      .where('directory_group_members.group_id', '=', g.id)
      .orderBy('directory_users.id')
      .execute();
    return {
      ...(JSON.parse(g.resource) as ScimResource),
      id: g.id,
      members: members.map((m) => ({ value: m.id, display: m.user_name })),
      meta: {
        resourceType: 'Group',
        created: g.created_at,
        lastModified: g.updated_at,
        location: `${this.scimBaseUrl(d.id)}/Groups/${g.id}`,
      },
    };
  }

  private async memberEvent(
    tx: Tx,
    d: DirectoryTable,
    event: string,
    groupId: string,
    u: DirectoryUserTable,
  ) {
    const g = await tx
      .selectFrom('directory_groups')
      .selectAll()
      .where('id', '=', groupId)
      .executeTakeFirst();
    if (!g) return;
    const { groups: _g, ...user } = userToWire(u, undefined, attributeMapOf(d));
    await appendEvent(tx, this.deps, {
      environmentId: d.environment_id,
      event,
      data: { directory_id: d.id, user, group: { ...groupToWire(g) } },
      organizationId: d.organization_id,
    });
  }

  /**
   * Group → role mapping (per directory): the linked AuthKit user's membership in the directory's
   * organization gets the roles mapped from all of their groups, or the default role when none map.
   */
  private async syncRoles(tx: Tx, d: DirectoryTable, userIds: string[]) {
    const map = JSON.parse(d.group_role_map) as Record<string, string>;
    if (Object.keys(map).length === 0 || userIds.length === 0) return;
    const users = await tx
      .selectFrom('directory_users')
      .select(['id', 'email'])
      .where('id', 'in', userIds)
      .execute();
    for (const u of users) {
      if (!u.email) continue;
      const authkit = await tx
        .selectFrom('users')
        .select('id')
        .where('environment_id', '=', d.environment_id)
        .where('email', '=', u.email)
        .executeTakeFirst();
      if (!authkit) continue;
      const groups = await tx
        .selectFrom('directory_group_members')
        .innerJoin('directory_groups', 'directory_groups.id', 'directory_group_members.group_id')
        .select('directory_groups.display_name')
        .where('directory_group_members.user_id', '=', u.id)
        .execute();
      const mapped = [
        ...new Set(groups.map((g) => map[g.display_name]).filter((r): r is string => Boolean(r))),
      ];
      // The directory's organization's roles too, highest priority first (the token's `role`).
      const known = await applicableRoleSlugs(tx, d.environment_id, d.organization_id);
      const roles = slugsFromMap(known, mapped);
      await tx
        .updateTable('organization_memberships')
        .set({
          role_slugs: JSON.stringify(roles),
          directory_managed: 1,
          updated_at: this.deps.clock.now().toISOString(),
        })
        .where('environment_id', '=', d.environment_id)
        .where('organization_id', '=', d.organization_id)
        .where('user_id', '=', authkit.id)
        .execute();
    }
  }

  /** Adds and removes member rows; unknown ids are refused so nothing is half-applied. */
  private async changeMembers(tx: Tx, d: DirectoryTable, groupId: string, add: string[], remove: string[]) {
    const wanted = [...new Set([...add, ...remove])];
    if (wanted.length) {
      const found = await tx
        .selectFrom('directory_users')
        .selectAll()
        .where('directory_id', '=', d.id)
        .where('id', 'in', wanted)
        .execute();
      const missing = wanted.filter((id) => !found.some((u) => u.id === id));
      if (missing.length)
        throw scimError(
          400,
          `Unknown member ${missing.map((m) => quote(m)).join(', ')}: members must be ids of users in this directory.`,
          'invalidValue',
        );
      for (const id of [...new Set(add)]) {
        const r = await tx
          .insertInto('directory_group_members')
          .values({ group_id: groupId, user_id: id, directory_id: d.id })
          .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0) === 1)
          await this.memberEvent(tx, d, 'dsync.group.user_added', groupId, found.find((u) => u.id === id)!);
      }
      for (const id of [...new Set(remove)]) {
        const r = await tx
          .deleteFrom('directory_group_members')
          .where('group_id', '=', groupId)
          .where('user_id', '=', id)
          .executeTakeFirst();
        if (Number(r.numDeletedRows) === 1)
          await this.memberEvent(tx, d, 'dsync.group.user_removed', groupId, found.find((u) => u.id === id)!);
      }
      await this.syncRoles(tx, d, wanted);
    }
  }

  private groupFields(d: DirectoryTable, r: ScimResource) {
    const {
      id: _id,
      meta: _meta,
      members: _members,
      ...stored
    } = r as ScimResource & { meta?: unknown; members?: unknown };
    if (typeof r.displayName !== 'string' || !r.displayName)
      throw scimError(400, 'displayName is required for a Group.', 'invalidValue');
    return {
      display_name: r.displayName,
      external_id: typeof r.externalId === 'string' ? r.externalId : null,
      resource: JSON.stringify(withoutPasswords(stored)),
      organization_id: d.organization_id,
    };
  }

  private memberIds(r: ScimResource) {
    return ((r.members as { value?: string }[] | undefined) ?? [])
      .map((m) => m?.value)
      .filter((v): v is string => typeof v === 'string');
  }

  async createGroup(d: DirectoryTable, body: unknown, persona: Persona) {
    const { deps } = this;
    const r = normaliseResource(body, 'Group', persona);
    const now = deps.clock.now().toISOString();
    return deps.db.transaction().execute(async (tx) => {
      const fields = this.groupFields(d, r);
      if (fields.external_id) {
        const clash = await tx
          .selectFrom('directory_groups')
          .select('id')
          .where('directory_id', '=', d.id)
          .where('external_id', '=', fields.external_id)
          .executeTakeFirst();
        if (clash)
          throw scimError(
            409,
            `A group with externalId ${quote(fields.external_id)} already exists (id ${clash.id}).`,
            'uniqueness',
          );
      }
      const g: DirectoryGroupTable = {
        id: deps.ids.next('directory_group'),
        environment_id: d.environment_id,
        directory_id: d.id,
        ...fields,
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto('directory_groups').values(g).execute();
      await appendEvent(tx, deps, {
        environmentId: d.environment_id,
        event: 'dsync.group.created',
        data: { ...groupToWire(g) },
        organizationId: d.organization_id,
      });
      await this.changeMembers(tx, d, g.id, this.memberIds(r), []);
      return this.groupResource(tx, d, g);
    });
  }

  async getGroupResource(d: DirectoryTable, id: string) {
    return this.groupResource(this.deps.db, d, await this.groupRow(this.deps.db, d, id));
  }

  async listGroupResources(d: DirectoryTable, filter: string | undefined, startIndex: number, count: number) {
    const ast = filter ? parseFilter(filter) : null;
    if (ast) assertFilterable(ast, 'Group');
    const rows = await this.deps.db
      .selectFrom('directory_groups')
      .selectAll()
      .where('directory_id', '=', d.id)
      .orderBy('id')
      .execute();
    const all: ScimResource[] = [];
    for (const g of rows) {
      const r = await this.groupResource(this.deps.db, d, g);
      if (!ast || matchesFilter(ast, r)) all.push(r);
    }
    return { total: all.length, page: all.slice(startIndex - 1, startIndex - 1 + count) };
  }

  private async updateGroupFields(tx: Tx, d: DirectoryTable, g: DirectoryGroupTable, r: ScimResource) {
    const fields = this.groupFields(d, r);
    const now = this.deps.clock.now().toISOString();
    if (
      fields.display_name !== g.display_name ||
      fields.resource !== g.resource ||
      fields.external_id !== g.external_id
    ) {
      const next = { ...g, ...fields, updated_at: now };
      await tx.updateTable('directory_groups').set(next).where('id', '=', g.id).execute();
      await appendEvent(tx, this.deps, {
        environmentId: d.environment_id,
        event: 'dsync.group.updated',
        data: {
          ...groupToWire(next),
          previous_attributes: fields.display_name !== g.display_name ? { name: g.display_name } : {},
        },
        organizationId: d.organization_id,
      });
      return next;
    }
    return g;
  }

  /** PUT: the full group, members included (Okta sends membership this way). */
  async replaceGroup(d: DirectoryTable, id: string, body: unknown, persona: Persona) {
    const r = normaliseResource(body, 'Group', persona);
    return this.deps.db.transaction().execute(async (tx) => {
      const g = await this.groupRow(tx, d, id);
      const next = await this.updateGroupFields(tx, d, g, r);
      if (r.members !== undefined) {
        const current = (
          await tx
            .selectFrom('directory_group_members')
            .select('user_id')
            .where('group_id', '=', g.id)
            .execute()
        ).map((m) => m.user_id);
        const wanted = this.memberIds(r);
        await this.changeMembers(
          tx,
          d,
          g.id,
          wanted.filter((x) => !current.includes(x)),
          current.filter((x) => !wanted.includes(x)),
        );
      }
      return this.groupResource(tx, d, next);
    });
  }

  async patchGroup(d: DirectoryTable, id: string, body: unknown, persona: Persona) {
    const ops = normalisePatch(body, persona);
    return this.deps.db.transaction().execute(async (tx) => {
      const g = await this.groupRow(tx, d, id);
      const current = await this.groupResource(tx, d, g);
      const result = applyPatch(current, ops, 'Group');
      const next = await this.updateGroupFields(tx, d, g, result.resource);
      await this.changeMembers(tx, d, g.id, result.membersAdded, result.membersRemoved);
      return this.groupResource(tx, d, next);
    });
  }

  async deleteGroup(d: DirectoryTable, id: string) {
    await this.deps.db.transaction().execute(async (tx) => {
      const g = await this.groupRow(tx, d, id);
      await tx.deleteFrom('directory_groups').where('id', '=', g.id).execute();
      await appendEvent(tx, this.deps, {
        environmentId: d.environment_id,
        event: 'dsync.group.deleted',
        data: { ...groupToWire(g) },
        organizationId: d.organization_id,
      });
    });
  }

  // ── request log ─────────────────────────────────────────────────────────

  async logRequest(
    d: DirectoryTable,
    r: {
      method: string;
      path: string;
      status: number;
      durationMs: number;
      body: string | null;
      error: string | null;
      userAgent: string | null;
    },
  ) {
    await this.deps.db
      .insertInto('scim_requests')
      .values({
        id: this.deps.ids.next('scim_request'),
        environment_id: d.environment_id,
        directory_id: d.id,
        method: r.method,
        path: r.path,
        status: r.status,
        duration_ms: r.durationMs,
        request_body: r.body,
        error: r.error,
        user_agent: r.userAgent,
        created_at: this.deps.clock.now().toISOString(),
      })
      .execute();
  }

  async requestLog(env: string, directoryId: string, limit: number) {
    await this.get(env, directoryId);
    const rows = await this.deps.db
      .selectFrom('scim_requests')
      .selectAll()
      .where('directory_id', '=', directoryId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      object: 'scim_request',
      id: r.id,
      method: r.method,
      path: r.path,
      status: r.status,
      duration_ms: r.duration_ms,
      request_body: r.request_body ? JSON.parse(r.request_body) : null,
      error: r.error,
      user_agent: r.user_agent,
      created_at: r.created_at,
    }));
  }
}

const SECRET_KEY = /password|secret|token/i;

/**
 * A parsed JSON value with the values of password-, secret- and token-named keys redacted, and
 * the `value` of a PATCH operation whose `path` names one (`{"path":"password","value":"…"}`).
 */
export function redactSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactSecrets);
  if (v && typeof v === 'object') {
    const entries = Object.entries(v);
    const path = entries.find(([k]) => k.toLowerCase() === 'path')?.[1];
    const secretPath = typeof path === 'string' && SECRET_KEY.test(path);
    return Object.fromEntries(
      entries.map(([k, x]) => [
        k,
        SECRET_KEY.test(k) || (secretPath && k.toLowerCase() === 'value') ? '[redacted]' : redactSecrets(x),
      ]),
    );
  }
  return v;
}

/** Redacts secrets from a logged SCIM body (passwords, tokens) and caps its size. */
export function redactScimBody(text: string): string | null {
  if (!text) return null;
  // A body the shared parser refused as too deep is not walked (redactSecrets recurses).
  if (jsonTooDeep(text)) return JSON.stringify({ refused: 'body_too_deep', bytes: text.length });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Text that is not JSON cannot be redacted by key: kept only when it names no secret.
    return SECRET_KEY.test(text)
      ? JSON.stringify({
          unparsed: '[redacted: the body names a password, secret or token]',
          bytes: text.length,
        })
      : JSON.stringify({ unparsed: text.slice(0, 200) });
  }
  const out = JSON.stringify(redactSecrets(parsed));
  return out.length > 8192 ? JSON.stringify({ truncated: true, bytes: text.length }) : out;
}

export { ENTERPRISE };
