/**
 * Email delivery from the outbox (docs/email.md "Delivery guarantees").
 *
 * 1. Claim: due `queued` emails, and `sending` emails whose lease lapsed because a worker died,
 *    are leased with one UPDATE … RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL) that also
 *    counts the attempt, so a crash loop still ends. The lease outlasts the attempt's deadline, and
 *    results are written only while the lease is still ours (fencing).
 * 2. Send: one SMTP transaction through nodemailer, with the email's stable Message-ID (the same on
 *    every attempt), unsealing the bodies only for it.
 * 3. Settle: `sent` with the server's reply; a 5xx reply (the server refuses the message for good)
 *    or the last attempt failing is `failed`; anything else is retried after the next delay of
 *    PORTICO_EMAIL_SCHEDULE (±20% jitter), keeping `last_error`.
 *
 * The one window left: a worker that dies after the SMTP server accepted the message and before
 * its `sent` commits (milliseconds) leaves the email `sending`; once the lease lapses it is sent
 * again, with the same Message-ID, so the duplicate is recognisable. An email is never lost and
 * never sent twice at the same moment; a crash at any other point sends it exactly once.
 */
import { hostname } from 'node:os';
import nodemailer from 'nodemailer';
import { parseFromAddress } from '../config.ts';
import type { Deps } from '../platform/deps.ts';
import type { EmailTable } from '../platform/schema.ts';
import { drainBatches, PollLoop } from './poll-loop.ts';

/** A lease covers the attempt's deadline (3 × the timeout) plus one more timeout of margin. */
export const leaseMs = (timeoutMs: number) => timeoutMs * 4;

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
}

/** What the worker sends through: nodemailer's SMTP transport (tests may wrap it). */
export interface MailTransport {
  sendMail(message: MailMessage): Promise<{ response: string }>;
  close(): void;
}

export function smtpTransport(url: string, timeoutMs: number): MailTransport {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  const t = nodemailer.createTransport({
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    auth: u.username
      ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
      : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    name: hostname(),
  });
  return {
    async sendMail(m) {
      const info = await t.sendMail(m);
      return { response: String(info.response ?? '') };
    },
    close: () => t.close(),
  };
}

/** An SMTP failure as `last_error` and whether retrying can help (5xx: it cannot). */
function describe(err: unknown): { error: string; permanent: boolean } {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const text = (e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 500);
  return {
    error: code ? `SMTP ${code}: ${text}` : `${e.code ? `${e.code}: ` : ''}${text}`,
    permanent: code !== null && code >= 500 && code < 600,
  };
}

export class EmailWorker {
  readonly id: string;
  private loop: PollLoop;
  private transport: MailTransport | null;

  constructor(
    private deps: Deps,
    opts: { id?: string; transport?: MailTransport } = {},
  ) {
    this.id = opts.id ?? `${hostname()}:${process.pid}`;
    const url = deps.config.email.smtpUrl;
    this.transport = opts.transport ?? (url ? smtpTransport(url, deps.config.email.timeoutMs) : null);
    this.loop = new PollLoop(deps, 'email worker', () => this.tick());
  }

  /** Whether there is an SMTP server to send to (without one, nothing is ever queued). */
  get enabled() {
    return this.transport !== null;
  }

  start() {
    if (this.transport) this.loop.start();
  }

  /** Stops polling and waits for the attempts in flight. */
  async stop() {
    await this.loop.stop();
    this.transport?.close();
  }

  /** One pass: send everything due. Returns the attempts made. */
  tick(): Promise<number> {
    return drainBatches(
      () => this.claim(8),
      (e) => this.attempt(e),
      () => this.loop.stopping,
    );
  }

  async claim(limit: number): Promise<EmailTable[]> {
    const { db, dialect, clock, config } = this.deps;
    const now = clock.now();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + leaseMs(config.email.timeoutMs)).toISOString();
    let due = db
      .selectFrom('emails')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', nowIso)]),
          eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', nowIso)]),
        ]),
      )
      .orderBy('next_attempt_at', 'asc')
      .limit(limit);
    if (dialect === 'postgres') due = due.forUpdate().skipLocked();
    return db
      .updateTable('emails')
      .set((eb) => ({
        status: 'sending',
        claimed_until: lease,
        attempts: eb('attempts', '+', 1),
        updated_at: nowIso,
      }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  private async attempt(e: EmailTable) {
    const { deps } = this;
    const max = deps.config.email.scheduleMs.length + 1;
    if (e.attempts > max) {
      // The previous holder died during the last attempt: stop here rather than loop for ever.
      await this.settle(e, {
        status: 'failed',
        error: e.last_error ?? 'the worker stopped during the last attempt',
      });
      return;
    }
    const from = parseFromAddress(e.from_address);
    const deadline = deps.config.email.timeoutMs * 3;
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = await Promise.race([
        this.transport!.sendMail({
          from: from?.name ? `"${from.name.replace(/["\\]/g, '')}" <${from.address}>` : e.from_address,
          to: e.to_address,
          subject: e.subject,
          text: deps.secrets.open(e.text_sealed),
          html: deps.secrets.open(e.html_sealed),
          messageId: e.message_id,
          headers: { 'X-Portico-Email-Id': e.id, 'Auto-Submitted': 'auto-generated' },
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer from the SMTP server within ${deadline} ms`)),
            deadline,
          );
        }),
      ]);
      await this.settle(e, { status: 'sent', response: sent.response.slice(0, 500) });
      deps.log.info({ email: e.id, template: e.template, attempts: e.attempts }, 'email sent');
    } catch (err) {
      const { error, permanent } = describe(err);
      if (permanent || e.attempts >= max) {
        await this.settle(e, { status: 'failed', error });
        deps.log.warn({ email: e.id, template: e.template, attempts: e.attempts, error }, 'email failed');
        return;
      }
      const base = deps.config.email.scheduleMs[e.attempts - 1]!;
      const jitter = 0.8 + (deps.random.bytes(1)[0]! / 255) * 0.4;
      const next = new Date(deps.clock.now().getTime() + Math.round(base * jitter)).toISOString();
      await this.settle(e, { status: 'queued', error, nextAttemptAt: next });
      deps.log.warn({ email: e.id, attempts: e.attempts, error, next }, 'email attempt failed; will retry');
    } finally {
      clearTimeout(timer);
    }
  }

  private async settle(
    e: EmailTable,
    r: { status: 'sent' | 'failed' | 'queued'; error?: string; response?: string; nextAttemptAt?: string },
  ) {
    const now = this.deps.clock.now().toISOString();
    // Fencing: only the holder of the current lease records the outcome.
    await this.deps.db
      .updateTable('emails')
      .set({
        status: r.status,
        claimed_until: null,
        ...(r.error !== undefined ? { last_error: r.error } : {}),
        ...(r.response !== undefined ? { smtp_response: r.response } : {}),
        // Finished: the time of the last attempt (the sweeper's retention counts from it).
        next_attempt_at: r.nextAttemptAt ?? now,
        sent_at: r.status === 'sent' ? now : null,
        updated_at: now,
      })
      .where('id', '=', e.id)
      .where('status', '=', 'sending')
      .where('claimed_until', '=', e.claimed_until)
      .execute();
  }
}

/** Test helper: runs ticks until nothing is due (bounded). */
export async function drainEmails(worker: EmailWorker, maxTicks = 50) {
  for (let i = 0; i < maxTicks; i++) {
    if ((await worker.tick()) === 0) return;
  }
}
