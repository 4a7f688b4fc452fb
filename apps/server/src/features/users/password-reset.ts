/**
 * Password reset (WorkOS API reference "Password reset"; reference §4.6, §7 PasswordReset, §8):
 * create a one-time token for a user (`POST /user_management/password_reset`, and SDK 7's legacy
 * `/password_reset/send`), read it back, and consume it to set a new password
 * (`/password_reset/confirm`).
 *
 * Invariants:
 * - The token (32 random bytes from deps.random, base64url) is returned once, by create; only its
 *   SHA-256 is stored. `getPasswordReset` therefore answers `password_reset_token: ""` and the
 *   link base without the token (docs/password-reset.md "What GET returns").
 * - A token is valid for 15 minutes (WorkOS's own lifetime) and consumed once, by one atomic
 *   `UPDATE … SET used_at WHERE used_at IS NULL AND expires_at > now RETURNING`; a successful reset
 *   also spends the user's other outstanding tokens.
 * - A reset, in one transaction: the new argon2id hash, the email marked verified, every session
 *   of the user revoked (their refresh tokens stop working), `user.updated` and
 *   `password_reset.succeeded`. Create writes the row, `password_reset.created` and the email
 *   together. Events never carry the token or the URL.
 * - Create is limited to 3 per 60 s per email (reference §9), shared across nodes.
 */
import { sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound, quote } from '../../platform/errors.ts';
import { token } from '../../platform/random.ts';
import type { PasswordResetTable, UserTable } from '../../platform/schema.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import type { EnvironmentService } from '../environments/service.ts';
import { appendEvent, type EventContext } from '../events/outbox.ts';
import type { SessionService } from '../sessions/service.ts';
import { hashPassword } from './passwords.ts';
import { userRepo } from './repo.ts';
import type { UserService } from './service.ts';
import { type UserWire, userToWire } from './wire.ts';

export const PASSWORD_RESET_TTL_MS = 15 * 60 * 1000;
/** Reference §9: password reset send, 3 per 60 s per email. */
export const RESETS_PER_EMAIL = 3;

/** The email outbox (features/email/service.ts) as this feature uses it. */
export interface ResetMailer {
  enqueue(
    q: Queryable,
    input: {
      environmentId: string;
      template: 'password_reset';
      to: string;
      data: Record<string, string | null>;
    },
  ): Promise<string | null>;
}

export interface PasswordResetWire {
  object: 'password_reset';
  id: string;
  user_id: string;
  email: string;
  password_reset_token: string;
  password_reset_url: string;
  expires_at: string;
  created_at: string;
}

/** The link emailed to the user: the base URL with `token` added to its query. */
export function resetLink(base: string, secret: string): string {
  const url = new URL(base);
  url.searchParams.set('token', secret);
  return url.toString();
}

function toWire(row: PasswordResetTable, secret: string | null): PasswordResetWire {
  return {
    object: 'password_reset',
    id: row.id,
    user_id: row.user_id,
    email: row.email,
    password_reset_token: secret ?? '',
    password_reset_url: secret ? resetLink(row.password_reset_url, secret) : row.password_reset_url,
    expires_at: row.expires_at,
    created_at: row.created_at,
  };
}

/** The event payload: the object without its secret (reference §8). */
function eventData(row: PasswordResetTable) {
  return {
    object: 'password_reset',
    id: row.id,
    user_id: row.user_id,
    email: row.email,
    expires_at: row.expires_at,
    created_at: row.created_at,
  };
}

export interface CreateResetOptions {
  /** SDK 7's `sendPasswordResetEmail({ passwordResetUrl })`: the link base for this one reset. */
  passwordResetUrl?: string;
  /** The hosted sign-in the reset was started from (the success page returns to it). */
  authorizationRequestId?: string | null;
  context: EventContext;
}

export class PasswordResetService {
  constructor(
    private deps: Deps,
    private users: UserService,
    private sessions: SessionService,
    private environments: EnvironmentService,
    private limiter: RateLimiter,
    private mailer: ResetMailer,
  ) {}

  /** Throws `rate_limit_exceeded` past 3 requests per 60 s for this email (every node counts). */
  async throttle(env: string, email: string) {
    await this.limiter.shared(`pwreset:${env}:${email.trim().toLowerCase()}`, RESETS_PER_EMAIL, 60_000);
  }

  /**
   * Creates a reset for the user with `email`; `entity_not_found` when there is none (the API
   * caller is the application's server; the hosted page hides the difference, see `requestHosted`).
   */
  async create(env: string, emailRaw: string, opts: CreateResetOptions): Promise<PasswordResetWire> {
    const email = emailRaw.trim().toLowerCase();
    await this.throttle(env, email);
    const user = await userRepo.getByEmail(this.deps.db, env, email);
    if (!user) {
      throw new AppError('entity_not_found', {
        message: `User not found: no user in this environment has the email ${quote(email, 320)}. Create the user first, or check the address.`,
      });
    }
    return this.createFor(env, user, opts);
  }

  /**
   * The hosted "Forgot password?" form: the same answer (nothing) whether the email has an account
   * or not. Rate limits still apply (they count the email, not the account).
   */
  async requestHosted(env: string, emailRaw: string, opts: CreateResetOptions): Promise<void> {
    const email = emailRaw.trim().toLowerCase();
    await this.throttle(env, email);
    const user = await userRepo.getByEmail(this.deps.db, env, email);
    if (user) await this.createFor(env, user, opts);
  }

  private async createFor(env: string, user: UserTable, opts: CreateResetOptions) {
    const { deps } = this;
    const base = opts.passwordResetUrl ?? (await this.environments.passwordResetUrl(env)).effective;
    const secret = token(deps.random, 32);
    const now = deps.clock.now();
    const row: PasswordResetTable = {
      id: deps.ids.next('password_reset'),
      environment_id: env,
      user_id: user.id,
      email: user.email,
      token_hash: sha256(secret),
      password_reset_url: base,
      authorization_request_id: opts.authorizationRequestId ?? null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + PASSWORD_RESET_TTL_MS).toISOString(),
      used_at: null,
    };
    await deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('password_resets').values(row).execute();
      await this.mailer.enqueue(tx, {
        environmentId: env,
        template: 'password_reset',
        to: user.email,
        data: { url: resetLink(base, secret), email: user.email },
      });
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'password_reset.created',
        data: eventData(row),
        context: opts.context,
      });
    });
    return toWire(row, secret);
  }

  async get(env: string, id: string): Promise<PasswordResetWire> {
    const row = await this.deps.db
      .selectFrom('password_resets')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Password reset', id, 'password_reset');
    return toWire(row, null);
  }

  /**
   * The reset a token names, if it can still be used (the hosted page shows its form only then);
   * throws the token's error otherwise. `env` scopes it on the API; the hosted page passes none,
   * because the token itself names its environment.
   */
  async lookup(secret: string, env?: string): Promise<PasswordResetTable> {
    let q = this.deps.db.selectFrom('password_resets').selectAll().where('token_hash', '=', sha256(secret));
    if (env) q = q.where('environment_id', '=', env);
    const row = await q.executeTakeFirst();
    this.assertUsable(row);
    return row;
  }

  private assertUsable(row: PasswordResetTable | undefined): asserts row is PasswordResetTable {
    if (!row) throw new AppError('password_reset_token_invalid');
    if (row.used_at) throw new AppError('password_reset_token_used');
    if (row.expires_at <= this.deps.clock.now().toISOString())
      throw new AppError('password_reset_token_expired');
  }

  /**
   * Sets the new password from a token: checks the token and the policy first (a refusal changes
   * nothing), then in one transaction consumes the token, stores the hash, verifies the email,
   * spends the user's other tokens, revokes every session, and writes the events.
   */
  async confirm(
    secret: string,
    newPassword: string,
    opts: { env?: string; context: EventContext },
  ): Promise<{ user: UserWire; reset: PasswordResetTable }> {
    const { deps } = this;
    const found = await this.lookup(secret, opts.env);
    const env = found.environment_id;
    const before = await userRepo.get(deps.db, env, found.user_id);
    if (!before) throw new AppError('password_reset_token_invalid');
    this.users.assertPasswordPolicy(
      newPassword,
      [before.email, before.first_name, before.last_name],
      'new_password',
    );
    const hash = await hashPassword(newPassword);
    return deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now().toISOString();
      const consumed = await tx
        .updateTable('password_resets')
        .set({ used_at: now })
        .where('environment_id', '=', env)
        .where('token_hash', '=', found.token_hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      if (!consumed) {
        // Spent (or expired) between the check above and now: say which.
        const row = await tx
          .selectFrom('password_resets')
          .selectAll()
          .where('id', '=', found.id)
          .executeTakeFirst();
        this.assertUsable(row);
        throw new AppError('password_reset_token_used');
      }
      const u = await userRepo.get(tx, env, consumed.user_id);
      if (!u) throw new AppError('password_reset_token_invalid');
      const next: UserTable = { ...u, password_hash: hash, email_verified: 1, updated_at: now };
      await tx
        .updateTable('users')
        .set({ password_hash: hash, email_verified: 1, updated_at: now })
        .where('environment_id', '=', env)
        .where('id', '=', u.id)
        .execute();
      await tx
        .updateTable('password_resets')
        .set({ used_at: now })
        .where('environment_id', '=', env)
        .where('user_id', '=', u.id)
        .where('used_at', 'is', null)
        .execute();
      await this.sessions.endAllForUser(tx, env, u.id, 'password_reset');
      const wire = userToWire(next);
      const previous = u.email_verified === 1 ? {} : { email_verified: false };
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'user.updated',
        data: wire,
        context: { ...opts.context, previous_attributes: previous },
      });
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'password_reset.succeeded',
        data: eventData(consumed),
        context: opts.context,
      });
      return { user: wire, reset: consumed };
    });
  }
}
