/**
 * Webhook delivery from the outbox: at least once, signed, retried with backoff, never twice at
 * the same moment.
 *
 * 1. Fan-out: each enabled endpoint has a cursor (`dispatched_seq`) into the events table. A tick
 *    turns the matching events after it into `webhook_deliveries` rows and advances the cursor in
 *    the same transaction (events become visible in seq order — see outbox.ts — so the cursor
 *    never skips one). On PostgreSQL the endpoint row is taken with FOR UPDATE SKIP LOCKED.
 * 2. Claim: due deliveries (and deliveries whose lease expired because a worker died) are leased
 *    with one UPDATE … RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL). The lease outlasts the
 *    attempt's timeout, and results are written only while the lease is still ours (fencing).
 * 3. Deliver: POST the event's compact JSON with `WorkOS-Signature: t=<ms>, v1=<hex HMAC>`,
 *    through the SSRF-safe client. Record the attempt; on failure schedule the next one
 *    (exponential schedule with ±20% jitter, or Retry-After if longer); after the last one the
 *    delivery fails; an endpoint failing for PORTICO_WEBHOOK_DISABLE_AFTER is disabled and a
 *    `webhook_endpoint.disabled` event is written.
 */
import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { appendEvent } from '../features/events/outbox.ts';
import { eventBody } from '../features/events/wire.ts';
import { pendingDelivery } from '../features/webhooks/wire.ts';
import type { Deps } from '../platform/deps.ts';
import { safePost } from '../platform/safe-http.ts';
import type { WebhookDeliveryTable, WebhookEndpointTable } from '../platform/schema.ts';
import { drainBatches, PollLoop } from './poll-loop.ts';

const FANOUT_BATCH = 1000;
/**
 * A lease outlasts the attempt timeout by this margin, so a live worker always records its result
 * before anyone else may claim the delivery; after a crash the delivery is retried once the lease
 * lapses (timeout + margin).
 */
const leaseMarginMs = (timeoutMs: number) => Math.max(5_000, Math.round(timeoutMs / 2));

export function signature(secret: string, timestampMs: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs}, v1=${v1}`;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class WebhookWorker {
  readonly id: string;
  private loop: PollLoop;

  constructor(
    private deps: Deps,
    opts: { id?: string } = {},
  ) {
    this.id = opts.id ?? `${hostname()}:${process.pid}`;
    this.loop = new PollLoop(deps, 'webhook worker', () => this.tick());
  }

  start() {
    this.loop.start();
  }

  /** Stops polling and waits for attempts in flight. */
  stop() {
    return this.loop.stop();
  }

  /** One pass: fan out new events, then deliver everything due. Returns attempts made. */
  async tick(): Promise<number> {
    await this.fanOut();
    return drainBatches(
      () => this.claim(this.deps.config.webhooks.concurrency),
      (d) => this.attempt(d),
      () => this.loop.stopping,
    );
  }

  async fanOut() {
    const { db, dialect } = this.deps;
    const endpoints = await db
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('status', '=', 'enabled')
      .execute();
    for (const { id } of endpoints) {
      await db.transaction().execute(async (tx) => {
        let q = tx
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', '=', id)
          .where('status', '=', 'enabled');
        if (dialect === 'postgres') q = q.forUpdate().skipLocked();
        const ep = await q.executeTakeFirst();
        if (!ep) return;
        const wanted = JSON.parse(ep.events) as string[];
        const events = await tx
          .selectFrom('events')
          .select(['seq', 'id', 'event'])
          .where('environment_id', '=', ep.environment_id)
          .where('seq', '>', ep.dispatched_seq)
          .orderBy('seq', 'asc')
          .limit(FANOUT_BATCH)
          .execute();
        if (events.length === 0) return;
        const now = this.deps.clock.now().toISOString();
        const rows = events
          .filter((e) => wanted.includes(e.event))
          .map((e) => pendingDelivery(this.deps.ids, ep, { id: e.id, seq: Number(e.seq) }, now));
        for (let i = 0; i < rows.length; i += 200) {
          await tx
            .insertInto('webhook_deliveries')
            .values(rows.slice(i, i + 200))
            .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
            .execute();
        }
        await tx
          .updateTable('webhook_endpoints')
          .set({ dispatched_seq: Number(events[events.length - 1]!.seq) })
          .where('id', '=', ep.id)
          .execute();
      });
    }
  }

  async claim(limit: number): Promise<WebhookDeliveryTable[]> {
    const { db, dialect, clock, config } = this.deps;
    const now = clock.now();
    const nowIso = now.toISOString();
    const lease = new Date(
      now.getTime() + config.webhooks.timeoutMs + leaseMarginMs(config.webhooks.timeoutMs),
    ).toISOString();
    let due = db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', nowIso)]),
          eb.and([eb('state', '=', 'delivering'), eb('lease_until', '<', nowIso)]),
        ]),
      )
      .orderBy('next_attempt_at', 'asc')
      .limit(limit);
    if (dialect === 'postgres') due = due.forUpdate().skipLocked();
    return db
      .updateTable('webhook_deliveries')
      .set({ state: 'delivering', lease_until: lease, updated_at: nowIso })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  private async attempt(d: WebhookDeliveryTable) {
    const { db, clock, config, secrets } = this.deps;
    const [endpoint, event] = await Promise.all([
      db.selectFrom('webhook_endpoints').selectAll().where('id', '=', d.endpoint_id).executeTakeFirst(),
      db
        .selectFrom('events')
        .select(['id', 'event', 'data', 'context', 'created_at'])
        .where('id', '=', d.event_id)
        .executeTakeFirst(),
    ]);
    const startedAt = clock.now();
    if (!endpoint || !event || endpoint.status !== 'enabled') {
      const reason = !endpoint
        ? 'endpoint deleted'
        : !event
          ? 'event expired (past retention)'
          : 'endpoint disabled';
      await this.settle(d, {
        state: 'failed',
        status: null,
        error: reason,
        snippet: null,
        durationMs: 0,
        startedAt,
        endpoint,
      });
      return;
    }
    const body = eventBody(event);
    const t = clock.now().getTime();
    const result = await safePost(
      endpoint.endpoint_url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'Portico-Webhooks/0.1',
        'workos-signature': signature(secrets.open(endpoint.secret_sealed), t, body),
        'portico-delivery-id': d.id,
        'portico-event-id': d.event_id,
      },
      {
        timeoutMs: config.webhooks.timeoutMs,
        policy: { allowLoopback: config.webhooks.allowLoopback, allowPrivate: config.webhooks.allowPrivate },
      },
    );
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const attemptNo = d.attempts + 1;
    if (ok) {
      await this.settle(d, {
        state: 'succeeded',
        status: result.status,
        error: null,
        snippet: result.snippet,
        durationMs: result.durationMs,
        startedAt,
        endpoint,
      });
      return;
    }
    const error = result.error ?? `HTTP ${result.status}`;
    const schedule = config.webhooks.scheduleMs;
    if (attemptNo > schedule.length) {
      await this.settle(d, {
        state: 'failed',
        status: result.status,
        error,
        snippet: result.snippet,
        durationMs: result.durationMs,
        startedAt,
        endpoint,
      });
      return;
    }
    const base = schedule[attemptNo - 1]!;
    const jitter = 0.8 + (this.deps.random.bytes(1)[0]! / 255) * 0.4;
    let delay = Math.round(base * jitter);
    const hinted =
      result.status === 429 || result.status === 503
        ? retryAfterMs(result.headers['retry-after'], clock.now().getTime())
        : null;
    if (hinted !== null) delay = Math.min(Math.max(delay, hinted), 24 * 3_600_000);
    await this.settle(d, {
      state: 'pending',
      status: result.status,
      error,
      snippet: result.snippet,
      durationMs: result.durationMs,
      startedAt,
      endpoint,
      nextAttemptAt: new Date(clock.now().getTime() + delay).toISOString(),
    });
  }

  private async settle(
    d: WebhookDeliveryTable,
    r: {
      state: 'succeeded' | 'failed' | 'pending';
      status: number | null;
      error: string | null;
      snippet: string | null;
      durationMs: number;
      startedAt: Date;
      endpoint: WebhookEndpointTable | undefined;
      nextAttemptAt?: string;
    },
  ) {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    await deps.db.transaction().execute(async (tx) => {
      // Fencing: only the holder of the current lease may record the outcome.
      const updated = await tx
        .updateTable('webhook_deliveries')
        .set({
          state: r.state,
          attempts: d.attempts + 1,
          last_status: r.status,
          last_error: r.error,
          lease_until: null,
          next_attempt_at: r.nextAttemptAt ?? d.next_attempt_at,
          delivered_at: r.state === 'succeeded' ? now : null,
          updated_at: now,
        })
        .where('id', '=', d.id)
        .where('state', '=', 'delivering')
        .where('lease_until', '=', d.lease_until)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return;
      await tx
        .insertInto('webhook_attempts')
        .values({
          id: deps.ids.next('wha'),
          environment_id: d.environment_id,
          endpoint_id: d.endpoint_id,
          delivery_id: d.id,
          event_id: d.event_id,
          attempt: d.attempts + 1,
          started_at: r.startedAt.toISOString(),
          duration_ms: r.durationMs,
          status: r.status,
          error: r.error,
          response_snippet: r.snippet ? r.snippet.slice(0, 1024) : null,
          worker: this.id,
        })
        .execute();
      const ep = r.endpoint;
      if (!ep) return;
      if (r.state === 'succeeded') {
        await tx
          .updateTable('webhook_endpoints')
          .set({ failing_since: null, last_success_at: now })
          .where('id', '=', ep.id)
          .execute();
        return;
      }
      if (r.error === 'endpoint disabled' || r.error === 'endpoint deleted') return;
      const fresh = await tx
        .selectFrom('webhook_endpoints')
        .select(['failing_since', 'status'])
        .where('id', '=', ep.id)
        .executeTakeFirst();
      if (fresh?.status !== 'enabled') return;
      if (!fresh.failing_since) {
        await tx
          .updateTable('webhook_endpoints')
          .set({ failing_since: now })
          .where('id', '=', ep.id)
          .execute();
        return;
      }
      const failingFor = deps.clock.now().getTime() - Date.parse(fresh.failing_since);
      if (failingFor >= deps.config.webhooks.disableAfterMs) {
        const reason = `every delivery failed for ${Math.round(failingFor / 3_600_000)} h (last error: ${r.error})`;
        await tx
          .updateTable('webhook_endpoints')
          .set({ status: 'disabled', disabled_reason: reason, updated_at: now })
          .where('id', '=', ep.id)
          .execute();
        await appendEvent(tx, deps, {
          environmentId: ep.environment_id,
          event: 'webhook_endpoint.disabled',
          data: {
            object: 'webhook_endpoint',
            id: ep.id,
            endpoint_url: ep.endpoint_url,
            status: 'disabled',
            reason,
            failing_since: fresh.failing_since,
          },
          context: { actor: { id: null, source: 'system', name: 'webhook worker' } },
        });
        deps.log.warn({ endpoint: ep.id, reason }, 'webhook endpoint disabled after prolonged failure');
      }
    });
  }
}

/** Test helper: runs ticks until nothing is due (bounded). */
export async function drain(worker: WebhookWorker, maxTicks = 50) {
  for (let i = 0; i < maxTicks; i++) {
    if ((await worker.tick()) === 0) return;
  }
}

void sql;
