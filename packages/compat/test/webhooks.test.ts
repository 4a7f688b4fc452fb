/**
 * Portico's signed webhooks through the official SDK, and the integration guide's webhook handler
 * run as written (drizzle over SQLite) against deliveries Portico itself produced, on every major
 * of the matrix (7, 8, 11, 12), each against its own listening Portico:
 *
 * - A real SCIM provisioning against the running Portico (an IdP creating, then deleting, a user
 *   and creating a group) writes `dsync.user.created`, `dsync.group.created` and
 *   `dsync.user.deleted`; the real webhook worker delivers them to an app that verifies each with
 *   this major's `webhooks.constructEvent` and hands it to the guide's `POST`, which inserts the
 *   user and deletes it again.
 * - `constructEvent` accepts Portico's signature; a tampered body, a tampered timestamp, an expired
 *   tolerance and a wrong secret are each rejected.
 * - The Events API (`events.listEvents`) replays the same events, with `after` cursors.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookWorker } from '../../../apps/server/src/jobs/webhook-worker.ts';
import { guideApp, users } from './support/guide-webhook.ts';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, type Major, modern, sdkFor } from './support/sdks.ts';

interface Delivery {
  body: string;
  signature: string;
  /** What the guide's handler answered (only deliveries that verified reach it). */
  status: number;
}

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** 7.x and 8.x verify over JSON.stringify(parsed body); 11.x and 12.x over the raw string (§5.7). */
const takesRawBody = (major: Major) => modern(major);

describe.each(MAJORS)('webhooks through the official SDK %s', (major) => {
  let p: Running;
  let worker: WebhookWorker;
  let app: Server;
  let sqlite: Database.Database;
  let db: BetterSQLite3Database;
  let workos: AnyWorkOS;
  let secret = '';
  const deliveries: Delivery[] = [];
  const verifyFailures: string[] = [];
  const api = async (method: string, path: string, body?: unknown, token = p.h.apiKey) => {
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': path.startsWith('/scim/') ? 'application/scim+json' : 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
  };
  const eventsOf = (name: string) =>
    deliveries
      .map((d) => JSON.parse(d.body) as { id: string; event: string; data: Record<string, unknown> })
      .filter((e) => e.event === name);

  beforeAll(async () => {
    p = await startPortico({ env: { PORTICO_WEBHOOK_POLL: '20ms' } });
    worker = new WebhookWorker(p.h.portico.deps, { id: `compat-${major}` });
    worker.start();
    workos = await sdkFor(major, p);
    const guide = guideApp();
    ({ sqlite, db } = guide);
    const POST = guide.POST;
    // The app verifies every delivery with this major's SDK before handing it to the guide's handler.
    app = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', async () => {
        const signature = String(req.headers['workos-signature']);
        try {
          await workos.webhooks.constructEvent({
            payload: takesRawBody(major) ? body : JSON.parse(body),
            sigHeader: signature,
            secret,
          });
        } catch (err) {
          verifyFailures.push(String(err));
          deliveries.push({ body, signature, status: 400 });
          res.writeHead(400).end('bad signature');
          return;
        }
        const response = await POST(
          new Request('http://app.test/api/webhooks', {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
          }),
        );
        deliveries.push({ body, signature, status: response.status });
        res.writeHead(response.status).end(await response.text());
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const endpoint = await api('POST', '/webhook_endpoints', {
      endpoint_url: `${appUrl}/api/webhooks`,
      events: ['dsync.user.created', 'dsync.user.deleted', 'dsync.group.created', 'organization.created'],
    });
    expect(endpoint.status).toBe(201);
    secret = String(endpoint.body.secret);
  });
  afterAll(async () => {
    await worker?.stop();
    await new Promise((r) => app?.close(r));
    await p?.close();
    sqlite?.close();
  });

  it('the guide’s handler inserts on a real dsync.user.created and deletes on a real dsync.user.deleted', async () => {
    // Portico, as the IdP sees it: an organization, a directory and its SCIM endpoint.
    const org = await api('POST', '/organizations', { name: `Foo Corp ${major}` });
    const dir = await api('POST', '/directories', {
      organization_id: org.body.id,
      name: 'Foo Okta',
      type: 'okta scim v2.0',
    });
    expect(dir.status).toBe(201);
    const directoryId = String(dir.body.id);
    const scimToken = (dir.body.scim as { bearer_token: string }).bearer_token;
    const email = `veda-${major}@foo-corp.com`;

    const created = await api(
      'POST',
      `/scim/v2/${directoryId}/Users`,
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: email,
        externalId: `okta-${major}`,
        name: { givenName: 'Veda', familyName: 'Torp' },
        emails: [{ primary: true, type: 'work', value: email }],
        active: true,
      },
      scimToken,
    );
    expect(created.status).toBe(201);
    const directoryUserId = String(created.body.id);
    const group = await api(
      'POST',
      `/scim/v2/${directoryId}/Groups`,
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering' },
      scimToken,
    );
    expect(group.status).toBe(201);

    const row = await waitFor(
      () => db.select().from(users).where(eq(users.email, email)).get(),
      'the guide to insert the user',
    );
    expect(row).toMatchObject({ name: 'Veda Torp', orgId: directoryId });
    // What the guide read is what Portico provisioned: the same user, in Portico's Events API.
    const [createdEvent] = eventsOf('dsync.user.created');
    expect(createdEvent!.data).toMatchObject({ id: directoryUserId, directory_id: directoryId, email });
    const stored = await api('GET', `/events?events=dsync.user.created`);
    expect((stored.body.data as { id: string }[]).map((e) => e.id)).toContain(createdEvent!.id);
    await waitFor(() => eventsOf('dsync.group.created')[0], 'the dsync.group.created delivery');

    // The IdP deprovisions the user: Portico emits dsync.user.deleted, the guide deletes the row.
    const deleted = await fetch(`${p.url}/scim/v2/${directoryId}/Users/${directoryUserId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${scimToken}` },
    });
    expect(deleted.status).toBe(204);
    await waitFor(
      () => (db.select().from(users).where(eq(users.email, email)).all().length === 0 ? true : undefined),
      'the guide to delete the user',
    );
    expect(eventsOf('dsync.user.deleted')[0]!.data).toMatchObject({ id: directoryUserId, email });
    expect(verifyFailures).toEqual([]);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    // Each event arrived once (at-least-once delivery, and nothing was retried here).
    const ids = deliveries.map((d) => JSON.parse(d.body).id as string);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('constructEvent accepts the signature; tampering, expiry and a wrong secret are rejected', async () => {
    const org = await api('POST', '/organizations', { name: `Signed Co ${major}` });
    const d = await waitFor(
      () => deliveries.find((x) => x.body.includes(String(org.body.id))),
      'the organization.created delivery',
    );
    const parsed = JSON.parse(d.body);
    const event = await workos.webhooks.constructEvent({ payload: parsed, sigHeader: d.signature, secret });
    expect(event).toMatchObject({ id: parsed.id, event: 'organization.created' });
    if (takesRawBody(major)) {
      // 11.x and 12.x verify the raw string as given (their typings still say object).
      await expect(
        workos.webhooks.constructEvent({ payload: d.body, sigHeader: d.signature, secret }),
      ).resolves.toMatchObject({ id: parsed.id });
    } else {
      // 7.x and 8.x stringify whatever they get, so a raw string is signed over its quoted form.
      await expect(
        workos.webhooks.constructEvent({ payload: d.body, sigHeader: d.signature, secret }),
      ).rejects.toThrow();
    }
    const tampered = { ...parsed, data: { ...parsed.data, name: 'Evil Co' } };
    await expect(
      workos.webhooks.constructEvent({ payload: tampered, sigHeader: d.signature, secret }),
    ).rejects.toThrow();
    const [t, v1] = d.signature.split(', ');
    const shifted = `t=${Number(t!.slice(2)) + 1}, ${v1}`;
    await expect(
      workos.webhooks.constructEvent({ payload: parsed, sigHeader: shifted, secret }),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 5));
    await expect(
      workos.webhooks.constructEvent({ payload: parsed, sigHeader: d.signature, secret, tolerance: 1 }),
    ).rejects.toThrow();
    await expect(
      workos.webhooks.constructEvent({ payload: parsed, sigHeader: d.signature, secret: 'whsec_wrong' }),
    ).rejects.toThrow();
  });

  it('the Events API replays what the webhooks delivered, in order, through listEvents', async () => {
    const delivered = [...eventsOf('dsync.user.created'), ...eventsOf('dsync.user.deleted')].map((e) => e.id);
    const names = ['dsync.user.created', 'dsync.user.deleted'];
    // 8 and 11 send `order`; 7 and 12 do not, and get the default order (newest first).
    const sendsOrder = major === '8' || major === '11';
    const all = await workos.events.listEvents({ events: names, ...(sendsOrder ? { order: 'asc' } : {}) });
    const expected = sendsOrder ? names : [...names].reverse();
    expect(all.data.map((e: { event: string }) => e.event)).toEqual(expected);
    expect(all.data.map((e: { id: string }) => e.id).sort()).toEqual([...delivered].sort());
    const first = all.data[0] as { id: string };
    const rest = await workos.events.listEvents({
      events: names,
      after: first.id,
      ...(sendsOrder ? { order: 'asc' } : {}),
    });
    expect(rest.data.map((e: { event: string }) => e.event)).toEqual([expected[1]]);
    const orgs = await workos.events.listEvents({ events: ['organization.created'] });
    expect(orgs.data.length).toBeGreaterThan(0);
  });

  it('sends /events and /webhook_endpoints responses that match WorkOS’s OpenAPI schemas', async () => {
    await fetch(`${p.url}/webhook_endpoints`, { headers: { authorization: `Bearer ${p.h.apiKey}` } });
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    const templates = new Set(checked.map((x) => `${x.r.method} ${x.v.template}`));
    expect(templates).toEqual(
      new Set(['POST /webhook_endpoints', 'GET /webhook_endpoints', 'GET /events', 'POST /organizations']),
    );
  });
});
