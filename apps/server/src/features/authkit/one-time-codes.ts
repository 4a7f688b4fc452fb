/**
 * Six-digit one-time codes (Magic Auth, email verification): generated uniformly, stored as a
 * SHA-256 hash (compared in constant time) plus a sealed copy the API may return while the code is
 * live, single use, 10 minutes, and dead after five wrong tries. A wrong try is counted in its own
 * statement, so refusing the code never rolls the count back.
 */
import { constantTimeEqual, sha256 } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { OneTimeCodeTable } from '../../platform/schema.ts';

export const ONE_TIME_CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;

export type CodeTable = 'magic_auths' | 'email_verifications';

/** A uniformly random six-digit code (rejection sampling: no modulo bias). */
export function sixDigits(deps: Pick<Deps, 'random'>): string {
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  for (;;) {
    const n = Buffer.from(deps.random.bytes(4)).readUInt32BE(0);
    if (n < limit) return String(n % 1_000_000).padStart(6, '0');
  }
}

/** The wire object of a code row (`magic_auth` or `email_verification`), with the code while live. */
export function codeToWire(deps: Deps, object: 'magic_auth' | 'email_verification', row: OneTimeCodeTable) {
  const live = !row.used_at && row.expires_at > deps.clock.now().toISOString();
  return {
    object,
    id: row.id,
    user_id: row.user_id,
    email: row.email,
    expires_at: row.expires_at,
    // Apps that send their own emails read the code here; once used or expired it is gone.
    code: live && row.code_sealed ? deps.secrets.open(row.code_sealed) : '',
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The event payload: the object without its secret. */
export function codeEventData(wire: ReturnType<typeof codeToWire>) {
  const { code: _code, ...rest } = wire;
  return rest;
}

/**
 * Checks `code` against `candidates` (newest first: the email's or user's recent codes) outside any
 * transaction, and returns the matching live row, not yet consumed. A miss counts against the
 * newest live code in its own statement (a rolled-back sign-in never undoes the count). Throws the
 * precise reason.
 */
export async function checkCode(
  deps: Deps,
  table: CodeTable,
  candidates: OneTimeCodeTable[],
  code: string,
): Promise<OneTimeCodeTable> {
  const now = deps.clock.now().toISOString();
  const hash = sha256(code.trim());
  const match = candidates.find((r) => constantTimeEqual(r.code_hash, hash));
  if (!match) {
    const latest = candidates.find((r) => !r.used_at && r.expires_at > now && r.attempts < MAX_CODE_ATTEMPTS);
    if (latest) {
      const dead = latest.attempts + 1 >= MAX_CODE_ATTEMPTS;
      const bumped = await deps.db
        .updateTable(table)
        .set({ attempts: latest.attempts + 1, updated_at: now, ...(dead ? { code_sealed: null } : {}) })
        .where('id', '=', latest.id)
        .where('attempts', '=', latest.attempts)
        .executeTakeFirst();
      if (dead && Number(bumped.numUpdatedRows) === 1) throw new AppError('one_time_code_too_many_attempts');
    }
    throw new AppError('invalid_one_time_code');
  }
  if (match.used_at) throw new AppError('one_time_code_previously_used');
  if (match.attempts >= MAX_CODE_ATTEMPTS) throw new AppError('one_time_code_too_many_attempts');
  if (match.expires_at <= now) throw new AppError('one_time_code_expired');
  return match;
}

/** Consumes a checked code inside the transaction that acts on it: exactly once. */
export async function consumeCode(deps: Deps, q: Queryable, table: CodeTable, row: OneTimeCodeTable) {
  const now = deps.clock.now().toISOString();
  const used = await q
    .updateTable(table)
    .set({ used_at: now, updated_at: now, code_sealed: null })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .where('attempts', '<', MAX_CODE_ATTEMPTS)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new AppError('one_time_code_previously_used');
}

/** The newest codes of an email (Magic Auth) or a user (email verification), newest first. */
export function recentCodes(
  q: Queryable,
  table: CodeTable,
  env: string,
  by: { email: string } | { userId: string },
) {
  let qb = q.selectFrom(table).selectAll().where('environment_id', '=', env);
  qb = 'email' in by ? qb.where('email', '=', by.email) : qb.where('user_id', '=', by.userId);
  return qb.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(5).execute() as Promise<
    OneTimeCodeTable[]
  >;
}
