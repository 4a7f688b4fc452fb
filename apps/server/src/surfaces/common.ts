/**
 * Pieces every JSON surface shares: error rendering, the request-scoped logger, idempotent
 * replay and a per-process fixed-window rate limiter.
 */
import type { Context } from 'hono';
import { sql } from 'kysely';
import type { z } from 'zod';
import { sha256 } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db.ts';
import type { Deps } from '../platform/deps.ts';
import { AppError, errorBody } from '../platform/errors.ts';
import { validate } from '../platform/http.ts';

/** Turns anything thrown into an AppError; internal causes are logged, never sent. */
export function toAppError(err: unknown, deps: Deps, c: Context): AppError {
  if (err instanceof AppError) return err;
  deps.log.error({ err, requestId: c.get('requestId' as never), path: c.req.path }, 'unhandled error');
  return new AppError('internal_error');
}

export function renderJsonError(c: Context, err: AppError): Response {
  if (err.code === 'rate_limit_exceeded' && err.extra?.retry_after !== undefined) {
    c.header('Retry-After', String(err.extra.retry_after));
  }
  return c.json(errorBody(err), err.status as 400);
}

/** Checks a handler's result against its declared response schema (on in tests). */
export function checkResponse(deps: Deps, schema: z.ZodType | undefined, value: unknown, route: string) {
  if (!schema || !deps.config.validateResponses) return;
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new Error(
      `response of ${route} breaks its contract: ${JSON.stringify(r.error.issues.slice(0, 5))}`,
    );
  }
}

export { validate };

// ── rate limiting ───────────────────────────────────────────────────────────

/**
 * Fixed-window counters. `memory` limits are per process (cheap; used for the general API
 * budget); `shared` limits live in the database so every node of a cluster sees them (used for
 * credential attempts, where the limit is a security control).
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  constructor(private deps: Deps) {}

  memory(bucket: string, limit: number, windowMs: number) {
    const now = this.deps.clock.now().getTime();
    const start = now - (now % windowMs);
    let w = this.windows.get(bucket);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(bucket, w);
      if (this.windows.size > 50_000) this.sweep(start);
    }
    w.count += 1;
    if (w.count > limit) throw limited(Math.ceil((start + windowMs - now) / 1000));
  }

  /**
   * Counts an attempt in the database window shared by every node. `onLockout` runs once per
   * window, on the first attempt past the limit (the moment the bucket locks), so a lockout is
   * recorded exactly once however many further attempts arrive.
   */
  async shared(
    bucket: string,
    limit: number,
    windowMs: number,
    onLockout?: (retryAfterSeconds: number) => Promise<void>,
  ) {
    const now = this.deps.clock.now().getTime();
    const start = now - (now % windowMs);
    const row = await this.deps.db
      .insertInto('rate_limits')
      .values({ bucket, window_start: start, count: 1 })
      .onConflict((oc) =>
        oc.columns(['bucket', 'window_start']).doUpdateSet({ count: sql`rate_limits.count + 1` }),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    const count = Number(row.count);
    if (count > limit) {
      const retryAfter = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
      if (count === limit + 1 && onLockout) await onLockout(retryAfter);
      throw limited(retryAfter);
    }
  }

  private sweep(currentStart: number) {
    for (const [k, w] of this.windows) if (w.start !== currentStart) this.windows.delete(k);
  }
}

function limited(seconds: number) {
  return new AppError('rate_limit_exceeded', { extra: { retry_after: Math.max(1, seconds) } });
}

// ── idempotency ─────────────────────────────────────────────────────────────

const DAY_MS = 24 * 60 * 60 * 1000;

export type IdempotencyOutcome =
  | {
      kind: 'fresh';
      store(status: number, body: unknown): Promise<void>;
      /** The same, with the caller's transaction (committed with the change it made). */
      storeIn(q: Queryable, status: number, body: unknown): Promise<void>;
      release(): Promise<void>;
    }
  | { kind: 'replay'; status: number; body: string };

/**
 * Reserves an Idempotency-Key for (environment, key). The first request runs and its response is
 * stored for 24 h (sealed with the master key when it holds tokens); a repeat with the same
 * method, path and body replays it; a repeat with a different request is refused.
 */
export async function reserveIdempotencyKey(
  deps: Deps,
  environmentId: string,
  key: string,
  method: string,
  path: string,
  bodyText: string,
  sealed: boolean,
): Promise<IdempotencyOutcome> {
  if (key.length > 255) {
    throw new AppError('invalid_request_parameters', {
      message: 'Idempotency-Key is longer than 255 characters.',
      errors: [{ field: 'Idempotency-Key', code: 'too_long' }],
    });
  }
  const now = deps.clock.now();
  const requestHash = sha256(`${method} ${path}\n${bodyText}`);
  const db = deps.db;
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        environment_id: environmentId,
        key,
        method,
        path,
        request_hash: requestHash,
        status: null,
        response_body: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + DAY_MS).toISOString(),
      })
      .onConflict((oc) => oc.columns(['environment_id', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      const storeIn = async (q: Queryable, status: number, body: unknown) => {
        const text = JSON.stringify(body);
        await q
          .updateTable('idempotency_keys')
          .set({ status, response_body: sealed ? deps.secrets.seal(text) : text })
          .where('environment_id', '=', environmentId)
          .where('key', '=', key)
          .execute();
      };
      return {
        kind: 'fresh',
        store: (status, body) => storeIn(db, status, body),
        storeIn,
        async release() {
          await db
            .deleteFrom('idempotency_keys')
            .where('environment_id', '=', environmentId)
            .where('key', '=', key)
            .execute();
        },
      };
    }
    const row = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) continue;
    if (row.expires_at <= now.toISOString()) {
      await db
        .deleteFrom('idempotency_keys')
        .where('environment_id', '=', environmentId)
        .where('key', '=', key)
        .where('expires_at', '=', row.expires_at)
        .execute();
      continue;
    }
    if (row.request_hash !== requestHash)
      throw new AppError('idempotency_key_reused', {
        errors: [{ field: 'Idempotency-Key', code: 'idempotency_key_reused' }],
      });
    if (row.status === null || row.response_body === null)
      throw new AppError('idempotency_request_in_progress');
    const body = sealed ? deps.secrets.open(row.response_body) : row.response_body;
    return { kind: 'replay', status: Number(row.status), body };
  }
  throw new AppError('idempotency_request_in_progress');
}
