/**
 * Portico's signed webhooks through the official SDK, and the integration guide's webhook handler
 * run as written (drizzle over SQLite) against Portico's deliveries.
 *
 * - `webhooks.constructEvent` of SDK 7, 8, 11 and 12 accepts Portico's signature; a tampered body,
 *   a tampered timestamp and an expired tolerance are each rejected.
 * - The guide's `switch (payload.event)` receives synthetic `dsync.*` events (Directory Sync
 *   writes real ones later), inserts the user on `dsync.user.created` and deletes it on
 *   `dsync.user.deleted`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOS as WorkOS7 } from 'workos-node-7';
import { WorkOS as WorkOS8 } from 'workos-node-8';
import { WorkOS as WorkOS11 } from 'workos-node-11';
import { WorkOS as WorkOS12 } from 'workos-node-12';
import { appendEvent } from '../../../apps/server/src/features/events/outbox.ts';
import { WebhookWorker } from '../../../apps/server/src/jobs/webhook-worker.ts';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';

// ── the integration guide's app, as written ────────────────────────────────
const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull(),
  name: text('name').notNull(),
  orgId: text('org_id').notNull(),
});
const sqlite = new Database(':memory:');
sqlite.exec(
  'create table users (id integer primary key autoincrement, email text not null, name text not null, org_id text not null)',
);
const db = drizzle(sqlite);

// Webhook for directory events (verbatim from the guide)
export async function POST(req: Request) {
  const payload = await req.json();
  switch (payload.event) {
    case 'dsync.user.created':
      await db.insert(users).values({
        email: payload.data.emails[0].value,
        name: `${payload.data.first_name} ${payload.data.last_name}`,
        orgId: payload.data.directory_id,
      });
      break;
    case 'dsync.user.deleted':
      await db.delete(users).where(eq(users.email, payload.data.emails[0].value));
      break;
    case 'dsync.group.created':
      // Handle team/group provisioning
      break;
  }
  return new Response('OK');
}
// ─────────────────────────────────────────────────────────────────────────────

interface Delivery {
  body: string;
  signature: string;
}

let p: Running;
let worker: WebhookWorker;
let app: Server;
let appUrl: string;
let secret = '';
const deliveries: Delivery[] = [];
const verifyFailures: string[] = [];

beforeAll(async () => {
  p = await startPortico({ env: { PORTICO_WEBHOOK_POLL: '20ms' } });
  worker = new WebhookWorker(p.h.portico.deps, { id: 'compat' });
  worker.start();
  const sdk = new WorkOS11(p.h.apiKey, { apiHostname: '127.0.0.1', port: p.port, https: false });
  // The app verifies every delivery with the SDK before handing the request to the guide's handler.
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      const signature = String(req.headers['workos-signature']);
      deliveries.push({ body, signature });
      try {
        await sdk.webhooks.constructEvent({ payload: body, sigHeader: signature, secret });
      } catch (err) {
        verifyFailures.push(String(err));
        res.writeHead(400).end('bad signature');
        return;
      }
      const response = await POST(
        new Request(`${appUrl}/api/webhooks`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        }),
      );
      res.writeHead(response.status).end(await response.text());
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const res = await fetch(`${p.url}/webhook_endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      endpoint_url: `${appUrl}/api/webhooks`,
      events: ['dsync.user.created', 'dsync.user.deleted', 'dsync.group.created', 'organization.created'],
    }),
  });
  expect(res.status).toBe(201);
  secret = ((await res.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await worker?.stop();
  await new Promise((r) => app?.close(r));
  await p?.close();
  sqlite.close();
});

async function waitFor<T>(fn: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const directoryUser = (id: string, email: string) => ({
  object: 'directory_user',
  id,
  directory_id: 'directory_01HXDIRECTORY0000000000000',
  organization_id: 'org_01HXORGANIZATION00000000000',
  idp_id: '2836',
  email,
  emails: [{ primary: true, type: 'work', value: email }],
  first_name: 'Veda',
  last_name: 'Torp',
  username: email,
  state: 'active',
  custom_attributes: {},
  raw_attributes: {},
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

async function emit(event: string, data: Record<string, unknown>) {
  const { deps } = p.h.portico;
  await appendEvent(deps.db, deps, {
    environmentId: p.h.environmentId,
    event,
    data,
    organizationId: String(data.organization_id ?? '') || null,
  });
}

describe('webhooks through the official SDK', () => {
  it('the guide’s handler inserts on dsync.user.created and deletes on dsync.user.deleted', async () => {
    await emit(
      'dsync.user.created',
      directoryUser('directory_user_01HXAAAAAAAAAAAAAAAAAAAAAA', 'veda@foo-corp.com'),
    );
    await emit('dsync.group.created', {
      object: 'directory_group',
      id: 'directory_group_01HXGGGGGGGGGGGGGGGGGGGGGG',
      idp_id: 'g1',
      directory_id: 'directory_01HXDIRECTORY0000000000000',
      organization_id: 'org_01HXORGANIZATION00000000000',
      name: 'Engineering',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    });
    const row = await waitFor(
      () => db.select().from(users).where(eq(users.email, 'veda@foo-corp.com')).get(),
      'the user row',
    );
    expect(row).toMatchObject({ name: 'Veda Torp', orgId: 'directory_01HXDIRECTORY0000000000000' });
    await emit(
      'dsync.user.deleted',
      directoryUser('directory_user_01HXAAAAAAAAAAAAAAAAAAAAAA', 'veda@foo-corp.com'),
    );
    await waitFor(
      () =>
        db.select().from(users).where(eq(users.email, 'veda@foo-corp.com')).all().length === 0
          ? true
          : undefined,
      'the delete',
    );
    expect(verifyFailures).toEqual([]);
  });

  it('constructEvent of SDK 7, 8, 11 and 12 accepts the signature; tampering and expiry are rejected', async () => {
    const org = await fetch(`${p.url}/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Signed Co' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const d = await waitFor(
      () => deliveries.find((x) => x.body.includes(org.id)),
      'the organization.created delivery',
    );
    const parsed = JSON.parse(d.body);
    const clients = [
      new WorkOS7('sk_test_x'),
      new WorkOS8('sk_test_x'),
      new WorkOS11('sk_test_x'),
      new WorkOS12('sk_test_x'),
    ];
    for (const [i, w] of clients.entries()) {
      // 7.x and 8.x verify over JSON.stringify(parsed body); 11.x and 12.x also take the raw string.
      const event = await w.webhooks.constructEvent({ payload: parsed, sigHeader: d.signature, secret });
      expect(event).toMatchObject({ id: parsed.id, event: 'organization.created' });
      if (i >= 2) {
        await expect(
          // 11.x and 12.x verify the raw string as given (its typings still say object).
          w.webhooks.constructEvent({ payload: d.body as never, sigHeader: d.signature, secret }),
        ).resolves.toMatchObject({ id: parsed.id });
      }
      const tampered = { ...parsed, data: { ...parsed.data, name: 'Evil Co' } };
      await expect(
        w.webhooks.constructEvent({ payload: tampered, sigHeader: d.signature, secret }),
      ).rejects.toThrow();
      const [t, v1] = d.signature.split(', ');
      const shifted = `t=${Number(t!.slice(2)) + 1}, ${v1}`;
      await expect(
        w.webhooks.constructEvent({ payload: parsed, sigHeader: shifted, secret }),
      ).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 5));
      await expect(
        w.webhooks.constructEvent({ payload: parsed, sigHeader: d.signature, secret, tolerance: 1 }),
      ).rejects.toThrow();
      await expect(
        w.webhooks.constructEvent({ payload: parsed, sigHeader: d.signature, secret: 'whsec_wrong' }),
      ).rejects.toThrow();
    }
  });

  it('the Events API replays what the webhooks delivered, in order, through listEvents', async () => {
    const sdk = new WorkOS11(p.h.apiKey, { apiHostname: '127.0.0.1', port: p.port, https: false });
    const all = await sdk.events.listEvents({
      events: ['dsync.user.created', 'dsync.user.deleted'],
      order: 'asc',
    } as never);
    expect(all.data.map((e: { event: string }) => e.event)).toEqual([
      'dsync.user.created',
      'dsync.user.deleted',
    ]);
    const first = all.data[0] as { id: string };
    const rest = await sdk.events.listEvents({
      events: ['dsync.user.created', 'dsync.user.deleted'],
      after: first.id,
      order: 'asc',
    } as never);
    expect(rest.data.map((e: { event: string }) => e.event)).toEqual(['dsync.user.deleted']);
    const legacy = new WorkOS7(p.h.apiKey, { apiHostname: '127.0.0.1', port: p.port, https: false });
    const old = await legacy.events.listEvents({ events: ['organization.created'] });
    expect(old.data.length).toBeGreaterThan(0);
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
