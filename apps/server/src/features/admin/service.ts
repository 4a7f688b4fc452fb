/**
 * The developer dashboard's own accounts (admin users) and their browser sessions.
 *
 * Invariants:
 * - The first admin is created by `portico start` when none exists, once across processes that
 *   start together; a generated password is returned once (the caller prints it) and never
 *   logged or stored in clear (argon2id only).
 * - A session token is 32 random bytes, sent only in the HttpOnly cookie and stored as its
 *   SHA-256; sessions last 12 hours and end on sign-out (revoked_at).
 * - The CSRF token is HMAC(master-key-derived key, session id): the dashboard reads it from
 *   `GET /_admin/session` (same-origin only) and sends it as `X-Portico-CSRF`; it is compared in
 *   constant time on every cookie-authenticated request.
 * - Sign-in spends the same argon2id time for unknown emails, and is rate-limited per IP and per
 *   email in the shared (database) limiter so every node of a cluster counts the attempts.
 */
import { createHmac } from 'node:crypto';
import { verify as argonVerify } from '@node-rs/argon2';
import { constantTimeEqual, sha256 } from '../../platform/crypto.ts';
import { isUniqueViolation, serialized } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { token } from '../../platform/random.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { hashPassword, passwordProblem } from '../users/passwords.ts';

export const ADMIN_SESSION_HOURS = 12;
export const ADMIN_COOKIE = 'portico_admin';

export interface AdminIdentity {
  sessionId: string;
  adminUserId: string;
  email: string;
}

export interface AdminBootstrap {
  created: boolean;
  email: string;
  /** Present only when this call generated the password (print it once, never log it). */
  password?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export class AdminService {
  private dummyHash: Promise<string> | null = null;
  private env: { id: string; client_id: string; name: string } | null = null;

  constructor(
    private deps: Deps,
    private limiter: RateLimiter,
  ) {}

  /** The environment the dashboard manages: the first one (environments are never deleted). */
  async environment() {
    if (this.env) return this.env;
    const env = await this.deps.db
      .selectFrom('environments')
      .select(['id', 'client_id', 'name'])
      .orderBy('created_at', 'asc')
      .executeTakeFirst();
    if (!env)
      throw new AppError('internal_error', { message: 'No environment exists yet: restart Portico.' });
    this.env = env;
    return env;
  }

  /**
   * `portico start` only: creates the first admin when the table is empty (PORTICO_ADMIN_EMAIL /
   * PORTICO_ADMIN_PASSWORD), exactly once however many processes start together; only the one
   * that created it gets the generated password back, to print once.
   */
  async bootstrap(): Promise<AdminBootstrap> {
    const { deps } = this;
    const { config } = deps;
    // Hash the stand-in for unknown emails now, so the first such sign-in costs no more than others.
    await this.dummy();
    const existing = await deps.db.selectFrom('admin_users').select('email').limit(1).executeTakeFirst();
    if (existing) return { created: false, email: existing.email };
    const password = config.adminPassword ?? this.generatePassword();
    // argon2id takes a while: hash before taking the lock, so other processes wait only for the insert.
    const hash = await hashPassword(password);
    const email = config.adminEmail.trim().toLowerCase();
    const raced = await serialized(deps, 'bootstrap:first-admin', async (tx) => {
      const again = await tx.selectFrom('admin_users').select('email').limit(1).executeTakeFirst();
      if (again) return again;
      await tx
        .insertInto('admin_users')
        .values({
          id: deps.ids.next('admin_user'),
          email,
          password_hash: hash,
          created_at: deps.clock.now().toISOString(),
          last_sign_in_at: null,
        })
        .execute();
      return null;
    });
    if (raced) return { created: false, email: raced.email };
    return { created: true, email, password: config.adminPassword ? undefined : password };
  }

  /**
   * Creates an admin, or resets the password of an existing one and ends its sessions (for a
   * lost password: `portico admin create --email …`). Returns the password when generated.
   */
  async createOrReset(email: string, password?: string): Promise<{ created: boolean; password?: string }> {
    const normalised = email.trim().toLowerCase();
    if (!EMAIL.test(normalised)) {
      throw new AppError('invalid_request_parameters', {
        message: `'${email}' is not an email address.`,
        errors: [{ field: 'email', code: 'invalid_format' }],
      });
    }
    const value = password ?? this.generatePassword();
    const problem = passwordProblem(value);
    if (problem) throw new AppError('password_strength_error', { message: problem });
    const hash = await hashPassword(value);
    const now = this.deps.clock.now().toISOString();
    const created = await this.deps.db.transaction().execute(async (tx) => {
      const found = await tx
        .selectFrom('admin_users')
        .select('id')
        .where('email', '=', normalised)
        .executeTakeFirst();
      if (found) {
        await tx.updateTable('admin_users').set({ password_hash: hash }).where('id', '=', found.id).execute();
        await tx
          .updateTable('admin_sessions')
          .set({ revoked_at: now })
          .where('admin_user_id', '=', found.id)
          .where('revoked_at', 'is', null)
          .execute();
        return false;
      }
      await tx
        .insertInto('admin_users')
        .values({
          id: this.deps.ids.next('admin_user'),
          email: normalised,
          password_hash: hash,
          created_at: now,
          last_sign_in_at: null,
        })
        .execute();
      return true;
    });
    return { created, password: password ? undefined : value };
  }

  async listAdmins() {
    return this.deps.db
      .selectFrom('admin_users')
      .select(['id', 'email', 'created_at', 'last_sign_in_at'])
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  /** A new dashboard admin with a generated password, returned only here. */
  async addAdmin(email: string) {
    const normalised = email.trim().toLowerCase();
    const password = this.generatePassword();
    try {
      await this.insert(normalised, password);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('admin_already_exists', {
          message: `A dashboard admin with the email ${normalised} already exists. To give them a new password, run \`npm run portico -- admin create --email ${normalised}\`.`,
        });
      throw err;
    }
    const row = (await this.listAdmins()).find((a) => a.email === normalised)!;
    return { ...row, password };
  }

  /** Removes another admin; their sessions go with the account (ON DELETE CASCADE). */
  async removeAdmin(id: string, self: string) {
    if (id === self) throw new AppError('admin_cannot_remove_self');
    const r = await this.deps.db.deleteFrom('admin_users').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1)
      throw new AppError('entity_not_found', { message: `No dashboard admin ${id}.` });
  }

  private async insert(email: string, password: string) {
    await this.deps.db
      .insertInto('admin_users')
      .values({
        id: this.deps.ids.next('admin_user'),
        email: email.trim().toLowerCase(),
        password_hash: await hashPassword(password),
        created_at: this.deps.clock.now().toISOString(),
        last_sign_in_at: null,
      })
      .execute();
  }

  /** 24 characters from a 56-letter alphabet without look-alikes (~140 bits). */
  private generatePassword(): string {
    const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const bytes = this.deps.random.bytes(48);
    let out = '';
    for (const b of bytes) {
      if (b >= alphabet.length * 4) continue; // rejection sampling keeps the draw uniform
      out += alphabet[b % alphabet.length];
      if (out.length === 24) break;
    }
    return out.length === 24 ? out : this.generatePassword();
  }

  /** Verifies the password and opens a session; the token goes only into the cookie. */
  async signIn(email: string, password: string, ip: string | null) {
    const { deps } = this;
    const normalised = email.trim().toLowerCase();
    const window = 60_000;
    const perEmail = deps.config.rateLimitCredentials;
    await this.limiter.shared(`admin-signin-ip:${ip ?? 'unknown'}`, perEmail * 3, window);
    await this.limiter.shared(`admin-signin-email:${sha256(normalised)}`, perEmail, window);
    const user = await deps.db
      .selectFrom('admin_users')
      .selectAll()
      .where('email', '=', normalised)
      .executeTakeFirst();
    // Unknown emails spend the same argon2id verification as known ones.
    const hash = user?.password_hash ?? (await this.dummy());
    const ok = await argonVerify(hash, password).catch(() => false);
    if (!user || !ok) throw new AppError('admin_sign_in_failed');
    const value = token(deps.random, 32);
    const now = deps.clock.now();
    const id = deps.ids.next('admin_session');
    const expiresAt = new Date(now.getTime() + ADMIN_SESSION_HOURS * 3_600_000).toISOString();
    await deps.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('admin_sessions')
        .values({
          id,
          admin_user_id: user.id,
          token_hash: sha256(value),
          created_at: now.toISOString(),
          expires_at: expiresAt,
          revoked_at: null,
        })
        .execute();
      await tx
        .updateTable('admin_users')
        .set({ last_sign_in_at: now.toISOString() })
        .where('id', '=', user.id)
        .execute();
    });
    return {
      token: value,
      expiresAt,
      identity: { sessionId: id, adminUserId: user.id, email: user.email } satisfies AdminIdentity,
    };
  }

  private dummy() {
    this.dummyHash ??= hashPassword(token(this.deps.random, 16));
    return this.dummyHash;
  }

  /** The admin behind a session cookie value, or null (unknown, expired or signed out). */
  async resolve(cookieValue: string | undefined): Promise<AdminIdentity | null> {
    if (!cookieValue || cookieValue.length > 200) return null;
    const row = await this.deps.db
      .selectFrom('admin_sessions')
      .innerJoin('admin_users', 'admin_users.id', 'admin_sessions.admin_user_id')
      .select([
        'admin_sessions.id as sessionId',
        'admin_users.id as adminUserId',
        'admin_users.email as email',
      ])
      .where('admin_sessions.token_hash', '=', sha256(cookieValue))
      .where('admin_sessions.revoked_at', 'is', null)
      .where('admin_sessions.expires_at', '>', this.deps.clock.now().toISOString())
      .executeTakeFirst();
    return row ?? null;
  }

  async signOut(cookieValue: string | undefined) {
    if (!cookieValue) return;
    await this.deps.db
      .updateTable('admin_sessions')
      .set({ revoked_at: this.deps.clock.now().toISOString() })
      .where('token_hash', '=', sha256(cookieValue))
      .where('revoked_at', 'is', null)
      .execute();
  }

  csrfFor(sessionId: string) {
    const key = createHmac('sha256', this.deps.config.secret).update('admin-csrf-v1').digest();
    return createHmac('sha256', key).update(sessionId).digest('base64url');
  }

  checkCsrf(sessionId: string, submitted: string | undefined) {
    if (!submitted) return false;
    return constantTimeEqual(this.csrfFor(sessionId), submitted);
  }

  /** Active AuthKit sessions of an environment with their user's email (newest first). */
  async activeSessions(environmentId: string, p: { limit: number; after?: string; user_id?: string }) {
    const now = this.deps.clock.now().toISOString();
    let q = this.deps.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as id',
        'sessions.user_id as user_id',
        'users.email as email',
        'sessions.organization_id as organization_id',
        'sessions.authentication_method as authentication_method',
        'sessions.impersonator_email as impersonator_email',
        'sessions.ip_address as ip_address',
        'sessions.user_agent as user_agent',
        'sessions.created_at as created_at',
        'sessions.expires_at as expires_at',
      ])
      .where('sessions.environment_id', '=', environmentId)
      .where('users.environment_id', '=', environmentId)
      .where('sessions.status', '=', 'active')
      .where('sessions.expires_at', '>', now);
    if (p.user_id) q = q.where('sessions.user_id', '=', p.user_id);
    if (p.after) q = q.where('sessions.id', '<', p.after);
    const rows = await q
      .orderBy('sessions.id', 'desc')
      .limit(p.limit + 1)
      .execute();
    const more = rows.length > p.limit;
    const data = rows.slice(0, p.limit);
    return { data, after: more ? (data[data.length - 1]?.id ?? null) : null };
  }
}
