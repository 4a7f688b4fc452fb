/**
 * Audit log streams, in-process on both databases, each adapter against a real local receiver:
 * - Datadog, Splunk HEC and signed-HTTP intakes (test/flows/support/stream-receivers.ts) that
 *   parse the real formats and check the credentials;
 * - S3 and GCS-compatible streams against s3rver (npm) as the object store, behind a front that
 *   verifies each AWS Signature V4 with AWS's own signer (s3rver does not check v4 signatures);
 * - an outage (503 with Retry-After, then connection refused) while 1,200 events are ingested,
 *   then recovery with two workers: every event delivered exactly once, in seq order;
 * - the API's refusals: unknown type, missing fields, refused URL, another organization's or
 *   environment's stream, and a secret that never comes back;
 * - the Admin Portal's log stream API: pinned to the session's organization and intent, CSRF on
 *   writes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStreamWorker, ERROR_AFTER } from '../../src/jobs/audit-stream-worker.ts';
import { createHarness, dialect, freePort, type Harness, json } from '../harness.ts';
import { VerifyingS3Front } from './support/s3-front.ts';
import {
  DatadogIntake,
  type Intake,
  type ReceivedEvent,
  SignedHttpIntake,
  SplunkIntake,
} from './support/stream-receivers.ts';

let h: Harness;
let s3dir: string;
let s3: S3rver;
let s3port: number;
let front: VerifyingS3Front;
const GCS_KEY = 'GOOG1EXAMPLEHMACKEYID00000000';
const GCS_SECRET = 'gcs-hmac-secret-0123456789abcdefghij';
const intakes: Intake[] = [];

beforeAll(async () => {
  h = await createHarness();
  h.testClock!.set(new Date());
  s3dir = mkdtempSync(join(tmpdir(), 'portico-s3rver-'));
  s3port = await freePort();
  s3 = new S3rver({
    address: '127.0.0.1',
    port: s3port,
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: 'audit-logs', configs: [] }],
  });
  await s3.run();
  front = new VerifyingS3Front(await freePort(), `http://127.0.0.1:${s3port}`, {
    S3RVER: 'S3RVER',
    [GCS_KEY]: GCS_SECRET,
  });
  await front.start();
});
afterAll(async () => {
  await Promise.all(intakes.map((i) => i.stop()));
  await front?.stop();
  await s3?.close();
  rmSync(s3dir, { recursive: true, force: true });
  await h.close();
});

async function intake<T extends Intake>(make: (port: number) => T): Promise<T> {
  const i = make(await freePort());
  await i.start();
  intakes.push(i);
  return i;
}

const newOrg = async (name: string) =>
  String((await json(await h.api('POST', '/organizations', { name }))).id);

const event = (n: number) => ({
  action: n % 2 ? 'doc.viewed' : 'doc.edited',
  occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n % 60)).toISOString(),
  actor: { id: `user_${n % 7}`, type: 'user', name: `User ${n % 7}` },
  targets: [{ id: `doc_${n}`, type: 'document' }],
  context: { location: '10.0.0.1', user_agent: 'Firefox/120' },
  metadata: { n },
});

async function send(org: string, from: number, to: number) {
  for (let n = from; n <= to; n++) {
    const res = await h.api('POST', '/audit_logs/events', { organization_id: org, event: event(n) });
    expect(res.status).toBe(200);
  }
}

async function createStream(body: Record<string, unknown>) {
  const res = await h.api('POST', '/audit_logs/streams', body);
  const out = await json<Record<string, unknown>>(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out as { id: string; [k: string]: unknown };
}

const getStream = async (id: string) =>
  json<{
    state: string;
    attempts: number;
    pending_events: number;
    delivered_through_seq: number;
    last_error: string | null;
    last_delivered_at: string | null;
    next_attempt_at: string;
  }>(await h.api('GET', `/audit_logs/streams/${id}`));

const worker = () => new AuditStreamWorker(h.portico.deps, { id: 'test-worker' });

/** The events of one organization delivered once each, seq 1…n in order, each what was sent. */
function expectExactlyOnceInOrder(events: ReceivedEvent[], org: string, n: number) {
  const mine = events.filter((e) => e.organization_id === org);
  expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(new Set(mine.map((e) => e.id)).size).toBe(n);
  for (const e of mine) {
    expect(e.object).toBe('audit_log_event');
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((e.metadata as { n: number }).n).toBe(e.seq);
  }
}

async function s3Objects(bucket: string) {
  const list = await (await fetch(`http://127.0.0.1:${s3port}/${bucket}?list-type=2`)).text();
  const keys = [...list.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!);
  const out: { key: string; lines: ReceivedEvent[] }[] = [];
  for (const key of keys) {
    const text = await (await fetch(`http://127.0.0.1:${s3port}/${bucket}/${key}`)).text();
    out.push({
      key,
      lines: text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as ReceivedEvent),
    });
  }
  return out;
}

describe(`audit log streams on ${dialect}`, () => {
  it('Datadog: the v2 intake receives every event as a log entry, with DD-API-KEY', async () => {
    const dd = await intake((p) => new DatadogIntake(p, 'dd-api-key-0123456789abcdef'));
    const org = await newOrg('Datadog Co');
    await send(org, 1, 3); // before the stream: not sent (a stream starts at the head)
    const stream = await createStream({
      organization_id: org,
      type: 'Datadog',
      config: { site: 'datadoghq.eu', endpoint: dd.endpoint, service: 'acme-app' },
      secret: 'dd-api-key-0123456789abcdef',
    });
    expect(stream).toMatchObject({ state: 'active', secret_hint: 'cdef', delivered_through_seq: 3 });
    expect(JSON.stringify(stream)).not.toContain('dd-api-key-0123456789abcdef');
    await send(org, 4, 10);
    await worker().tick();
    expect(dd.events.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(await getStream(stream.id)).toMatchObject({
      pending_events: 0,
      delivered_through_seq: 10,
      attempts: 0,
    });
    // The test button: one synthetic event, not in the chain, cursor untouched.
    const test = await json(await h.api('POST', `/audit_logs/streams/${stream.id}/test`, {}));
    expect(test).toMatchObject({ success: true, status: 202, error: null });
    expect(dd.events.at(-1)).toMatchObject({ action: 'portico.audit_logs.test', seq: 0 });
    expect(await getStream(stream.id)).toMatchObject({ delivered_through_seq: 10 });
  });

  it('Datadog: a wrong API key is the stream’s last error, and the test button says so', async () => {
    const dd = await intake((p) => new DatadogIntake(p, 'the-right-key-0000000000'));
    const org = await newOrg('Wrong Key Co');
    const stream = await createStream({
      organization_id: org,
      type: 'Datadog',
      config: { endpoint: dd.endpoint },
      secret: 'the-wrong-key-1111111111',
    });
    const test = await json(await h.api('POST', `/audit_logs/streams/${stream.id}/test`, {}));
    expect(test).toMatchObject({ success: false, status: 403 });
    expect(String(test.error)).toContain('HTTP 403');
    await send(org, 1, 2);
    await worker().tick();
    const s = await getStream(stream.id);
    expect(s).toMatchObject({ attempts: 1, delivered_through_seq: 0, pending_events: 2 });
    expect(s.last_error).toContain('HTTP 403');
    expect(s.last_error).not.toContain('the-wrong-key');
  });

  it('Splunk HEC: concatenated event objects with the Splunk token', async () => {
    const hec = await intake((p) => new SplunkIntake(p, 'hec-token-abcdef0123456789'));
    const org = await newOrg('Splunk Co');
    const stream = await createStream({
      organization_id: org,
      type: 'Splunk',
      config: { url: hec.url, index: 'security' },
      secret: 'hec-token-abcdef0123456789',
    });
    await send(org, 1, 25);
    await worker().tick();
    expectExactlyOnceInOrder(hec.events, org, 25);
    expect((await getStream(stream.id)).pending_events).toBe(0);
  });

  it('signed HTTP POST: a WorkOS-style signature the receiver verifies', async () => {
    const rx = await intake((p) => new SignedHttpIntake(p, 'whsec-stream-secret-000000'));
    const org = await newOrg('HTTP Co');
    const stream = await createStream({
      organization_id: org,
      type: 'HTTP',
      config: { url: `${rx.url}/audit` },
      secret: 'whsec-stream-secret-000000',
    });
    await send(org, 1, 12);
    await worker().tick();
    expectExactlyOnceInOrder(rx.events, org, 12);
    expect((await getStream(stream.id)).last_error).toBeNull();
  });

  it('S3 (s3rver stores, AWS’s signer verifies SigV4): one NDJSON object per batch under prefix/org/yyyy/mm/dd', async () => {
    h.testClock!.set(new Date());
    const org = await newOrg('S3 Co');
    const stream = await createStream({
      organization_id: org,
      type: 'S3',
      config: {
        bucket: 'audit-logs',
        region: 'us-east-1',
        endpoint: front.url,
        prefix: 'portico/s3',
        access_key_id: 'S3RVER',
      },
      secret: 'S3RVER',
    });
    await send(org, 1, 520);
    await worker().tick();
    expect(await getStream(stream.id)).toMatchObject({ pending_events: 0, last_error: null });
    const objects = (await s3Objects('audit-logs')).filter((o) => o.key.startsWith('portico/s3/'));
    expect(objects.map((o) => o.key.replace(/\d{4}\/\d{2}\/\d{2}/, 'DATE')).sort()).toEqual([
      `portico/s3/${org}/DATE/1-500.ndjson`,
      `portico/s3/${org}/DATE/501-520.ndjson`,
    ]);
    expectExactlyOnceInOrder(
      objects.sort((a, b) => a.lines[0]!.seq - b.lines[0]!.seq).flatMap((o) => o.lines),
      org,
      520,
    );
    // A wrong secret key: s3rver refuses the signature, and the stream says why.
    const bad = await createStream({
      organization_id: org,
      type: 'S3',
      config: { bucket: 'audit-logs', endpoint: front.url, access_key_id: 'S3RVER' },
      secret: 'not-the-secret',
    });
    const test = await json(await h.api('POST', `/audit_logs/streams/${bad.id}/test`, {}));
    expect(test).toMatchObject({ success: false, status: 403 });
    expect(String(test.error)).toContain('SignatureDoesNotMatch');
    expect(front.verified).toBeGreaterThanOrEqual(2);
  });

  it('Google Cloud Storage-compatible (XML API, HMAC key) against the same S3-compatible server', async () => {
    h.testClock!.set(new Date());
    const org = await newOrg('GCS Co');
    const stream = await createStream({
      organization_id: org,
      type: 'GoogleCloudStorage',
      config: {
        bucket: 'audit-logs',
        endpoint: front.url,
        prefix: 'gcs',
        access_key_id: GCS_KEY,
      },
      secret: GCS_SECRET,
    });
    await send(org, 1, 7);
    await worker().tick();
    expect(await getStream(stream.id)).toMatchObject({ pending_events: 0, last_error: null });
    const objects = (await s3Objects('audit-logs')).filter((o) => o.key.startsWith('gcs/'));
    expect(objects).toHaveLength(1);
    expect(objects[0]!.key).toMatch(new RegExp(`^gcs/${org}/\\d{4}/\\d{2}/\\d{2}/1-7\\.ndjson$`));
    expectExactlyOnceInOrder(objects[0]!.lines, org, 7);
  });

  it('an outage (503, then refused connections) during 1,200 events, then recovery: each once, in order', async () => {
    const rx = await intake((p) => new SignedHttpIntake(p, 'outage-secret-0000000000'));
    const org = await newOrg('Outage Co');
    const stream = await createStream({
      organization_id: org,
      type: 'HTTP',
      config: { url: rx.url },
      secret: 'outage-secret-0000000000',
    });
    const w1 = new AuditStreamWorker(h.portico.deps, { id: 'worker-1' });
    const w2 = new AuditStreamWorker(h.portico.deps, { id: 'worker-2' });

    // 503 with Retry-After: the first batch is retried as it was, with backoff, and the stream turns `error`.
    rx.mode = 'unavailable';
    await send(org, 1, 300);
    for (let i = 0; i < ERROR_AFTER; i++) {
      await w1.tick();
      const s = await getStream(stream.id);
      expect(s.attempts).toBe(i + 1);
      expect(s.last_error).toContain('HTTP 503');
      expect(Date.parse(s.next_attempt_at)).toBeGreaterThanOrEqual(h.clock.now().getTime() + 1_000);
      await send(org, 301 + i * 60, 360 + i * 60);
      h.testClock!.advance(3_600_000);
    }
    expect((await getStream(stream.id)).state).toBe('error');
    const failed = rx.requests.filter((r) => r.status === 503);
    expect(failed.length).toBe(ERROR_AFTER);
    for (const r of failed) expect(r.seqs).toEqual([]);

    // The receiver is gone altogether: connection refused.
    await rx.stop();
    await send(org, 601, 1200);
    await w1.tick();
    expect((await getStream(stream.id)).last_error).toMatch(/ECONNREFUSED/);
    expect(rx.events).toHaveLength(0);

    // Back up: two workers drain it; nothing twice, nothing missing, seq order.
    await rx.start();
    rx.mode = 'ok';
    h.testClock!.advance(3_600_000);
    for (let i = 0; i < 10; i++) {
      const [a, b] = await Promise.all([w1.tick(), w2.tick()]);
      if (a + b === 0) break;
    }
    expectExactlyOnceInOrder(rx.events, org, 1200);
    // The first delivered batch is the one fixed before the outage: seq 1–300.
    expect(rx.requests.find((r) => r.status === 200)!.seqs).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    expect(await getStream(stream.id)).toMatchObject({
      state: 'active',
      attempts: 0,
      pending_events: 0,
      delivered_through_seq: 1200,
    });
  });

  it('a worker that dies holding a stream’s lease: another delivers the batch once the lease lapses', async () => {
    const rx = await intake((p) => new SignedHttpIntake(p, 'lease-secret-000000000000'));
    const org = await newOrg('Lease Co');
    const stream = await createStream({
      organization_id: org,
      type: 'HTTP',
      config: { url: rx.url },
      secret: 'lease-secret-000000000000',
    });
    await send(org, 1, 6);
    const dead = new AuditStreamWorker(h.portico.deps, { id: 'dead-worker' });
    const claimed = await dead.claim(100);
    expect(claimed.map((s) => s.id)).toContain(stream.id);
    const alive = new AuditStreamWorker(h.portico.deps, { id: 'alive-worker' });
    await alive.tick();
    expect(rx.requests).toHaveLength(0); // leased: not sent twice at once
    h.testClock!.advance(h.portico.deps.config.webhooks.timeoutMs + 60_000);
    await alive.tick();
    expectExactlyOnceInOrder(rx.events, org, 6);
    expect(await getStream(stream.id)).toMatchObject({ pending_events: 0, attempts: 0 });
  });

  it('events deleted outside Portico: the stream says so and goes on, without spinning', async () => {
    const rx = await intake((p) => new SignedHttpIntake(p, 'gap-secret-00000000000000'));
    const org = await newOrg('Gap Co');
    const stream = await createStream({
      organization_id: org,
      type: 'HTTP',
      config: { url: rx.url },
      secret: 'gap-secret-00000000000000',
    });
    await send(org, 1, 5);
    await h.portico.deps.db
      .deleteFrom('audit_log_events')
      .where('organization_id', '=', org)
      .where('seq', 'in', [1, 2])
      .execute();
    await worker().tick();
    expect(rx.events.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect((await getStream(stream.id)).last_error).toContain('Events seq 1–2 were missing');
    // The newest events gone too: reported, retried a minute later, not in a loop.
    await send(org, 6, 7);
    await h.portico.deps.db
      .deleteFrom('audit_log_events')
      .where('organization_id', '=', org)
      .where('seq', '>', 5)
      .execute();
    expect(await worker().tick()).toBe(1);
    const s = await getStream(stream.id);
    expect(s.last_error).toContain('missing from the organization');
    expect(Date.parse(s.next_attempt_at)).toBe(h.clock.now().getTime() + 60_000);
  });

  it('a paused stream sends nothing until resumed, then catches up in order', async () => {
    const rx = await intake((p) => new SignedHttpIntake(p, 'pause-secret-000000000000'));
    const org = await newOrg('Pause Co');
    const stream = await createStream({
      organization_id: org,
      type: 'HTTP',
      config: { url: rx.url },
      secret: 'pause-secret-000000000000',
    });
    const paused = await h.api('PATCH', `/audit_logs/streams/${stream.id}`, { state: 'inactive' });
    expect(await json(paused)).toMatchObject({ state: 'inactive' });
    await send(org, 1, 4);
    await worker().tick();
    expect(rx.requests).toHaveLength(0);
    expect(await getStream(stream.id)).toMatchObject({ state: 'inactive', pending_events: 4 });
    const bad = await h.api('PATCH', `/audit_logs/streams/${stream.id}`, { config: { url: 'gopher://x' } });
    expect(bad.status).toBe(422);
    expect((await json<{ errors: { field: string }[] }>(bad)).errors[0]!.field).toBe('config.url');
    await h.api('PATCH', `/audit_logs/streams/${stream.id}`, { state: 'active' });
    await worker().tick();
    expectExactlyOnceInOrder(rx.events, org, 4);
  });

  it('retention keeps the events a stream has not delivered', async () => {
    const rx = await intake((p) => new SignedHttpIntake(p, 'retention-secret-00000000'));
    const org = await newOrg('Retention Co');
    const stream = await createStream({
      organization_id: org,
      type: 'HTTP',
      config: { url: rx.url },
      secret: 'retention-secret-00000000',
    });
    rx.mode = 'unavailable';
    await send(org, 1, 5);
    await h.api('PUT', `/organizations/${org}/audit_logs_retention`, { retention_period_in_days: 30 });
    h.testClock!.advance(400 * 86_400_000);
    expect(await h.portico.services.auditLogs.applyRetention()).toBe(0);
    rx.mode = 'ok';
    await worker().tick();
    expectExactlyOnceInOrder(rx.events, org, 5);
    expect((await getStream(stream.id)).pending_events).toBe(0);
    // Delivered: now retention may delete them.
    expect(await h.portico.services.auditLogs.applyRetention()).toBeGreaterThanOrEqual(5);
  });

  it('refuses an unknown type, missing or wrong fields, a refused URL, and others’ streams', async () => {
    const org = await newOrg('Refusals Co');
    const refused = async (body: unknown, status: number, code: string, field?: string) => {
      const res = await h.api('POST', '/audit_logs/streams', body);
      const out = await json<{ code: string; message: string; errors?: { field: string }[] }>(res);
      expect(res.status, JSON.stringify(out)).toBe(status);
      expect(out.code).toBe(code);
      if (field) expect(out.errors?.map((e) => e.field)).toContain(field);
      return out;
    };
    const unknown = await refused(
      { organization_id: org, type: 'Kafka', config: {}, secret: 'x' },
      422,
      'invalid_request_parameters',
      'type',
    );
    expect(unknown.message).toContain('"Datadog"');
    await refused(
      { organization_id: org, type: 'S3', config: { access_key_id: 'AK' }, secret: 'x' },
      422,
      'invalid_request_parameters',
      'config.bucket',
    );
    await refused(
      { organization_id: org, type: 'Splunk', config: {}, secret: 'x' },
      422,
      'invalid_request_parameters',
      'config.url',
    );
    await refused(
      { organization_id: org, type: 'Splunk', config: { url: 'ftp://splunk' }, secret: 'x' },
      422,
      'invalid_request_parameters',
      'config.url',
    );
    await refused(
      { organization_id: org, type: 'HTTP', config: { url: 'https://x.example' } },
      422,
      'invalid_request_parameters',
      'secret',
    );
    await refused(
      { type: 'HTTP', config: { url: 'https://x.example' }, secret: 'x' },
      422,
      'invalid_request_parameters',
      'organization_id',
    );
    await refused(
      { organization_id: org, type: 'HTTP', config: { url: 'http://169.254.169.254/latest' }, secret: 'x' },
      422,
      'audit_log_stream_url_refused',
      'config.url',
    );
    await refused(
      {
        organization_id: 'org_01HZZZZZZZZZZZZZZZZZZZZZZZ',
        type: 'HTTP',
        config: { url: 'https://x.example' },
        secret: 'x',
      },
      404,
      'entity_not_found',
    );
    // Another environment sees neither the stream nor the organization.
    const stream = await createStream({
      organization_id: org,
      type: 'HTTP',
      config: { url: 'https://siem.example' },
      secret: 'secret-0000000000',
    });
    const other = await h.portico.services.environments.createEnvironment('Other');
    const as = (method: string, path: string, body?: unknown) =>
      h.portico.app.request(path, {
        method,
        headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    for (const [method, path] of [
      ['GET', `/audit_logs/streams/${stream.id}`],
      ['DELETE', `/audit_logs/streams/${stream.id}`],
      ['POST', `/audit_logs/streams/${stream.id}/test`],
      ['GET', `/audit_logs/streams?organization_id=${org}`],
    ] as const) {
      const res = await as(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await json(res)).code).toBe('entity_not_found');
    }
    // The owner lists it (without its secret) and deletes it.
    const list = await json<{ data: { id: string }[] }>(
      await h.api('GET', `/audit_logs/streams?organization_id=${org}`),
    );
    expect(list.data.map((s) => s.id)).toEqual([stream.id]);
    expect(JSON.stringify(list)).not.toContain('secret-0000000000');
    expect((await h.api('DELETE', `/audit_logs/streams/${stream.id}`)).status).toBe(204);
    expect((await h.api('GET', `/audit_logs/streams/${stream.id}`)).status).toBe(404);
  });

  it('the portal’s log stream API sees only its organization’s streams, and only with the log_streams intent', async () => {
    const rx = await intake((p) => new SignedHttpIntake(p, 'portal-secret-00000000000'));
    const orgA = await newOrg('Portal A');
    const orgB = await newOrg('Portal B');
    const theirs = await createStream({
      organization_id: orgB,
      type: 'HTTP',
      config: { url: rx.url },
      secret: 'portal-secret-00000000000',
    });
    const session = async (organization: string, intent: string) => {
      const gen = await h.api('POST', '/portal/generate_link', { organization, intent });
      expect(gen.status).toBe(201);
      const u = new URL((await json<{ link: string }>(gen)).link);
      const launched = await h.portico.app.request(`${u.pathname}${u.search}`);
      expect(launched.status).toBe(302);
      const cookie = launched.headers.get('set-cookie')!.split(';')[0]!;
      const { csrf } = await json<{ csrf: string }>(
        await h.portico.app.request('/portal/api/session', { headers: { cookie } }),
      );
      return (method: string, path: string, body?: unknown, withCsrf = true) =>
        h.portico.app.request(path, {
          method,
          headers: {
            cookie,
            origin: h.portico.deps.config.publicUrl,
            ...(withCsrf ? { 'x-portico-csrf': csrf } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
    };
    const a = await session(orgA, 'log_streams');
    const created = await a('POST', '/portal/api/log_streams', {
      type: 'HTTP',
      config: { url: rx.url },
      secret: 'portal-secret-00000000000',
    });
    expect(created.status).toBe(201);
    const mine = await json<{ id: string; organization_id: string }>(created);
    expect(mine.organization_id).toBe(orgA);
    const list = await json<{ data: { id: string }[] }>(await a('GET', '/portal/api/log_streams'));
    expect(list.data.map((s) => s.id)).toEqual([mine.id]);
    expect(JSON.stringify(list)).not.toContain('portal-secret');
    // Another organization's stream: not found, whatever the verb.
    for (const [method, path] of [
      ['POST', `/portal/api/log_streams/${theirs.id}/test`],
      ['DELETE', `/portal/api/log_streams/${theirs.id}`],
      ['PATCH', `/portal/api/log_streams/${theirs.id}`],
    ] as const) {
      const res = await a(
        method,
        path,
        method === 'POST' ? {} : method === 'PATCH' ? { state: 'inactive' } : undefined,
      );
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await json(res)).code).toBe('entity_not_found');
    }
    expect((await getStream(theirs.id)).state).toBe('active');
    // Writes need the CSRF header; an sso session cannot reach log streams.
    const noCsrf = await a('DELETE', `/portal/api/log_streams/${mine.id}`, undefined, false);
    expect((await json(noCsrf)).code).toBe('portal_csrf_invalid');
    const sso = await session(orgA, 'sso');
    const wrong = await sso('GET', '/portal/api/log_streams');
    expect(wrong.status).toBe(403);
    expect((await json(wrong)).code).toBe('portal_intent_not_allowed');
    expect(await json(await a('POST', `/portal/api/log_streams/${mine.id}/test`, {}))).toMatchObject({
      success: true,
      status: 200,
    });
    expect((await a('DELETE', `/portal/api/log_streams/${mine.id}`)).status).toBe(204);
  });
});
