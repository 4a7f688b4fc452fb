/**
 * Webhook endpoints, signed delivery from the outbox, retries with backoff, Retry-After,
 * redirects, auto-disable, redelivery and replay — in-process, with a local receiver and a
 * steppable clock.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { drain, WebhookWorker } from '../../src/jobs/webhook-worker.ts';
import { createHarness, type Harness, json } from '../harness.ts';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let h: Harness;
let worker: WebhookWorker;
let receiver: Server;
let url: string;
let received: Received[] = [];
let respond: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });

beforeAll(async () => {
  h = await createHarness({
    env: {
      PORTICO_WEBHOOK_SCHEDULE: '1s,2s,4s',
      PORTICO_WEBHOOK_DISABLE_AFTER: '10s',
      PORTICO_WEBHOOK_TIMEOUT: '2s',
    },
  });
  worker = new WebhookWorker(h.portico.deps, { id: 'test-worker' });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ path: String(req.url).replace('/hooks', ''), headers: req.headers, body });
      const r = respond(received.filter((x) => x.path === String(req.url).replace('/hooks', '')).length);
      res.writeHead(r.status, r.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await worker.stop();
  await new Promise((r) => receiver.close(r));
  await h.close();
});
beforeEach(() => {
  received = [];
  respond = () => ({ status: 200 });
});

const at = (path: string) => received.filter((r) => r.path === path);

function verify(secret: string, r: Received) {
  const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(String(r.headers['workos-signature']));
  expect(m).not.toBeNull();
  const expected = createHmac('sha256', secret).update(`${m![1]}.${r.body}`).digest('hex');
  expect(m![2]).toBe(expected);
  return Number(m![1]);
}

async function endpoint(events: string[], path = '') {
  const res = await h.api('POST', '/webhook_endpoints', { endpoint_url: `${url}${path}`, events });
  expect(res.status).toBe(201);
  return json<{ id: string; secret: string; endpoint_url: string; status: string }>(res);
}

describe('webhook endpoints', () => {
  it('creates, shows the secret once, lists, updates and deletes', async () => {
    const ep = await endpoint(['user.created'], '/crud');
    expect(ep.secret).toMatch(/^whsec_/);
    const got = await json(await h.api('GET', `/webhook_endpoints/${ep.id}`));
    expect(got.secret).not.toBe(ep.secret);
    expect(String(got.secret)).toContain('…');
    const listed = await json<{ data: { id: string }[] }>(await h.api('GET', '/webhook_endpoints'));
    expect(listed.data.map((e) => e.id)).toContain(ep.id);
    const patched = await json(
      await h.api('PATCH', `/webhook_endpoints/${ep.id}`, {
        status: 'disabled',
        events: ['user.created', 'user.deleted'],
      }),
    );
    expect(patched).toMatchObject({ status: 'disabled', events: ['user.created', 'user.deleted'] });
    expect((await h.api('DELETE', `/webhook_endpoints/${ep.id}`)).status).toBe(204);
    expect((await h.api('GET', `/webhook_endpoints/${ep.id}`)).status).toBe(404);
  });

  it('refuses a duplicate URL (409), an invalid URL (422) and an unknown event type (422)', async () => {
    await endpoint(['user.created'], '/dup');
    const dup = await h.api('POST', '/webhook_endpoints', {
      endpoint_url: `${url}/dup`,
      events: ['user.created'],
    });
    expect(dup.status).toBe(409);
    expect(await json(dup)).toMatchObject({ code: 'duplicate_endpoint' });
    const bad = await h.api('POST', '/webhook_endpoints', {
      endpoint_url: 'ftp://example.com/x',
      events: ['user.created'],
    });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ code: 'invalid_url' });
    const meta = await h.api('POST', '/webhook_endpoints', {
      endpoint_url: 'http://169.254.169.254/latest',
      events: ['user.created'],
    });
    expect(meta.status).toBe(422);
    const unknown = await h.api('POST', '/webhook_endpoints', {
      endpoint_url: `${url}/u`,
      events: ['user.exploded'],
    });
    expect(unknown.status).toBe(422);
    expect(await json(unknown)).toMatchObject({ code: 'unknown_event_type' });
  });
});

describe('delivery', () => {
  it('delivers new events, signed over the exact compact JSON body, and logs the attempt', async () => {
    const ep = await endpoint(['organization.created'], '/deliver');
    const org = await json(await h.api('POST', '/organizations', { name: 'Hooked' }));
    await h.api('POST', '/user_management/users', { email: 'not-subscribed@example.com' });
    await drain(worker);
    const mine = at('/deliver');
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0]!.body).data.id).toBe(org.id);
    const r = mine[0]!;
    expect(r.headers['content-type']).toBe('application/json');
    const body = JSON.parse(r.body);
    expect(r.body).toBe(JSON.stringify(body));
    expect(body).toMatchObject({
      object: 'event',
      event: 'organization.created',
      data: { id: org.id, name: 'Hooked' },
    });
    expect(verify(ep.secret, r)).toBe(h.clock.now().getTime());
    expect(mine.some((x) => JSON.parse(x.body).event === 'user.created')).toBe(false);
    const log = await json<{
      data: { state: string; attempts: number; attempt_log: { status: number }[] }[];
    }>(await h.api('GET', `/webhook_endpoints/${ep.id}/deliveries`));
    expect(log.data[0]).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(log.data[0]!.attempt_log[0]!.status).toBe(200);
    await h.api('PATCH', `/webhook_endpoints/${ep.id}`, { status: 'disabled' });
  });

  it('retries failures on the schedule, honours Retry-After, and never follows redirects', async () => {
    const ep = await endpoint(['user.created'], '/retry');
    respond = (n): { status: number; headers?: Record<string, string> } =>
      n === 1
        ? { status: 500 }
        : n === 2
          ? { status: 302, headers: { location: 'http://169.254.169.254/' } }
          : n === 3
            ? { status: 503, headers: { 'retry-after': '30' } }
            : { status: 200 };
    await h.api('POST', '/user_management/users', { email: 'retry@example.com' });
    await drain(worker);
    expect(at('/retry')).toHaveLength(1);
    h.testClock!.advance(1300); // first delay: 1 s ± 20%
    await drain(worker);
    expect(at('/retry')).toHaveLength(2); // the 302 is a failure; nothing fetched the Location
    h.testClock!.advance(2500);
    await drain(worker);
    expect(at('/retry')).toHaveLength(3); // 503 with Retry-After: 30
    h.testClock!.advance(5000);
    await drain(worker);
    expect(at('/retry')).toHaveLength(3); // the schedule said ~4 s, Retry-After said 30 s
    h.testClock!.advance(26_000);
    await drain(worker);
    expect(at('/retry')).toHaveLength(4);
    const ids = new Set(at('/retry').map((r) => JSON.parse(r.body).id));
    expect(ids.size).toBe(1); // every attempt carries the same event id
    const log = await json<{
      data: {
        state: string;
        attempts: number;
        attempt_log: { status: number | null; error: string | null }[];
      }[];
    }>(await h.api('GET', `/webhook_endpoints/${ep.id}/deliveries`));
    expect(log.data[0]!.state).toBe('succeeded');
    expect(log.data[0]!.attempt_log.map((a) => a.status)).toEqual([500, 302, 503, 200]);
    await h.api('PATCH', `/webhook_endpoints/${ep.id}`, { status: 'disabled' });
  });

  it('gives up after the last attempt, and disables an endpoint that keeps failing, with an event', async () => {
    const ep = await endpoint(['user.created'], '/dead');
    respond = () => ({ status: 500 });
    await h.api('POST', '/user_management/users', { email: 'dead1@example.com' });
    for (let i = 0; i < 6; i++) {
      await drain(worker);
      h.testClock!.advance(5000);
    }
    const log = await json<{ data: { state: string; attempts: number }[] }>(
      await h.api('GET', `/webhook_endpoints/${ep.id}/deliveries`),
    );
    expect(log.data[0]).toMatchObject({ state: 'failed', attempts: 4 });
    const after = await json(await h.api('GET', `/webhook_endpoints/${ep.id}`));
    expect(after.status).toBe('disabled');
    expect(String(after.disabled_reason)).toContain('HTTP 500');
    const events = await json<{ data: { event: string; data: { id: string } }[] }>(
      await h.api('GET', '/events?events=webhook_endpoint.disabled'),
    );
    // Exactly one event for this endpoint (the earlier /dup endpoint, also failing, has its own).
    const mine = events.data.filter((e) => e.data.id === ep.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.data).toMatchObject({
      status: 'disabled',
      endpoint_url: ep.endpoint_url,
      reason: after.disabled_reason,
    });
  });

  it('redelivers one event by hand and replays an endpoint from a cursor', async () => {
    const ep = await endpoint(['organization.created'], '/replay');
    const a = await json(await h.api('POST', '/organizations', { name: 'R1' }));
    const b = await json(await h.api('POST', '/organizations', { name: 'R2' }));
    await drain(worker);
    const ofEp = () => at('/replay');
    expect(ofEp()).toHaveLength(2);
    const events = await json<{ data: { id: string; data: { id: string } }[] }>(
      await h.api('GET', '/events?events=organization.created&order=asc&limit=100'),
    );
    const evA = events.data.find((e) => e.data.id === a.id)!;
    const evB = events.data.find((e) => e.data.id === b.id)!;
    const re = await h.api('POST', `/events/${evA.id}/redeliver`, { endpoint_id: ep.id });
    expect(re.status).toBe(202);
    await drain(worker);
    // Deliveries due together are attempted concurrently: compare without order.
    const ids = () =>
      ofEp()
        .map((r) => JSON.parse(r.body).id as string)
        .sort();
    expect(ids()).toEqual([evA.id, evA.id, evB.id].sort());
    const replay = await json(await h.api('POST', `/webhook_endpoints/${ep.id}/replay`, { after: evA.id }));
    expect(replay).toMatchObject({ scheduled: 1, last_event_id: evB.id });
    await drain(worker);
    expect(ids()).toEqual([evA.id, evA.id, evB.id, evB.id].sort());
  });
});
