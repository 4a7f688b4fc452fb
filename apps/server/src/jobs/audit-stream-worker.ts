/**
 * Audit log stream delivery (docs/audit-logs.md "Log streams"): every organization's events reach
 * each of its streams once each, in seq order, batched, and are never lost.
 *
 * 1. Claim: streams that are due (`next_attempt_at` passed), not paused, not leased (or whose
 *    lease lapsed because a worker died) and behind their organization's chain head are leased
 *    with one UPDATE … RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL). The lease outlasts the
 *    request timeout, and every write after it is fenced on (lease_owner, lease_until).
 * 2. Batch: up to 500 events after the stream's cursor (`dispatched_seq`), in seq order. The
 *    batch's last seq is recorded (`batch_through_seq`) before its first attempt, so every retry
 *    sends exactly the same events (an object store overwrites the same key).
 * 3. Deliver through the stream's adapter (streams/*.ts) and the SSRF-safe client. On a 2xx the
 *    cursor moves to the batch's end in the same transaction that records the success; the stream
 *    is due again at once if more events wait. On anything else the same batch is retried after
 *    an exponential backoff with ±20% jitter (1 s doubling, capped at 1 h; a longer Retry-After on
 *    429/503 is honoured up to 1 h), forever: after 5 failures in a row the stream shows `error`,
 *    and is still retried. Retention never deletes an event a stream has not delivered.
 * At least once: a worker that dies after the destination accepted a batch but before recording
 * it sends that batch again (same events, same seqs, same object key).
 */
import { hostname } from 'node:os';
import { sendBatch, streamEvent } from '../features/audit-logs/streams/deliver.ts';
import type { Deps } from '../platform/deps.ts';
import type { AuditLogStreamTable } from '../platform/schema.ts';
import { drainBatches, PollLoop } from './poll-loop.ts';
import { retryAfterMs } from './webhook-worker.ts';

export const STREAM_BATCH = 500;
/** Failures in a row after which a stream's state shows `error` (it is still retried). */
export const ERROR_AFTER = 5;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 3_600_000;

export function backoffMs(failures: number, jitterByte: number): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30));
  return Math.round(base * (0.8 + (jitterByte / 255) * 0.4));
}

export class AuditStreamWorker {
  readonly id: string;
  private loop: PollLoop;

  constructor(
    private deps: Deps,
    opts: { id?: string } = {},
  ) {
    this.id = opts.id ?? `${hostname()}:${process.pid}:streams`;
    this.loop = new PollLoop(deps, 'audit stream worker', () => this.tick());
  }

  start() {
    this.loop.start();
  }

  stop() {
    return this.loop.stop();
  }

  /** One pass: deliver every due batch. Returns the attempts made. */
  tick(): Promise<number> {
    return drainBatches(
      () => this.claim(this.deps.config.webhooks.concurrency),
      (s) => this.attempt(s),
      () => this.loop.stopping,
    );
  }

  async claim(limit: number): Promise<AuditLogStreamTable[]> {
    const { db, dialect, clock, config } = this.deps;
    const now = clock.now();
    const nowIso = now.toISOString();
    const timeout = config.webhooks.timeoutMs;
    const lease = new Date(now.getTime() + timeout + Math.max(5_000, Math.round(timeout / 2))).toISOString();
    let due = db
      .selectFrom('audit_log_streams')
      .select('id')
      .where('state', '!=', 'inactive')
      .where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('audit_log_organizations as o')
            .select('o.organization_id')
            .whereRef('o.organization_id', '=', 'audit_log_streams.organization_id')
            .whereRef('o.head_seq', '>', 'audit_log_streams.dispatched_seq'),
        ),
      )
      .orderBy('next_attempt_at', 'asc')
      .limit(limit);
    if (dialect === 'postgres') due = due.forUpdate().skipLocked();
    return db
      .updateTable('audit_log_streams')
      .set({ lease_owner: this.id, lease_until: lease })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  private fenced(s: AuditLogStreamTable) {
    return this.deps.db
      .updateTable('audit_log_streams')
      .where('id', '=', s.id)
      .where('lease_owner', '=', this.id)
      .where('lease_until', '=', s.lease_until);
  }

  private async attempt(s: AuditLogStreamTable) {
    const { db, clock } = this.deps;
    let q = db
      .selectFrom('audit_log_events')
      .select(['seq', 'body', 'hash'])
      .where('organization_id', '=', s.organization_id)
      .where('seq', '>', s.dispatched_seq)
      .orderBy('seq', 'asc')
      .limit(STREAM_BATCH);
    if (s.batch_through_seq !== null) q = q.where('seq', '<=', s.batch_through_seq);
    const rows = await q.execute();
    if (rows.length === 0) {
      // Behind the head but nothing stored after the cursor: rows were deleted outside Portico
      // (`portico audit verify` names them). Say so and look again in a minute, without spinning.
      const at = clock.now();
      await this.fenced(s)
        .set({
          lease_owner: null,
          lease_until: null,
          batch_through_seq: null,
          next_attempt_at: new Date(at.getTime() + 60_000).toISOString(),
          last_error: `The events after seq ${s.dispatched_seq} are missing from the organization's chain (deleted outside Portico); run \`portico audit verify\`.`,
          last_error_at: at.toISOString(),
        })
        .execute();
      return;
    }
    const first = Number(rows[0]!.seq);
    const gap =
      first > Number(s.dispatched_seq) + 1
        ? `Events seq ${Number(s.dispatched_seq) + 1}–${first - 1} were missing from the chain when this stream reached them (deleted outside Portico); run \`portico audit verify\`.`
        : null;
    const through = Number(rows[rows.length - 1]!.seq);
    if (s.batch_through_seq === null) {
      const fixed = await this.fenced(s).set({ batch_through_seq: through }).executeTakeFirst();
      if (Number(fixed.numUpdatedRows) !== 1) return;
    }
    const result = await sendBatch(this.deps, s, rows.map(streamEvent));
    const now = clock.now();
    const nowIso = now.toISOString();
    if (result.ok) {
      // The cursor moves in the one statement that records the success, fenced on our lease.
      await this.fenced(s)
        .set({
          dispatched_seq: through,
          batch_through_seq: null,
          attempts: 0,
          state: 'active',
          lease_owner: null,
          lease_until: null,
          last_delivered_at: nowIso,
          next_attempt_at: nowIso,
          updated_at: nowIso,
          ...(gap ? { last_error: gap, last_error_at: nowIso } : {}),
        })
        .execute();
      return;
    }
    const failures = Number(s.attempts) + 1;
    let delay = backoffMs(failures, this.deps.random.bytes(1)[0]!);
    const hinted =
      result.status === 429 || result.status === 503 ? retryAfterMs(result.retryAfter, now.getTime()) : null;
    if (hinted !== null) delay = Math.min(Math.max(delay, hinted), BACKOFF_CAP_MS);
    await this.fenced(s)
      .set({
        attempts: failures,
        state: failures >= ERROR_AFTER ? 'error' : s.state,
        lease_owner: null,
        lease_until: null,
        next_attempt_at: new Date(now.getTime() + delay).toISOString(),
        last_error: result.error,
        last_error_at: nowIso,
        updated_at: nowIso,
      })
      .execute();
    if (failures === ERROR_AFTER)
      this.deps.log.warn(
        { stream: s.id, organization: s.organization_id, error: result.error },
        'audit log stream failing: retrying with backoff',
      );
  }
}
