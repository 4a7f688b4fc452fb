/**
 * The Magic Auth identity module (reference §4.6): a six-digit code emailed to an address proves
 * the address. `create` issues the code (3 per minute per email, as WorkOS); `check` returns who
 * the code proves — the user with that email, or, for a new email, a verified profile that AuthKit
 * signs up — plus the step that consumes the code inside the sign-in's transaction. Rows live in
 * `magic_auths`, owned here.
 */
import { z } from 'zod';
import { sha256 } from '../../../platform/crypto.ts';
import type { Queryable } from '../../../platform/db.ts';
import type { Deps } from '../../../platform/deps.ts';
import { AppError, notFound } from '../../../platform/errors.ts';
import type { RequestMeta, VerifiedIdentity } from '../../../platform/sign-in.ts';
import type { RateLimiter } from '../../../surfaces/common.ts';
import type { EmailService } from '../../email/service.ts';
import { appendEvent } from '../../events/outbox.ts';
import type { UserService } from '../../users/service.ts';
import {
  checkCode,
  codeEventData,
  codeToWire,
  consumeCode,
  ONE_TIME_CODE_TTL_MS,
  recentCodes,
  sixDigits,
} from '../one-time-codes.ts';
import { lockoutEvent } from './lockout.ts';

const Email = z.string().trim().toLowerCase().email().max(320);

export function normaliseEmail(raw: string): string {
  const r = Email.safeParse(raw);
  if (!r.success)
    throw new AppError('invalid_request_parameters', {
      message: 'email must be a valid email address, such as ada@example.com.',
      errors: [{ field: 'email', code: 'invalid_email', message: 'Enter a valid email address.' }],
    });
  return r.data;
}

export class MagicAuthIdentity {
  constructor(
    private deps: Deps,
    private users: UserService,
    private emails: EmailService,
    private limiter: RateLimiter,
  ) {}

  /** `createMagicAuth`: a new code for the email, emailed unless the app sends its own. */
  async create(env: string, rawEmail: string, o: { invitationToken?: string | null; meta: RequestMeta }) {
    const { deps } = this;
    const email = normaliseEmail(rawEmail);
    await this.limiter.shared(`magic_auth:${env}:${email}`, 3, 60_000);
    const code = sixDigits(deps);
    const now = deps.clock.now();
    const row = {
      id: deps.ids.next('magic_auth'),
      environment_id: env,
      user_id: '',
      email,
      code_hash: sha256(code),
      code_sealed: deps.secrets.seal(code),
      attempts: 0,
      invitation_token: o.invitationToken ?? null,
      ip_address: o.meta.ip,
      user_agent: o.meta.userAgent,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ONE_TIME_CODE_TTL_MS).toISOString(),
      used_at: null,
    };
    const wire = await deps.db.transaction().execute(async (tx) => {
      // A new email gets its user now, unverified (WorkOS's MagicAuth always names a user); the
      // redeemed code verifies the address.
      const user = await this.users.provision(
        tx,
        env,
        { email, firstName: null, lastName: null, emailVerified: false },
        { actor: { id: null, source: 'system', name: 'Magic Auth sign-up' } },
      );
      row.user_id = user.id;
      await tx.insertInto('magic_auths').values(row).execute();
      await this.emails.enqueue(tx, {
        environmentId: env,
        template: 'magic_auth',
        to: email,
        data: { code, email },
      });
      const wire = codeToWire(deps, 'magic_auth', row);
      await appendEvent(tx, deps, {
        environmentId: env,
        event: 'magic_auth.created',
        data: codeEventData(wire),
      });
      return wire;
    });
    return { ...wire, code };
  }

  async get(env: string, id: string) {
    const row = await this.deps.db
      .selectFrom('magic_auths')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Magic Auth', id, 'magic_auth');
    return codeToWire(this.deps, 'magic_auth', row);
  }

  /**
   * Who a code proves, and the step that consumes it. Wrong codes are counted (five kill the code),
   * attempts are throttled per email (10 a minute, as WorkOS's authenticate limit), and each
   * failure is recorded as `authentication.magic_auth_failed`.
   */
  async check(
    env: string,
    rawEmail: string,
    code: string,
    meta: RequestMeta,
  ): Promise<{ identity: VerifiedIdentity; consume: (tx: Queryable) => Promise<void> }> {
    const { deps } = this;
    const email = normaliseEmail(rawEmail);
    await this.limiter.shared(
      `magic_auth_code:${env}:${email}`,
      10,
      60_000,
      lockoutEvent(deps, env, 'magic_auth', email, meta),
    );
    let row: Awaited<ReturnType<typeof checkCode>>;
    try {
      row = await checkCode(
        deps,
        'magic_auths',
        await recentCodes(deps.db, 'magic_auths', env, { email }),
        code,
      );
    } catch (err) {
      if (err instanceof AppError) {
        await appendEvent(deps.db, deps, {
          environmentId: env,
          event: 'authentication.magic_auth_failed',
          data: {
            type: 'magic_auth',
            status: 'failed',
            user_id: null,
            email,
            ip_address: meta.ip,
            user_agent: meta.userAgent,
            error: { code: err.code, message: err.message },
          },
        });
      }
      throw err;
    }
    const user = await this.users.byEmail(deps.db, env, email);
    const base = {
      environmentId: env,
      method: 'MagicAuth' as const,
      eventType: 'magic_auth' as const,
      organizationId: null,
      provisionedBy: { id: null, name: 'Magic Auth sign-up' },
      meta,
    };
    const identity: VerifiedIdentity = user
      ? { ...base, kind: 'user', userId: user.id, emailVerified: true }
      : { ...base, kind: 'profile', email, firstName: null, lastName: null, emailVerified: true };
    return { identity, consume: (tx) => consumeCode(deps, tx, 'magic_auths', row) };
  }
}
