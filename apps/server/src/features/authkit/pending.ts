/**
 * Pending authentications (`pending_authentications`, owned here): a sign-in that proved who
 * someone is but has one more step to take — verify the email, pick an organization. The API gets
 * a `pending_authentication_token` (stored only as its SHA-256) to redeem with the step's grant; a
 * browser gets Portico's own page for the step, named by the row's unguessable id. Either way the
 * row says how the sign-in goes on (`target`) and as whom (`identity`). Single use, 10 minutes.
 */
import { sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { token } from '../../platform/random.ts';
import type { PendingAuthenticationTable } from '../../platform/schema.ts';
import type { CodeTarget, UserIdentity } from '../../platform/sign-in.ts';

export const PENDING_TTL_MS = 10 * 60 * 1000;

export type PendingKind = PendingAuthenticationTable['kind'];

/** Where a sign-in goes once its pending step is done. */
export type PendingTarget = { kind: 'session'; clientId: string } | ({ kind: 'code' } & CodeTarget);

/** What is kept of the identity (the user row holds the rest). */
export type StoredIdentity = Omit<UserIdentity, 'kind' | 'userId' | 'environmentId'>;

export interface Pending {
  row: PendingAuthenticationTable;
  identity: UserIdentity;
  target: PendingTarget;
}

function decode(row: PendingAuthenticationTable): Pending {
  const stored = JSON.parse(row.identity) as StoredIdentity;
  return {
    row,
    identity: { ...stored, kind: 'user', userId: row.user_id, environmentId: row.environment_id },
    target: JSON.parse(row.target) as PendingTarget,
  };
}

export class PendingAuthentications {
  constructor(private deps: Deps) {}

  async create(
    tx: Queryable,
    p: {
      kind: PendingKind;
      identity: UserIdentity;
      target: PendingTarget;
      emailVerificationId?: string | null;
    },
  ): Promise<{ id: string; token: string }> {
    const { deps } = this;
    const now = deps.clock.now();
    const id = token(deps.random, 24, 'pending_');
    const value = token(deps.random, 32);
    const { kind: _k, userId: _u, environmentId: _e, ...stored } = p.identity;
    await tx
      .insertInto('pending_authentications')
      .values({
        id,
        environment_id: p.identity.environmentId,
        token_hash: sha256(value),
        kind: p.kind,
        user_id: p.identity.userId,
        email_verification_id: p.emailVerificationId ?? null,
        identity: JSON.stringify(stored),
        target: JSON.stringify(p.target),
        totp_secret_sealed: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + PENDING_TTL_MS).toISOString(),
        used_at: null,
      })
      .execute();
    return { id, token: value };
  }

  private invalid(kind: PendingKind) {
    return new AppError('invalid_pending_authentication_token', {
      message: `The pending_authentication_token is unknown, expired (they last 10 minutes), already used, or not for the ${kind.replaceAll('_', ' ')} step. Start the sign-in again.`,
    });
  }

  private live(row: PendingAuthenticationTable | undefined, kind: PendingKind) {
    if (!row || row.kind !== kind || row.used_at || row.expires_at <= this.deps.clock.now().toISOString())
      throw this.invalid(kind);
    return decode(row);
  }

  /** The live pending sign-in a token names, for the step `kind` (or one of `kind`s; not consumed). */
  async byToken(env: string, value: string, kind: PendingKind | PendingKind[]): Promise<Pending> {
    const row = await this.deps.db
      .selectFrom('pending_authentications')
      .selectAll()
      .where('environment_id', '=', env)
      .where('token_hash', '=', sha256(value))
      .executeTakeFirst();
    const kinds = Array.isArray(kind) ? kind : [kind];
    return this.live(row, row && kinds.includes(row.kind) ? row.kind : kinds[0]!);
  }

  /**
   * The TOTP secret the hosted enrollment page of `p` shows: sealed into the row the first time
   * (`fresh` is used only if none is stored yet, so two tabs show the same secret).
   */
  async totpSecret(p: Pending, fresh: () => string): Promise<string> {
    const { secrets } = this.deps;
    if (p.row.totp_secret_sealed) return secrets.open(p.row.totp_secret_sealed);
    await this.deps.db
      .updateTable('pending_authentications')
      .set({ totp_secret_sealed: secrets.seal(fresh()) })
      .where('id', '=', p.row.id)
      .where('totp_secret_sealed', 'is', null)
      .execute();
    const row = await this.deps.db
      .selectFrom('pending_authentications')
      .select('totp_secret_sealed')
      .where('id', '=', p.row.id)
      .executeTakeFirstOrThrow();
    p.row.totp_secret_sealed = row.totp_secret_sealed;
    return secrets.open(row.totp_secret_sealed!);
  }

  /** The pending sign-in a hosted page names (by id), whatever its step; null when unusable. */
  async byId(id: string): Promise<Pending | null> {
    const row = await this.deps.db
      .selectFrom('pending_authentications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row || row.used_at || row.expires_at <= this.deps.clock.now().toISOString()) return null;
    return decode(row);
  }

  /** Consumes the row inside the transaction that completes its step: exactly once. */
  async consume(tx: Queryable, p: Pending) {
    const r = await tx
      .updateTable('pending_authentications')
      .set({ used_at: this.deps.clock.now().toISOString() })
      .where('id', '=', p.row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw this.invalid(p.row.kind);
  }
}
