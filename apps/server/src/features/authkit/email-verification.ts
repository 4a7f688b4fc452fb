/**
 * Email verification (reference §4.3): a six-digit code emailed to the user, confirmed through the
 * API (`verifyEmail`), the email-verification grant, or the hosted code page. Rows live in
 * `email_verifications`, owned here; the user's `email_verified` flag is written by UserService.
 */
import { sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { UserTable } from '../../platform/schema.ts';
import type { RequestMeta } from '../../platform/sign-in.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import type { EmailService } from '../email/service.ts';
import { appendEvent } from '../events/outbox.ts';
import type { UserService } from '../users/service.ts';
import { userToWire } from '../users/wire.ts';
import {
  checkCode,
  codeEventData,
  codeToWire,
  consumeCode,
  ONE_TIME_CODE_TTL_MS,
  recentCodes,
  sixDigits,
} from './one-time-codes.ts';

export class EmailVerificationService {
  constructor(
    private deps: Deps,
    private users: UserService,
    private emails: EmailService,
    private limiter: RateLimiter,
  ) {}

  /** Creates a code for the user's email and queues the email, in the caller's transaction. */
  async issue(tx: Queryable, user: UserTable, meta: RequestMeta) {
    const { deps } = this;
    const code = sixDigits(deps);
    const now = deps.clock.now();
    const row = {
      id: deps.ids.next('email_verification'),
      environment_id: user.environment_id,
      user_id: user.id,
      email: user.email,
      code_hash: sha256(code),
      code_sealed: deps.secrets.seal(code),
      attempts: 0,
      invitation_token: null,
      ip_address: meta.ip,
      user_agent: meta.userAgent,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ONE_TIME_CODE_TTL_MS).toISOString(),
      used_at: null,
    };
    await tx.insertInto('email_verifications').values(row).execute();
    await this.emails.enqueue(tx, {
      environmentId: user.environment_id,
      template: 'email_verification',
      to: user.email,
      data: { code, email: user.email },
    });
    const wire = codeToWire(deps, 'email_verification', row);
    await appendEvent(tx, deps, {
      environmentId: user.environment_id,
      event: 'email_verification.created',
      data: codeEventData(wire),
    });
    return wire;
  }

  /** `sendVerificationEmail`: 3 per minute per user (WorkOS's limit). */
  async send(env: string, userId: string) {
    const user = await this.users.row(this.deps.db, env, userId);
    if (user.email_verified === 1) throw new AppError('email_already_verified');
    await this.limiter.shared(`email_verification:${env}:${user.id}`, 3, 60_000);
    await this.deps.db.transaction().execute((tx) => this.issue(tx, user, { ip: null, userAgent: null }));
    return { user: userToWire(user) };
  }

  /** A new code for a sign-in waiting on verification (the hosted page's "Send a new code"). */
  async resend(env: string, userId: string, meta: RequestMeta) {
    const user = await this.users.row(this.deps.db, env, userId);
    await this.limiter.shared(`email_verification:${env}:${user.id}`, 3, 60_000);
    await this.deps.db.transaction().execute((tx) => this.issue(tx, user, meta));
  }

  async get(env: string, id: string) {
    const row = await this.deps.db
      .selectFrom('email_verifications')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Email verification', id, 'email_verification');
    return codeToWire(this.deps, 'email_verification', row);
  }

  /**
   * Checks a code for the user (outside any transaction: wrong tries are counted and throttled per
   * user whatever happens next) and returns what consumes it and marks the email verified inside
   * the transaction that acts on it.
   */
  async check(env: string, userId: string, code: string) {
    const user = await this.users.row(this.deps.db, env, userId);
    await this.limiter.shared(`email_verification_code:${user.environment_id}:${user.id}`, 10, 60_000);
    const rows = await recentCodes(this.deps.db, 'email_verifications', user.environment_id, {
      userId: user.id,
    });
    const row = await checkCode(this.deps, 'email_verifications', rows, code);
    return async (tx: Queryable) => {
      await consumeCode(this.deps, tx, 'email_verifications', row);
      return this.users.markEmailVerified(tx, user, {
        actor: { id: user.id, source: 'system', name: 'Email verification' },
      });
    };
  }

  /** `verifyEmail({ userId, code })`. */
  async confirm(env: string, userId: string, code: string) {
    const user = await this.users.row(this.deps.db, env, userId);
    if (user.email_verified === 1) throw new AppError('email_already_verified');
    const apply = await this.check(env, userId, code);
    const verified = await this.deps.db.transaction().execute((tx) => apply(tx));
    return { user: userToWire(verified) };
  }
}
