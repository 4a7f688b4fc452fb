/**
 * AuthKit email delivery over a real SMTP server (smtp-server on 127.0.0.1, AUTH required): each
 * template through the real worker and nodemailer, read back from the server (subject, From,
 * Message-ID, text and HTML with the code or link, branding, escaping); bodies sealed at rest;
 * queued only when the caller's transaction commits; retry after a 451 with `last_error` kept, a
 * 550 failing at once, giving up after the last attempt; the lease (a second worker leaves an
 * email being sent alone, takes it over once the lease lapses, and the first one's late result is
 * fenced off); types turned off queue nothing; the dashboard's settings and list endpoints. Runs
 * on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailInput } from '../../src/features/email/service.ts';
import { drainEmails, EmailWorker, leaseMs, smtpTransport } from '../../src/jobs/email-worker.ts';
import { sweepOnce } from '../../src/jobs/sweep.ts';
import { createHarness, type Harness, json } from '../harness.ts';
import { type Sink, startSmtpSink } from './support/smtp.ts';

let h: Harness;
let sink: Sink;
let worker: EmailWorker;
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createHarness({
    env: {
      PORTICO_SMTP_URL: sink.url,
      PORTICO_EMAIL_FROM: 'Acme Auth <auth@acme.test>',
      PORTICO_EMAIL_SCHEDULE: '1m,5m',
      PORTICO_EMAIL_TIMEOUT: '3s',
      PORTICO_ADMIN_EMAIL: 'owner@example.com',
    },
  });
  worker = new EmailWorker(h.portico.deps, { id: 'worker-a' });
  const boot = await h.portico.services.admin.bootstrap();
  const res = await request('/_admin/session', {
    method: 'POST',
    body: { email: 'owner@example.com', password: boot.password },
  });
  expect(res.status).toBe(201);
  admin = {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: (await json<{ csrf_token: string }>(res)).csrf_token,
  };
});
afterAll(async () => {
  await worker.stop();
  await h.close();
  await sink.close();
});

function request(path: string, init: { method?: string; body?: unknown } = {}) {
  return h.portico.app.request(path, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      origin: h.portico.deps.config.publicUrl,
      ...(admin ? { cookie: admin.cookie, 'x-portico-csrf': admin.csrf } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const enqueue = (input: Omit<EmailInput, 'environmentId'>) =>
  h.portico.deps.db
    .transaction()
    .execute((tx) => h.portico.services.emails.enqueue(tx, { environmentId: h.environmentId, ...input }));

const row = (id: string) =>
  h.portico.deps.db.selectFrom('emails').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const magic = (to: string, code = '482913') =>
  enqueue({ template: 'magic_auth', to, data: { code, email: to } });

describe('sending over SMTP', () => {
  it('sends each template through the worker, branded, with the code or link in text and HTML', async () => {
    const put = await request('/_admin/email_settings', {
      method: 'PUT',
      body: {
        brand_name: 'Acme',
        logo_url: 'https://cdn.acme.test/logo.png?v=1&x=2',
        brand_color: '#FF0066',
      },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toMatchObject({
      brand_name: 'Acme',
      brand_color: '#ff0066',
      delivery: 'smtp',
      default_from: 'Acme Auth <auth@acme.test>',
      disabled_types: [],
    });

    const before = sink.messages.length;
    const reset = 'https://app.acme.test/reset?token=rst_1&next=/a';
    const invite = 'https://app.acme.test/invite?token=inv_1';
    const ids = [
      await magic('ada@example.com'),
      await enqueue({
        template: 'email_verification',
        to: 'bob@example.com',
        data: { code: '771204', email: 'bob@example.com' },
      }),
      await enqueue({
        template: 'password_reset',
        to: 'cy@example.com',
        data: { url: reset, email: 'cy@example.com' },
      }),
      await enqueue({
        template: 'invitation',
        to: 'di@example.com',
        data: {
          url: invite,
          email: 'di@example.com',
          organization_name: '<Evil & Co>',
          inviter_name: 'Eve "E"',
        },
      }),
    ];
    expect(ids.every((id) => id?.startsWith('email_'))).toBe(true);
    await drainEmails(worker);
    // Sent concurrently: match each message to its email by the header the worker adds.
    const got = ids.map((id) =>
      sink.messages.slice(before).find((m) => m.headers.get('x-portico-email-id') === id),
    );
    expect(got.map((m) => m?.to && 'text' in m.to && m.to.text)).toEqual([
      'ada@example.com',
      'bob@example.com',
      'cy@example.com',
      'di@example.com',
    ]);
    expect(sink.messages.length - before).toBe(4);
    for (const [i, m] of got.entries()) {
      if (!m) throw new Error(`email ${ids[i]} did not arrive`);
      const r = await row(ids[i]!);
      expect(r).toMatchObject({ status: 'sent', attempts: 1, claimed_until: null });
      expect(r.smtp_response).toContain('queued as');
      expect(m.messageId).toBe(r.message_id);
      expect(m.headers.get('x-portico-email-id')).toBe(r.id);
      expect(m.from?.value).toEqual([{ name: 'Acme Auth', address: 'auth@acme.test' }]);
      expect(m.subject).toBe(r.subject);
      expect(m.subject).toContain('Acme');
      expect(m.html).toContain('#ff0066');
      expect(m.html).toContain('src="https://cdn.acme.test/logo.png?v=1&amp;x=2"');
      expect(m.text).toContain('Sent by Acme');
    }
    const [a, b, c, d] = got;
    expect(a!.subject).toBe('Your sign-in code for Acme');
    expect(a!.text).toContain('482913');
    expect(a!.html).toMatch(/font-size:36px[^>]*>482913</);
    expect(b!.subject).toBe('Verify your email for Acme');
    expect(b!.text).toContain('771204');
    expect(b!.html).toContain('771204');
    expect(c!.subject).toBe('Reset your Acme password');
    expect(c!.text).toContain(`Reset password: ${reset}`);
    expect(c!.html).toContain(`href="${reset.replace('&', '&amp;')}"`);
    expect(d!.subject).toBe('Eve "E" invited you to join <Evil & Co> on Acme');
    expect(d!.text).toContain(invite);
    expect(d!.html).toContain(`href="${invite}"`);
    expect(d!.html).toContain('&lt;Evil &amp; Co&gt;');
    expect(d!.html).not.toContain('<Evil');
    expect(d!.html).toContain('Eve &quot;E&quot;');
  });

  it('keeps the bodies sealed at rest: the code and link are not in the row', async () => {
    const id = (await magic('seal@example.com', '650042'))!;
    const r = await row(id);
    const raw = JSON.stringify(r);
    expect(raw).not.toContain('650042');
    expect(r.text_sealed).toMatch(/^v1\./);
    expect(r.subject).not.toContain('650042');
    expect(h.portico.deps.secrets.open(r.text_sealed)).toContain('650042');
    await drainEmails(worker);
  });

  it('queues nothing when the caller’s transaction rolls back', async () => {
    const count = async () =>
      (
        await h.portico.deps.db
          .selectFrom('emails')
          .select('id')
          .where('to_address', '=', 'gone@example.com')
          .execute()
      ).length;
    await expect(
      h.portico.deps.db.transaction().execute(async (tx) => {
        await h.portico.services.emails.enqueue(tx, {
          environmentId: h.environmentId,
          template: 'magic_auth',
          to: 'gone@example.com',
          data: { code: '111111', email: 'gone@example.com' },
        });
        throw new Error('the caller failed');
      }),
    ).rejects.toThrow('the caller failed');
    expect(await count()).toBe(0);
  });
});

describe('failures and retries', () => {
  it('retries after a 451, keeping last_error, and sends once the delay has passed', async () => {
    const attempts = sink.attempts;
    const delivered = sink.messages.length;
    sink.replies.push({ kind: 'refuse', code: 451, message: 'Try again later' });
    const id = (await magic('retry@example.com'))!;
    await drainEmails(worker);
    let r = await row(id);
    expect(r).toMatchObject({ status: 'queued', attempts: 1, claimed_until: null });
    expect(r.last_error).toMatch(/^SMTP 451: .*Try again later/);
    // Not due yet: the first retry waits 1 min ±20%.
    expect(Date.parse(r.next_attempt_at) - h.clock.now().getTime()).toBeGreaterThanOrEqual(48_000);
    expect(await worker.tick()).toBe(0);
    h.testClock!.advance(73_000);
    await drainEmails(worker);
    r = await row(id);
    expect(r).toMatchObject({ status: 'sent', attempts: 2 });
    expect(r.last_error).toMatch(/451/);
    expect(sink.attempts - attempts).toBe(2);
    expect(sink.messages.length - delivered).toBe(1);
    expect(sink.messages.at(-1)!.text).toContain('482913');
  });

  it('fails at once on a 5xx refusal (the server will never take it)', async () => {
    sink.replies.push({ kind: 'refuse', code: 550, message: 'Mailbox unavailable' });
    const id = (await magic('nobody@example.com'))!;
    await drainEmails(worker);
    const r = await row(id);
    expect(r).toMatchObject({ status: 'failed', attempts: 1, sent_at: null });
    expect(r.last_error).toMatch(/^SMTP 550: .*Mailbox unavailable/);
  });

  it('resends a failed email from the dashboard: the same message once more, and nothing else', async () => {
    sink.replies.push({ kind: 'refuse', code: 550, message: 'Mailbox unavailable' });
    const id = (await magic('resend@example.com', '135790'))!;
    await drainEmails(worker);
    const failed = await row(id);
    expect(failed.status).toBe('failed');
    const delivered = sink.messages.length;

    const res = await request(`/_admin/emails/${id}/resend`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'queued', attempts: 0 });
    await drainEmails(worker);
    const sent = await row(id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, message_id: failed.message_id });
    expect(sink.messages.length - delivered).toBe(1);
    expect(sink.messages.at(-1)!.text).toContain('135790');

    // A sent email cannot be resent (it would reach the person twice), nor an unknown or foreign id.
    const again = await request(`/_admin/emails/${id}/resend`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'email_not_failed' });
    expect((await request('/_admin/emails/email_nope/resend', { method: 'POST' })).status).toBe(404);
    expect(await row(id)).toEqual(sent);
    // An API key is not a dashboard session: refused before anything runs.
    expect((await h.api('POST', `/_admin/emails/${id}/resend`)).status).toBe(403);
    expect(await row(id)).toEqual(sent);
  });

  it('gives up as failed after the last attempt of PORTICO_EMAIL_SCHEDULE', async () => {
    for (let i = 0; i < 3; i++) sink.replies.push({ kind: 'refuse', code: 421, message: 'Busy' });
    const id = (await magic('busy@example.com'))!;
    await drainEmails(worker);
    h.testClock!.advance(73_000);
    await drainEmails(worker);
    expect((await row(id)).status).toBe('queued');
    h.testClock!.advance(6 * 60_000 + 1000);
    await drainEmails(worker);
    const r = await row(id);
    expect(r).toMatchObject({ status: 'failed', attempts: 3 });
    expect(r.last_error).toMatch(/421/);
  });

  it('retries when the SMTP server cannot be reached, with the network error kept', async () => {
    const other = new EmailWorker(h.portico.deps, {
      id: 'worker-unreachable',
      transport: smtpTransport('smtp://u:p@127.0.0.1:1', 1000),
    });
    const id = (await magic('down@example.com'))!;
    await other.tick();
    const r = await row(id);
    expect(r).toMatchObject({ status: 'queued', attempts: 1 });
    expect(r.last_error).toMatch(/ECONNREFUSED/);
    h.testClock!.advance(73_000);
    await drainEmails(worker);
    expect((await row(id)).status).toBe('sent');
  });
});

describe('leases', () => {
  it('a second worker leaves an email being sent alone and takes it over once the lease lapses', async () => {
    const b = new EmailWorker(h.portico.deps, { id: 'worker-b' });
    const id = (await magic('lease@example.com', '909090'))!;
    const delivered = sink.messages.length;
    // Worker A claims it, then stops dead (a crash before the SMTP transaction).
    const claimedByA = await worker.claim(10);
    expect(claimedByA.map((e) => e.id)).toEqual([id]);
    expect(claimedByA[0]).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await b.claim(10)).toEqual([]);
    h.testClock!.advance(leaseMs(h.portico.deps.config.email.timeoutMs) - 1000);
    expect(await b.claim(10)).toEqual([]);
    h.testClock!.advance(2000);
    await drainEmails(b);
    const r = await row(id);
    expect(r).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.messages.length - delivered).toBe(1);
    expect(sink.messages.at(-1)!.text).toContain('909090');
    await b.stop();
  });
});

describe('fencing', () => {
  it('a worker whose lease lapsed mid-attempt cannot overwrite the outcome recorded by the worker that took over', async () => {
    // Worker C's SMTP server hangs; it fails only when the test says so (after C's lease lapsed).
    let fail: (err: Error) => void = () => {};
    let started: () => void = () => {};
    const inAttempt = new Promise<void>((r) => {
      started = r;
    });
    const slow = new EmailWorker(h.portico.deps, {
      id: 'worker-c',
      transport: {
        sendMail: () =>
          new Promise((_, reject) => {
            fail = reject;
            started();
          }),
        close: () => {},
      },
    });
    const b = new EmailWorker(h.portico.deps, { id: 'worker-d' });
    const id = (await magic('fenced@example.com', '123987'))!;
    const cTick = slow.tick();
    await inAttempt;
    expect((await row(id)).status).toBe('sending');
    h.testClock!.advance(leaseMs(h.portico.deps.config.email.timeoutMs) + 1000);
    await drainEmails(b);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    fail(Object.assign(new Error('Service not available'), { responseCode: 421 }));
    await cTick;
    const r = await row(id);
    expect(r).toMatchObject({ status: 'sent', attempts: 2, claimed_until: null });
    expect(r.last_error ?? '').not.toContain('421');
  });
});

describe('types turned off and the dashboard', () => {
  it('queues nothing for a type the environment turned off (the app sends its own)', async () => {
    const put = await request('/_admin/email_settings', {
      method: 'PUT',
      body: { disabled_types: ['magic_auth', 'invitation'] },
    });
    expect(put.status).toBe(200);
    expect((await put.json()).disabled_types).toEqual(['magic_auth', 'invitation']);
    const n = async () => (await h.portico.deps.db.selectFrom('emails').select('id').execute()).length;
    const before = await n();
    expect(await magic('off@example.com')).toBeNull();
    expect(
      await enqueue({
        template: 'invitation',
        to: 'off@example.com',
        data: {
          url: 'https://x.test/i',
          email: 'off@example.com',
          organization_name: null,
          inviter_name: null,
        },
      }),
    ).toBeNull();
    expect(await n()).toBe(before);
    expect(
      await enqueue({
        template: 'password_reset',
        to: 'on@example.com',
        data: { url: 'https://x.test/r', email: 'on@example.com' },
      }),
    ).toMatch(/^email_/);
    expect(await n()).toBe(before + 1);
    await drainEmails(worker);
    const back = await request('/_admin/email_settings', { method: 'PUT', body: { disabled_types: [] } });
    expect((await back.json()).disabled_types).toEqual([]);
    expect(await magic('on-again@example.com')).toMatch(/^email_/);
    await drainEmails(worker);
  });

  it('refuses bad settings with a stable code and a fix, changing nothing', async () => {
    const before = await (await request('/_admin/email_settings')).json();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ brand_color: 'red' }, 'brand_color', 'invalid_brand_color'],
      [{ brand_color: '#12345' }, 'brand_color', 'invalid_brand_color'],
      [{ logo_url: 'javascript:alert(1)' }, 'logo_url', 'invalid_logo_url'],
      [{ logo_url: '/logo.png' }, 'logo_url', 'invalid_logo_url'],
      [{ from_address: 'not an address' }, 'from_address', 'invalid_from_address'],
      [{ from_address: 'A <a@b.test>\r\nBcc: x@y.test' }, 'from_address', 'invalid_from_address'],
      [{ disabled_types: ['sms'] }, 'disabled_types', 'invalid_email_type'],
      [{ brand_name: 'Line\nbreak' }, 'brand_name', 'invalid_brand_name'],
    ];
    for (const [body, field, code] of cases) {
      const res = await request('/_admin/email_settings', {
        method: 'PUT',
        body: { brand_name: 'Changed', ...body },
      });
      expect(res.status, JSON.stringify(body)).toBe(422);
      const err = await json<{ code: string; message: string; errors: { field: string; code: string }[] }>(
        res,
      );
      expect(err.code).toBe('invalid_request_parameters');
      expect(err.errors[0]).toMatchObject({ field, code });
      expect(err.message).toMatch(/^Email settings rejected: /);
    }
    const unknown = await request('/_admin/email_settings', { method: 'PUT', body: { colour: '#000000' } });
    expect(unknown.status).toBe(422);
    expect(await (await request('/_admin/email_settings')).json()).toEqual(before);
  });

  it('lists the environment’s emails newest first, with the body outside production', async () => {
    const id = (await enqueue({
      template: 'email_verification',
      to: 'list@example.com',
      data: { code: '246810', email: 'list@example.com' },
    }))!;
    const res = await request('/_admin/emails?limit=2');
    expect(res.status).toBe(200);
    const page = await json<{
      data: { id: string; status: string; text?: string }[];
      list_metadata: { before: string };
    }>(res);
    expect(page.data[0]).toMatchObject({ id, status: 'queued', to: 'list@example.com' });
    expect(page.data[0]!.text).toContain('246810');
    expect(page.data).toHaveLength(2);
    const next = await json<{ data: { id: string }[] }>(
      await request(`/_admin/emails?limit=2&before=${page.list_metadata.before}`),
    );
    expect(next.data[0]!.id < page.data[1]!.id).toBe(true);
    const one = await request(`/_admin/emails/${id}`);
    expect((await one.json()).subject).toBe('Verify your email for Acme');
    expect((await request('/_admin/emails/email_nope')).status).toBe(404);
    // An API key cannot read the outbox (it holds codes).
    const withKey = await h.api('GET', '/_admin/emails');
    expect(withKey.status).toBe(401);
    await drainEmails(worker);
  });
});

describe('retention', () => {
  it('sweeps finished emails once PORTICO_EVENT_RETENTION_DAYS has passed since their last attempt, never queued ones', async () => {
    const sent = (await magic('old@example.com'))!;
    await drainEmails(worker);
    expect((await row(sent)).status).toBe('sent');
    h.testClock!.advance(29 * 86_400_000);
    const queued = (await magic('later@example.com'))!;
    await sweepOnce(h.portico.deps);
    expect((await row(sent)).status).toBe('sent');
    h.testClock!.advance(2 * 86_400_000);
    await sweepOnce(h.portico.deps);
    const left = await h.portico.deps.db
      .selectFrom('emails')
      .select('id')
      .where('id', 'in', [sent, queued])
      .execute();
    expect(left.map((r) => r.id)).toEqual([queued]);
    await drainEmails(worker);
  });
});
