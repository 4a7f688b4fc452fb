/**
 * AuthKit users (reference §4.3): create with a password or an imported hash, read, list,
 * update, delete. Emails are unique per environment and stored lower-cased.
 */
import type { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound, quote } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import type { UserTable } from '../../platform/schema.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import { checkPassword, type PasswordIssue } from './password-policy.ts';
import { type HashType, hashPassword, InvalidHashError, normaliseImportedHash } from './passwords.ts';
import { userRepo as repo } from './repo.ts';
import { type CreateUserBody, type UpdateUserBody, userToWire } from './wire.ts';

function splitName(name: string | null | undefined) {
  if (!name) return { first: null, last: null };
  const [first, ...rest] = name.trim().split(/\s+/);
  return { first: first || null, last: rest.join(' ') || null };
}

/** Rows that belong to one user and go with them (besides sessions, codes and memberships). */
const USER_OWNED = [
  'auth_factors',
  'mfa_recovery_codes',
  'user_identities',
  'oauth_link_codes',
  'email_verifications',
  'magic_auths',
  'password_resets',
  'pending_authentications',
] as const;

/** What must go with a deleted user, in the same transaction (another feature's rows). */
export type UserDeleteHook = (tx: Queryable, env: string, userId: string) => Promise<void>;

export class UserService {
  private deleteHooks: UserDeleteHook[] = [];
  constructor(private deps: Deps) {}

  /** Registers what must go with a deleted user (its passkeys, for one); app.ts wires them. */
  onDelete(hook: UserDeleteHook) {
    this.deleteHooks.push(hook);
  }

  async get(env: string, id: string) {
    const u = await repo.get(this.deps.db, env, id);
    if (!u) throw notFound('User', id);
    return userToWire(u);
  }

  async getByExternalId(env: string, externalId: string) {
    const u = await repo.getByExternalId(this.deps.db, env, externalId);
    if (!u) throw notFound('User with external_id', externalId);
    return userToWire(u);
  }

  async list(env: string, p: Pagination, filter: { email?: string; organizationId?: string }) {
    let qb = this.deps.db.selectFrom('users').selectAll().where('environment_id', '=', env);
    if (filter.email) qb = qb.where('email', '=', filter.email.toLowerCase());
    if (filter.organizationId) {
      const orgId = filter.organizationId;
      qb = qb.where('id', 'in', (sub) =>
        sub
          .selectFrom('organization_memberships')
          .select('user_id')
          .where('environment_id', '=', env)
          .where('organization_id', '=', orgId),
      );
    }
    const page = await paginate(qb, 'id', p);
    return { data: page.rows.map(userToWire), list_metadata: page.list_metadata };
  }

  /** Turns password / password_hash input into the stored hash (or undefined when neither is given). */
  async passwordHashFor(
    body: { password?: string; password_hash?: string; password_hash_type?: HashType },
    who: { email?: string | null; first_name?: string | null; last_name?: string | null } = {},
  ) {
    if (body.password !== undefined && body.password_hash !== undefined)
      throw new AppError('password_and_hash_conflict');
    if (body.password !== undefined) {
      this.assertPasswordPolicy(body.password, [who.email, who.first_name, who.last_name], 'password');
      return hashPassword(body.password);
    }
    if (body.password_hash !== undefined) {
      if (!body.password_hash_type) {
        throw new AppError('invalid_password_hash', {
          message:
            'password_hash_type is required with password_hash (bcrypt, scrypt, pbkdf2, firebase-scrypt or argon2).',
          errors: [{ field: 'password_hash_type', code: 'required' }],
        });
      }
      try {
        return normaliseImportedHash(body.password_hash_type, body.password_hash);
      } catch (err) {
        if (!(err instanceof InvalidHashError)) throw err;
        throw new AppError('invalid_password_hash', {
          message: `password_hash is not a valid ${body.password_hash_type} hash: ${err.message}.`,
          errors: [{ field: 'password_hash', code: 'invalid_password_hash', message: err.message }],
        });
      }
    }
    return undefined;
  }

  /**
   * Refuses a new plaintext password that breaks the policy (features/users/password-policy.ts)
   * with `password_strength_error`, one `errors[]` entry per broken rule naming `field`.
   */
  assertPasswordPolicy(password: string, userInputs: (string | null | undefined)[], field: string) {
    const issues: PasswordIssue[] = checkPassword(password, this.deps.config.passwordPolicy, userInputs);
    if (!issues.length) return;
    throw new AppError('password_strength_error', {
      message: issues.map((i) => i.message).join(' '),
      errors: issues.map((i) => ({ field, code: i.code, message: i.message })),
    });
  }

  /**
   * `inTx`, when given, runs in the same transaction right after the user is inserted (the hosted
   * sign-up accepts an invitation there, so the user and their membership commit together).
   */
  async create(
    env: string,
    body: z.output<typeof CreateUserBody>,
    ctx: EventContext,
    inTx?: (tx: Queryable, user: UserTable) => Promise<void>,
  ) {
    const { deps } = this;
    const split = splitName(body.name);
    const passwordHash = await this.passwordHashFor(body, {
      email: body.email,
      first_name: body.first_name ?? split.first,
      last_name: body.last_name ?? split.last,
    });
    const now = deps.clock.now().toISOString();
    return deps.db.transaction().execute(async (tx) => {
      if (await repo.getByEmail(tx, env, body.email)) {
        throw new AppError('user_creation_error', {
          message: `A user with the email '${body.email}' already exists in this environment. Update that user instead.`,
          errors: [{ field: 'email', code: 'email_not_available', message: 'This email is already in use.' }],
        });
      }
      if (body.external_id && (await repo.getByExternalId(tx, env, body.external_id))) {
        throw new AppError('user_creation_error', {
          message: `Another user already has external_id ${quote(body.external_id)}.`,
          errors: [{ field: 'external_id', code: 'external_id_not_available' }],
        });
      }
      const row: UserTable = {
        id: deps.ids.next('user'),
        environment_id: env,
        email: body.email,
        email_verified: body.email_verified ? 1 : 0,
        first_name: body.first_name ?? split.first,
        last_name: body.last_name ?? split.last,
        profile_picture_url: null,
        password_hash: passwordHash ?? null,
        last_sign_in_at: null,
        locale: null,
        external_id: body.external_id ?? null,
        metadata: JSON.stringify(
          Object.fromEntries(Object.entries(body.metadata ?? {}).filter(([, v]) => v !== null)),
        ),
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto('users').values(row).execute();
      const wire = userToWire(row);
      await appendEvent(tx, deps, { environmentId: env, event: 'user.created', data: wire, context: ctx });
      if (inTx) await inTx(tx, row);
      return wire;
    });
  }

  /** A user read inside the caller's transaction (the sign-in pipeline's). */
  async row(q: Queryable, env: string, id: string): Promise<UserTable> {
    const u = await repo.get(q, env, id);
    if (!u) throw notFound('User', id);
    return u;
  }

  async byEmail(q: Queryable, env: string, email: string): Promise<UserTable | undefined> {
    return repo.getByEmail(q, env, email);
  }

  /**
   * Just-in-time provisioning inside the sign-in's transaction: the user with this email, or a new
   * one (no password; `user.created` with the provisioning actor). An existing user is left as is.
   */
  async provision(
    q: Queryable,
    env: string,
    p: { email: string; firstName: string | null; lastName: string | null; emailVerified: boolean },
    ctx: EventContext,
  ): Promise<UserTable> {
    const { deps } = this;
    const existing = await repo.getByEmail(q, env, p.email);
    if (existing) return existing;
    const now = deps.clock.now().toISOString();
    const user: UserTable = {
      id: deps.ids.next('user'),
      environment_id: env,
      email: p.email.toLowerCase(),
      email_verified: p.emailVerified ? 1 : 0,
      first_name: p.firstName,
      last_name: p.lastName,
      profile_picture_url: null,
      password_hash: null,
      last_sign_in_at: null,
      locale: null,
      external_id: null,
      metadata: '{}',
      created_at: now,
      updated_at: now,
    };
    await q.insertInto('users').values(user).execute();
    await appendEvent(q, deps, {
      environmentId: env,
      event: 'user.created',
      data: userToWire(user),
      context: ctx,
    });
    return user;
  }

  /** Marks the user's email verified in the caller's transaction (`user.updated`); a no-op if it is. */
  async markEmailVerified(q: Queryable, user: UserTable, ctx: EventContext): Promise<UserTable> {
    if (user.email_verified === 1) return user;
    const next = { ...user, email_verified: 1, updated_at: this.deps.clock.now().toISOString() };
    await q
      .updateTable('users')
      .set({ email_verified: 1, updated_at: next.updated_at })
      .where('environment_id', '=', user.environment_id)
      .where('id', '=', user.id)
      .execute();
    await appendEvent(q, this.deps, {
      environmentId: user.environment_id,
      event: 'user.updated',
      data: userToWire(next),
      context: { ...ctx, previous_attributes: { email_verified: false } },
    });
    return next;
  }

  /** Stores a stronger hash of a password that was just verified (argon2id parameters moved on). */
  async upgradePasswordHash(env: string, id: string, hash: string) {
    await this.deps.db
      .updateTable('users')
      .set({ password_hash: hash })
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .execute();
  }

  async update(env: string, id: string, body: z.output<typeof UpdateUserBody>, ctx: EventContext) {
    const { deps } = this;
    const passwordHash = await this.passwordHashFor(body, {
      email: body.email,
      first_name: body.first_name,
      last_name: body.last_name,
    });
    const now = deps.clock.now().toISOString();
    return deps.db.transaction().execute(async (tx) => {
      const u = await repo.get(tx, env, id);
      if (!u) throw notFound('User', id);
      if (body.email && body.email !== u.email && (await repo.getByEmail(tx, env, body.email))) {
        throw new AppError('email_already_exists', {
          message: `A user with the email '${body.email}' already exists in this environment.`,
          errors: [{ field: 'email', code: 'email_not_available' }],
        });
      }
      if (body.external_id && body.external_id !== u.external_id) {
        const clash = await repo.getByExternalId(tx, env, body.external_id);
        if (clash && clash.id !== id) {
          throw new AppError('external_id_already_used', {
            message: `Another user already has external_id ${quote(body.external_id)}.`,
          });
        }
      }
      const split = body.name !== undefined ? splitName(body.name) : null;
      const metadata = { ...(JSON.parse(u.metadata) as Record<string, string>) };
      for (const [k, v] of Object.entries(body.metadata ?? {})) {
        if (v === null) delete metadata[k];
        else metadata[k] = v;
      }
      const next: UserTable = {
        ...u,
        email: body.email ?? u.email,
        email_verified:
          body.email_verified === undefined
            ? body.email && body.email !== u.email
              ? 0
              : u.email_verified
            : body.email_verified
              ? 1
              : 0,
        first_name: body.first_name !== undefined ? body.first_name : split ? split.first : u.first_name,
        last_name: body.last_name !== undefined ? body.last_name : split ? split.last : u.last_name,
        password_hash: passwordHash ?? u.password_hash,
        external_id: body.external_id === undefined ? u.external_id : body.external_id,
        locale: body.locale === undefined ? u.locale : body.locale,
        metadata: JSON.stringify(metadata),
        updated_at: now,
      };
      await tx
        .updateTable('users')
        .set(next)
        .where('environment_id', '=', env)
        .where('id', '=', id)
        .execute();
      const before = userToWire(u);
      const after = userToWire(next);
      const previous: Record<string, unknown> = {};
      for (const k of Object.keys(after) as (keyof typeof after)[]) {
        if (k !== 'updated_at' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
          previous[k] = before[k];
      }
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'user.updated',
        data: after,
        context: { ...ctx, previous_attributes: previous },
      });
      return after;
    });
  }

  async delete(env: string, id: string, ctx: EventContext) {
    const { deps } = this;
    await deps.db.transaction().execute(async (tx) => {
      const u = await repo.get(tx, env, id);
      if (!u) throw notFound('User', id);
      const sessions = await tx
        .selectFrom('sessions')
        .select('id')
        .where('environment_id', '=', env)
        .where('user_id', '=', id)
        .execute();
      const sessionIds = sessions.map((s) => s.id);
      if (sessionIds.length)
        await tx.deleteFrom('refresh_tokens').where('session_id', 'in', sessionIds).execute();
      await tx.deleteFrom('sessions').where('environment_id', '=', env).where('user_id', '=', id).execute();
      await tx
        .deleteFrom('authorization_codes')
        .where('environment_id', '=', env)
        .where('user_id', '=', id)
        .execute();
      await tx
        .deleteFrom('organization_memberships')
        .where('environment_id', '=', env)
        .where('user_id', '=', id)
        .execute();
      // Nothing that proves who the user was outlives them: factors (and their challenges),
      // recovery codes, linked provider accounts, and every code or pending step in flight.
      const factors = await tx
        .selectFrom('auth_factors')
        .select('id')
        .where('environment_id', '=', env)
        .where('user_id', '=', id)
        .execute();
      if (factors.length)
        await tx
          .deleteFrom('auth_challenges')
          .where('environment_id', '=', env)
          .where(
            'factor_id',
            'in',
            factors.map((f) => f.id),
          )
          .execute();
      for (const table of USER_OWNED)
        await tx.deleteFrom(table).where('environment_id', '=', env).where('user_id', '=', id).execute();
      for (const hook of this.deleteHooks) await hook(tx, env, id);
      await tx.deleteFrom('users').where('environment_id', '=', env).where('id', '=', id).execute();
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'user.deleted',
        data: userToWire(u),
        context: ctx,
      });
    });
  }
}
