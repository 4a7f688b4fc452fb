/**
 * The password identity module: checks an email and password and returns who it is. Failures are
 * rate limited per email (shared across nodes through the database) and recorded as
 * `authentication.password_failed`; the error never says whether the email exists, and a missing
 * account costs the same argon2id verification as a wrong password.
 */
import type { Deps } from '../../../platform/deps.ts';
import { AppError } from '../../../platform/errors.ts';
import type { RequestMeta, UserIdentity } from '../../../platform/sign-in.ts';
import type { RateLimiter } from '../../../surfaces/common.ts';
import { appendEvent } from '../../events/outbox.ts';
import { hashPassword, verifyPassword } from '../../users/passwords.ts';
import type { UserService } from '../../users/service.ts';
import { lockoutEvent } from './lockout.ts';

// An argon2id hash of a random string, verified when the account does not exist.
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0eV4BPMPNDBqhqfCmKX8DwLsWbHxh3oOp4sqBZOi6Yg';

export class PasswordIdentity {
  constructor(
    private deps: Deps,
    private users: UserService,
    private limiter: RateLimiter,
  ) {}

  async verify(env: string, emailRaw: string, password: string, meta: RequestMeta): Promise<UserIdentity> {
    const email = emailRaw.trim().toLowerCase();
    await this.limiter.shared(
      `cred:${env}:${email}`,
      this.deps.config.rateLimitCredentials,
      60_000,
      lockoutEvent(this.deps, env, 'password', email, meta),
    );
    const user = await this.users.byEmail(this.deps.db, env, email);
    const result = user?.password_hash
      ? await verifyPassword(user.password_hash, password)
      : { ok: false, needsRehash: false };
    if (!user?.password_hash) {
      // Spend comparable time so a missing account is not distinguishable by latency.
      await verifyPassword(DUMMY_HASH, password);
    }
    if (!user || !result.ok) {
      await appendEvent(this.deps.db, this.deps, {
        environmentId: env,
        event: 'authentication.password_failed',
        data: {
          type: 'password',
          status: 'failed',
          user_id: user?.id ?? null,
          email,
          ip_address: meta.ip,
          user_agent: meta.userAgent,
          error: { code: 'invalid_credentials', message: 'Invalid credentials.' },
        },
      });
      throw new AppError('invalid_credentials');
    }
    if (result.needsRehash) await this.users.upgradePasswordHash(env, user.id, await hashPassword(password));
    return {
      kind: 'user',
      userId: user.id,
      environmentId: env,
      method: 'Password',
      eventType: 'password',
      organizationId: null,
      meta,
    };
  }
}
