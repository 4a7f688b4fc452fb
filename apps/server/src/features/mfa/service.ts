/**
 * Multi-factor authentication (WorkOS API reference "Multi-Factor Auth" and AuthKit "MFA"):
 * factors (`auth_factors`), challenges (`auth_challenges`), recovery codes
 * (`mfa_recovery_codes`) and organization policies (`mfa_organization_policies`), all owned here.
 *
 * Invariants:
 * - A TOTP secret is sealed with the master key (it must be read to check a code) and returned
 *   once, in the enrollment answer. SMS / generic OTP codes and recovery codes are SHA-256 only,
 *   compared in constant time.
 * - A TOTP code is accepted for the current 30-second step ±1; the accepted step is stored on
 *   the factor and a code of that step or an earlier one is refused (no replay).
 * - A challenge lasts 10 minutes, is verified once, and dies after five wrong codes; wrong codes
 *   are counted in their own statement, so refusing a code never rolls the count back.
 * - Checking is split from consuming: `check…` runs outside the sign-in's transaction and
 *   returns what consumes the proof atomically inside it (a race loses with the precise error).
 */
import { constantTimeEqual, sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { type Pagination, paginate } from '../../platform/http.ts';
import type { AuthChallengeTable, AuthFactorTable } from '../../platform/schema.ts';
import type { RequestMeta } from '../../platform/sign-in.ts';
import type { RateLimiter } from '../../surfaces/common.ts';
import { sixDigits } from '../authkit/one-time-codes.ts';
import type { EnvironmentService } from '../environments/service.ts';
import { appendEvent } from '../events/outbox.ts';
import type { UserService } from '../users/service.ts';
import type { SmsSender } from './sms.ts';
import { isTotpSecret, matchTotp, newTotpSecret, qrDataUrl, totpUri } from './totp.ts';
import { challengeToWire, factorToWire } from './wire.ts';

export const CHALLENGE_TTL_MS = 10 * 60 * 1000;
export const MAX_CHALLENGE_ATTEMPTS = 5;
export const RECOVERY_CODE_COUNT = 10;
const E164 = /^\+[1-9]\d{6,14}$/;
const DEFAULT_SMS_TEMPLATE = 'Your verification code is {{code}}.';

/** The TOTP refusals, with WorkOS's one-time-code codes (its authenticate endpoint's 400s). */
type Refusal = 'invalid_one_time_code' | 'one_time_code_previously_used' | 'invalid_recovery_code';
const TOTP_MESSAGES: Partial<Record<Refusal, string>> = {
  invalid_one_time_code:
    'The code is not the current one from the authenticator app. Enter the six digits it shows now (codes change every 30 seconds; check that the device clock is right).',
  one_time_code_previously_used:
    'This code was already used; each authenticator code works once. Wait for the next code (up to 30 seconds) and enter it.',
};
export const refusal = (code: Refusal) => new AppError(code, { message: TOTP_MESSAGES[code] });

export interface EnrollInput {
  type: 'totp' | 'sms' | 'generic_otp';
  totp_issuer?: string;
  totp_user?: string;
  totp_secret?: string;
  phone_number?: string;
  user_id?: string;
}

/** Consumes a checked proof inside the transaction that acts on it. */
export type Consume = (tx: Queryable) => Promise<void>;

/** Recovery codes look like `k7f3q-9xw2m` (10 base32 characters, 50 bits). */
function recoveryCode(bytes: Uint8Array): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[bytes[i]! % alphabet.length];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}
const normalizeRecovery = (code: string) => code.trim().toLowerCase().replace(/\s+/g, '');

export class MfaService {
  constructor(
    private deps: Deps,
    private users: UserService,
    private environments: EnvironmentService,
    private limiter: RateLimiter,
    private sms: SmsSender,
  ) {}

  // ── factors ──────────────────────────────────────────────────────────────

  private async factorRow(q: Queryable, env: string, id: string): Promise<AuthFactorTable> {
    const row = await q
      .selectFrom('auth_factors')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Authentication factor', id);
    return row;
  }

  /** Inserts a factor and its event; returns the row (secret returned by the caller, once). */
  private async insertFactor(
    tx: Queryable,
    env: string,
    f: Omit<AuthFactorTable, 'id' | 'environment_id' | 'created_at' | 'updated_at'>,
  ) {
    const now = this.deps.clock.now().toISOString();
    const row: AuthFactorTable = {
      id: this.deps.ids.next('auth_factor'),
      environment_id: env,
      created_at: now,
      updated_at: now,
      ...f,
    };
    await tx.insertInto('auth_factors').values(row).execute();
    await appendEvent(tx, this.deps, {
      environmentId: env,
      event: 'authentication_factor.created',
      data: factorToWire(row),
    });
    return row;
  }

  /** `enrollFactor` / `createUserAuthFactor`: the factor, with the TOTP secret, URI and QR code. */
  async enroll(env: string, input: EnrollInput) {
    const { deps } = this;
    const user = input.user_id ? await this.users.row(deps.db, env, input.user_id) : null;
    if (input.type === 'sms') {
      const phone = (input.phone_number ?? '').trim();
      if (!E164.test(phone))
        throw new AppError('invalid_phone_number', {
          errors: [{ field: 'phone_number', code: 'invalid_phone_number' }],
        });
      const row = await deps.db.transaction().execute((tx) =>
        this.insertFactor(tx, env, {
          user_id: user?.id ?? null,
          type: 'sms',
          totp_issuer: null,
          totp_user: null,
          secret_sealed: null,
          last_counter: null,
          phone_number: phone,
        }),
      );
      return { row, wire: factorToWire(row) };
    }
    if (input.type === 'generic_otp') {
      const row = await deps.db.transaction().execute((tx) =>
        this.insertFactor(tx, env, {
          user_id: user?.id ?? null,
          type: 'generic_otp',
          totp_issuer: null,
          totp_user: null,
          secret_sealed: null,
          last_counter: null,
          phone_number: null,
        }),
      );
      return { row, wire: factorToWire(row) };
    }
    if (input.totp_secret !== undefined && !isTotpSecret(input.totp_secret))
      throw new AppError('invalid_totp_secret', {
        errors: [{ field: 'totp_secret', code: 'invalid_totp_secret' }],
      });
    const secret =
      input.totp_secret?.toUpperCase().replace(/=+$/, '') ?? newTotpSecret(deps.random.bytes(20));
    const issuer = input.totp_issuer?.trim() || (await this.environments.nameOf(env));
    const label = input.totp_user?.trim() || user?.email || 'user';
    const row = await deps.db.transaction().execute((tx) =>
      this.insertFactor(tx, env, {
        user_id: user?.id ?? null,
        type: 'totp',
        totp_issuer: issuer,
        totp_user: label,
        secret_sealed: deps.secrets.seal(secret),
        last_counter: null,
        phone_number: null,
      }),
    );
    return { row, wire: await this.withSecrets(row, secret) };
  }

  private async withSecrets(row: AuthFactorTable, secret: string) {
    const uri = totpUri(secret, row.totp_issuer ?? '', row.totp_user ?? '');
    return factorToWire(row, { secret, uri, qr_code: await qrDataUrl(uri) });
  }

  /** `createUserAuthFactor`: the factor and a first challenge (for authenticateWithTotp). */
  async enrollForUser(env: string, userId: string, input: Omit<EnrollInput, 'user_id'>) {
    const { row, wire } = await this.enroll(env, { ...input, user_id: userId });
    const challenge = await this.challenge(env, row.id, {});
    return { authentication_factor: wire, authentication_challenge: challenge };
  }

  async get(env: string, id: string) {
    return factorToWire(await this.factorRow(this.deps.db, env, id));
  }

  async delete(env: string, id: string) {
    await this.deps.db.transaction().execute(async (tx) => {
      const row = await this.factorRow(tx, env, id);
      await tx
        .deleteFrom('auth_challenges')
        .where('environment_id', '=', env)
        .where('factor_id', '=', id)
        .execute();
      await tx.deleteFrom('auth_factors').where('environment_id', '=', env).where('id', '=', id).execute();
      await appendEvent(tx, this.deps, {
        environmentId: env,
        event: 'authentication_factor.deleted',
        data: factorToWire(row),
      });
    });
  }

  /** `listUserAuthFactors`. */
  async listForUser(env: string, userId: string, p: Pagination) {
    await this.users.row(this.deps.db, env, userId);
    const qb = this.deps.db
      .selectFrom('auth_factors')
      .selectAll()
      .where('environment_id', '=', env)
      .where('user_id', '=', userId);
    const page = await paginate(qb, 'id', p);
    return { data: page.rows.map((r) => factorToWire(r)), list_metadata: page.list_metadata };
  }

  /** The user's TOTP factors, newest first (what AuthKit's MFA step uses). */
  totpFactors(q: Queryable, env: string, userId: string) {
    return q
      .selectFrom('auth_factors')
      .selectAll()
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .where('type', '=', 'totp')
      .orderBy('id', 'desc')
      .execute();
  }

  // ── challenges ───────────────────────────────────────────────────────────

  /** `challengeFactor`: SMS sends the code (the template's `{{code}}`), generic OTP returns it. */
  async challenge(env: string, factorId: string, o: { smsTemplate?: string }) {
    const { deps } = this;
    const factor = await this.factorRow(deps.db, env, factorId);
    if (factor.type === 'sms') await this.limiter.shared(`mfa_sms:${env}:${factor.id}`, 5, 60_000);
    const code = factor.type === 'totp' ? null : sixDigits(deps);
    const now = deps.clock.now();
    const row: AuthChallengeTable = {
      id: deps.ids.next('auth_challenge'),
      environment_id: env,
      factor_id: factor.id,
      code_hash: code ? sha256(code) : null,
      attempts: 0,
      expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
      verified_at: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    await deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('auth_challenges').values(row).execute();
      if (factor.type === 'sms' && code) {
        const template = o.smsTemplate?.includes('{{code}}') ? o.smsTemplate : DEFAULT_SMS_TEMPLATE;
        await this.sms.send(tx, {
          environmentId: env,
          to: factor.phone_number!,
          body: template.replaceAll('{{code}}', code),
        });
      }
    });
    return challengeToWire(row, factor.type === 'generic_otp' ? (code ?? undefined) : undefined);
  }

  private async challengeRow(env: string, id: string) {
    const row = await this.deps.db
      .selectFrom('auth_challenges')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Authentication challenge', id);
    return row;
  }

  /**
   * Checks `code` against a challenge outside any transaction. A wrong code counts against the
   * challenge; the result says whether it matched and, for TOTP, the step to record.
   */
  private async checkChallenge(challenge: AuthChallengeTable, factor: AuthFactorTable, code: string) {
    const { deps } = this;
    const now = deps.clock.now();
    if (challenge.verified_at) throw new AppError('authentication_challenge_previously_verified');
    if (challenge.expires_at <= now.toISOString()) throw new AppError('authentication_challenge_expired');
    if (challenge.attempts >= MAX_CHALLENGE_ATTEMPTS) throw new AppError('one_time_code_too_many_attempts');
    await this.limiter.shared(`mfa_verify:${challenge.environment_id}:${factor.id}`, 10, 60_000);
    let ok = false;
    let replay = false;
    let counter: number | null = null;
    if (factor.type === 'totp') {
      counter = matchTotp(deps.secrets.open(factor.secret_sealed!), code.trim(), now);
      replay = counter !== null && factor.last_counter !== null && counter <= factor.last_counter;
      ok = counter !== null && !replay;
    } else {
      ok = !!challenge.code_hash && constantTimeEqual(sha256(code.trim()), challenge.code_hash);
    }
    if (!ok) {
      await deps.db
        .updateTable('auth_challenges')
        .set({ attempts: challenge.attempts + 1, updated_at: now.toISOString() })
        .where('id', '=', challenge.id)
        .where('attempts', '=', challenge.attempts)
        .execute();
      return { ok: false as const, replay };
    }
    const consume: Consume = async (tx) => {
      const at = deps.clock.now().toISOString();
      const used = await tx
        .updateTable('auth_challenges')
        .set({ verified_at: at, updated_at: at })
        .where('id', '=', challenge.id)
        .where('verified_at', 'is', null)
        .where('attempts', '<', MAX_CHALLENGE_ATTEMPTS)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1)
        throw new AppError('authentication_challenge_previously_verified');
      if (counter !== null) await this.recordStep(tx, factor, counter);
    };
    return { ok: true as const, consume };
  }

  /** Records the accepted TOTP step: exactly once per step (a concurrent replay loses). */
  private async recordStep(tx: Queryable, factor: AuthFactorTable, counter: number) {
    const r = await tx
      .updateTable('auth_factors')
      .set({ last_counter: counter, updated_at: this.deps.clock.now().toISOString() })
      .where('id', '=', factor.id)
      .where((eb) => eb.or([eb('last_counter', 'is', null), eb('last_counter', '<', counter)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw refusal('one_time_code_previously_used');
  }

  /** `verifyChallenge`: `{challenge, valid}`; expired, used or exhausted challenges are errors. */
  async verify(env: string, challengeId: string, code: string) {
    const challenge = await this.challengeRow(env, challengeId);
    const factor = await this.factorRow(this.deps.db, env, challenge.factor_id);
    const r = await this.checkChallenge(challenge, factor, code);
    const meta = { ip: null, userAgent: null };
    if (!r.ok) {
      await this.failed(
        env,
        factor.user_id,
        meta,
        r.replay ? 'one_time_code_previously_used' : 'invalid_one_time_code',
      );
      return { challenge: challengeToWire(await this.challengeRow(env, challengeId)), valid: false };
    }
    await this.deps.db.transaction().execute(async (tx) => {
      await r.consume(tx);
      await this.succeeded(tx, env, factor.user_id, meta);
    });
    return { challenge: challengeToWire(await this.challengeRow(env, challengeId)), valid: true };
  }

  /**
   * The mfa-totp grant's proof: a challenge of one of `userId`'s TOTP factors and its code.
   * Throws the precise reason (and records `authentication.mfa_failed`) when the code is wrong.
   */
  async checkForSignIn(env: string, userId: string, challengeId: string, code: string, meta: RequestMeta) {
    const challenge = await this.challengeRow(env, challengeId);
    const factor = await this.factorRow(this.deps.db, env, challenge.factor_id);
    if (factor.user_id !== userId) throw notFound('Authentication challenge', challengeId);
    if (factor.type !== 'totp') throw new AppError('authentication_factor_type_mismatch');
    // The authenticate endpoint answers with WorkOS's one-time-code errors.
    const r = await this.checkChallenge(challenge, factor, code).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'authentication_challenge_expired')
        throw new AppError('one_time_code_expired', { message: err.message });
      if (err instanceof AppError && err.code === 'authentication_challenge_previously_verified')
        throw new AppError('one_time_code_previously_used', { message: err.message });
      throw err;
    });
    if (!r.ok) {
      const reason = r.replay ? 'one_time_code_previously_used' : 'invalid_one_time_code';
      await this.failed(env, userId, meta, reason);
      throw refusal(reason);
    }
    return this.withSuccess(env, userId, meta, r.consume);
  }

  /** The hosted challenge page's proof: a code of any of the user's TOTP factors. */
  async checkUserCode(env: string, userId: string, code: string, meta: RequestMeta) {
    await this.limiter.shared(`mfa_user:${env}:${userId}`, 10, 60_000);
    const now = this.deps.clock.now();
    let replay = false;
    for (const factor of await this.totpFactors(this.deps.db, env, userId)) {
      const counter = matchTotp(this.deps.secrets.open(factor.secret_sealed!), code.trim(), now);
      if (counter === null) continue;
      if (factor.last_counter !== null && counter <= factor.last_counter) {
        replay = true;
        continue;
      }
      return this.withSuccess(env, userId, meta, (tx) => this.recordStep(tx, factor, counter));
    }
    const reason = replay ? 'one_time_code_previously_used' : 'invalid_one_time_code';
    await this.failed(env, userId, meta, reason);
    throw refusal(reason);
  }

  /** A recovery code instead of the authenticator (hosted challenge page): each works once. */
  async checkRecoveryCode(env: string, userId: string, code: string, meta: RequestMeta) {
    await this.limiter.shared(`mfa_user:${env}:${userId}`, 10, 60_000);
    const hash = sha256(normalizeRecovery(code));
    const rows = await this.deps.db
      .selectFrom('mfa_recovery_codes')
      .select(['id', 'code_hash'])
      .where('environment_id', '=', env)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
    const match = rows.find((r) => constantTimeEqual(r.code_hash, hash));
    if (!match) {
      await this.failed(env, userId, meta, 'invalid_recovery_code');
      throw new AppError('invalid_recovery_code');
    }
    return this.withSuccess(env, userId, meta, async (tx) => {
      const used = await tx
        .updateTable('mfa_recovery_codes')
        .set({ used_at: this.deps.clock.now().toISOString() })
        .where('id', '=', match.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) throw new AppError('invalid_recovery_code');
    });
  }

  /** Hosted enrollment: checks the first code against the secret shown (±1 step). */
  async checkNewSecret(env: string, pendingId: string, secret: string, code: string): Promise<number> {
    await this.limiter.shared(`mfa_enroll:${env}:${pendingId}`, 10, 60_000);
    const counter = matchTotp(secret, code.trim(), this.deps.clock.now());
    if (counter === null) throw refusal('invalid_one_time_code');
    return counter;
  }

  /** Hosted enrollment, confirmed: the TOTP factor and ten recovery codes (returned once). */
  async enrollConfirmed(
    tx: Queryable,
    env: string,
    user: { id: string; email: string },
    secret: string,
    counter: number,
    meta: RequestMeta,
  ): Promise<string[]> {
    await this.insertFactor(tx, env, {
      user_id: user.id,
      type: 'totp',
      totp_issuer: await this.environments.nameOf(env, tx),
      totp_user: user.email,
      secret_sealed: this.deps.secrets.seal(secret),
      last_counter: counter,
      phone_number: null,
    });
    await tx
      .deleteFrom('mfa_recovery_codes')
      .where('environment_id', '=', env)
      .where('user_id', '=', user.id)
      .execute();
    const codes: string[] = [];
    const now = this.deps.clock.now().toISOString();
    for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
      const code = recoveryCode(this.deps.random.bytes(10));
      codes.push(code);
      await tx
        .insertInto('mfa_recovery_codes')
        .values({
          id: this.deps.ids.next('mfa_recovery_code'),
          environment_id: env,
          user_id: user.id,
          code_hash: sha256(code),
          created_at: now,
          used_at: null,
        })
        .execute();
    }
    await this.succeeded(tx, env, user.id, meta);
    return codes;
  }

  newSecret(): string {
    return newTotpSecret(this.deps.random.bytes(20));
  }

  /** The otpauth URI and QR code of a secret the hosted enrollment page shows. */
  async present(env: string, email: string, secret: string) {
    const uri = totpUri(secret, await this.environments.nameOf(env), email);
    return { uri, qrCode: await qrDataUrl(uri) };
  }

  // ── events ───────────────────────────────────────────────────────────────

  private withSuccess(env: string, userId: string, meta: RequestMeta, consume: Consume): Consume {
    return async (tx) => {
      await consume(tx);
      await this.succeeded(tx, env, userId, meta);
    };
  }

  private async userEmail(q: Queryable, env: string, userId: string | null) {
    if (!userId) return null;
    const u = await q
      .selectFrom('users')
      .select('email')
      .where('environment_id', '=', env)
      .where('id', '=', userId)
      .executeTakeFirst();
    return u?.email ?? null;
  }

  private async succeeded(tx: Queryable, env: string, userId: string | null, meta: RequestMeta) {
    await appendEvent(tx, this.deps, {
      environmentId: env,
      event: 'authentication.mfa_succeeded',
      data: {
        type: 'mfa',
        status: 'succeeded',
        user_id: userId,
        email: await this.userEmail(tx, env, userId),
        ip_address: meta.ip,
        user_agent: meta.userAgent,
      },
    });
  }

  /** `authentication.mfa_failed`, in its own transaction (the refused attempt changes nothing else). */
  private async failed(env: string, userId: string | null, meta: RequestMeta, code: Refusal) {
    const error = refusal(code);
    await this.deps.db.transaction().execute(async (tx) =>
      appendEvent(tx, this.deps, {
        environmentId: env,
        event: 'authentication.mfa_failed',
        data: {
          type: 'mfa',
          status: 'failed',
          user_id: userId,
          email: await this.userEmail(tx, env, userId),
          ip_address: meta.ip,
          user_agent: meta.userAgent,
          error: { code, message: error.message },
        },
      }),
    );
  }

  // ── policy ───────────────────────────────────────────────────────────────

  /** Whether the environment or any of `organizationIds` requires MFA. */
  async required(q: Queryable, env: string, organizationIds: string[]): Promise<boolean> {
    if (await this.environments.requiresMfa(env, q)) return true;
    if (organizationIds.length === 0) return false;
    const row = await q
      .selectFrom('mfa_organization_policies')
      .select('organization_id')
      .where('environment_id', '=', env)
      .where('organization_id', 'in', organizationIds)
      .where('mfa_required', '=', 1)
      .executeTakeFirst();
    return !!row;
  }

  async organizationPolicy(env: string, organizationId: string) {
    await this.organizationOf(env, organizationId);
    const row = await this.deps.db
      .selectFrom('mfa_organization_policies')
      .select('mfa_required')
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return { organization_id: organizationId, mfa_required: row?.mfa_required === 1 };
  }

  /** 404 unless the organization exists in this environment. */
  private async organizationOf(env: string, organizationId: string) {
    const org = await this.deps.db
      .selectFrom('organizations')
      .select('id')
      .where('environment_id', '=', env)
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', organizationId);
  }

  async setOrganizationPolicy(env: string, organizationId: string, required: boolean) {
    await this.organizationOf(env, organizationId);
    const now = this.deps.clock.now().toISOString();
    await this.deps.db
      .insertInto('mfa_organization_policies')
      .values({
        environment_id: env,
        organization_id: organizationId,
        mfa_required: required ? 1 : 0,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['environment_id', 'organization_id'])
          .doUpdateSet({ mfa_required: required ? 1 : 0, updated_at: now }),
      )
      .execute();
    return { organization_id: organizationId, mfa_required: required };
  }
}
