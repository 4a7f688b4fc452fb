/**
 * Platform audit events (docs/audit-logs.md#platform-events), in-process on both databases: an
 * environment opts in, then what the API, a user's sign-in, the dashboard and impersonation do to
 * an organization lands in that organization's chain as `portico.*` events with the actor that did
 * it — once each, in order, even with two projectors running at once — and nothing before the
 * opt-in or after the opt-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformEvent } from '../../src/features/audit-logs/platform.ts';
import { createHarness, dialect, type Harness, json, REDIRECT_URI } from '../harness.ts';

const ADMIN_EMAIL = 'auditor-admin@example.com';
let h: Harness;
let adminPassword: string;

beforeAll(async () => {
  h = await createHarness({ env: { PORTICO_ADMIN_EMAIL: ADMIN_EMAIL, PORTICO_REDIRECT_URIS: REDIRECT_URI } });
  adminPassword = (await h.portico.services.admin.bootstrap()).password!;
});
afterAll(() => h.close());

interface Stored {
  action: string;
  occurred_at: string;
  actor: { id: string; type: string; name?: string };
  targets: { id: string; type: string; name?: string }[];
  context: { location: string; user_agent?: string };
  metadata: Record<string, unknown>;
}

const chain = async (org: string) =>
  (
    await h.portico.deps.db
      .selectFrom('audit_log_events')
      .select(['seq', 'body'])
      .where('organization_id', '=', org)
      .orderBy('seq')
      .execute()
  ).map((r) => JSON.parse(r.body) as Stored);

const project = () => h.portico.services.platformAudit.project();

async function dashboardSession() {
  h.testClock!.advance(61_000);
  const origin = h.portico.deps.config.publicUrl;
  const res = await h.portico.app.request('/_admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: adminPassword }),
  });
  expect(res.status).toBe(201);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = (await json<{ csrf_token: string }>(res)).csrf_token;
  const call = (method: string, path: string, body?: unknown) =>
    h.portico.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', origin, cookie, 'x-portico-csrf': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return Object.assign(call, { cookie });
}

describe(`platform audit events on ${dialect}`, () => {
  it('is off until the environment opts in; bad input is refused and changes nothing', async () => {
    const get = await h.api('GET', '/audit_logs/platform_events');
    expect(get.status).toBe(200);
    expect(await json(get)).toMatchObject({
      object: 'audit_log_platform_events',
      enabled: false,
      enabled_at: null,
    });
    for (const body of [{ enabled: 'yes' }, {}, { enabled: 1 }]) {
      const bad = await h.api('PUT', '/audit_logs/platform_events', body);
      expect(bad.status).toBe(422);
      const err = await json<{ code: string; errors: { field: string }[]; message: string }>(bad);
      expect(err.errors[0]!.field).toBe('enabled');
      expect(err.message).toContain('enabled is true');
    }
    const malformed = await h.api('PUT', '/audit_logs/platform_events', undefined, {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect((await json(await h.api('GET', '/audit_logs/platform_events'))).enabled).toBe(false);
    const noKey = await h.portico.app.request('/audit_logs/platform_events');
    expect(noKey.status).toBe(401);
  });

  it('records what the API, a sign-in, the dashboard and impersonation do, with the actor, once and in order', async () => {
    const org = String((await json(await h.api('POST', '/organizations', { name: 'Before Co' }))).id);
    await project();
    expect(await chain(org)).toEqual([]); // organization.created happened before the opt-in

    const on = await h.api('PUT', '/audit_logs/platform_events', { enabled: true });
    expect(on.status).toBe(200);
    const settings = await json<{ enabled: boolean; enabled_at: string; recorded_events: string[] }>(on);
    expect(settings.enabled).toBe(true);
    expect(settings.enabled_at).toMatch(/^\d{4}-/);
    // Opting in twice changes nothing.
    expect(
      (await json(await h.api('PUT', '/audit_logs/platform_events', { enabled: true }))).enabled_at,
    ).toBe(settings.enabled_at);

    // The API (the app's API key) adds a member and renames the organization.
    const user = await json<{ id: string; email: string }>(
      await h.api('POST', '/user_management/users', {
        email: 'ada@before.example',
        password: 'correct horse battery staple 9',
        email_verified: true,
      }),
    );
    const m = await h.api('POST', '/user_management/organization_memberships', {
      user_id: user.id,
      organization_id: org,
    });
    expect(m.status).toBe(201);
    const membership = await json<{ id: string }>(m);
    expect((await h.api('PUT', `/organizations/${org}`, { name: 'After Co' })).status).toBe(200);

    // The user signs in to the organization: a session of the user's own.
    const signIn = await h.api('POST', '/user_management/authenticate', {
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'password',
      email: user.email,
      password: 'correct horse battery staple 9',
      ip_address: '203.0.113.9',
      user_agent: 'AuditTest/1.0',
    });
    expect(signIn.status, await signIn.clone().text()).toBe(200);
    expect((await json(signIn)).organization_id).toBe(org);

    // The dashboard removes the membership.
    const admin = await dashboardSession();
    const del = await admin('DELETE', `/user_management/organization_memberships/${membership.id}`);
    expect(del.status).toBe(202);

    // Two projectors at once (two workers): each outbox event still lands once.
    await Promise.all([project(), h.portico.services.platformAudit.project()]);
    await project();

    const events = await chain(org);
    const actions = events.map((e) => e.action);
    expect(actions).not.toContain('portico.organization.created');
    const created = events.find((e) => e.action === 'portico.organization_membership.created')!;
    expect(created.actor).toMatchObject({ type: 'api_key', name: 'API key' });
    expect(created.actor.id).toMatch(/^key_|^api_key/);
    expect(created.targets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'organization_membership', id: membership.id }),
        expect.objectContaining({ type: 'user', id: user.id }),
      ]),
    );
    expect(created.context.location).toBe('internal');
    expect(created.metadata.event).toBe('organization_membership.created');
    const renamed = events.find((e) => e.action === 'portico.organization.updated')!;
    expect(renamed.targets[0]).toMatchObject({ type: 'organization', id: org, name: 'After Co' });
    const removed = events.find((e) => e.action === 'portico.organization_membership.deleted')!;
    expect(removed.actor).toMatchObject({ type: 'dashboard_admin', name: ADMIN_EMAIL });
    const session = events.find((e) => e.action === 'portico.session.created')!;
    expect(session.actor).toMatchObject({ type: 'user', id: user.id });
    expect(session.context).toMatchObject({ location: '203.0.113.9', user_agent: 'AuditTest/1.0' });
    expect(session.targets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'session' }),
        expect.objectContaining({ type: 'user', id: user.id }),
      ]),
    );
    // Once each, in outbox order.
    const ids = events.map((e) => e.metadata.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    const outboxOrder = (
      await h.portico.deps.db
        .selectFrom('events')
        .select('id')
        .where('id', 'in', ids as string[])
        .orderBy('seq')
        .execute()
    ).map((r) => r.id);
    expect(ids).toEqual(outboxOrder);
    expect(actions.indexOf('portico.organization_membership.created')).toBeLessThan(
      actions.indexOf('portico.organization_membership.deleted'),
    );
    // The chain holding them verifies.
    const verified = await json(await h.api('GET', `/audit_logs/verify?organization_id=${org}`));
    expect(verified).toMatchObject({ verified: true, events_checked: events.length });
  });

  it('records an impersonation as who, whom and why', async () => {
    const user = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', { email: 'grace@imp.example', email_verified: true }),
    );
    const org = String((await json(await h.api('POST', '/organizations', { name: 'Imp Co' }))).id);
    await h.api('POST', '/user_management/organization_memberships', {
      user_id: user.id,
      organization_id: org,
    });
    const admin = await dashboardSession();
    const started = await admin('POST', `/_admin/users/${user.id}/impersonate`, {
      reason: 'Ticket 4711: the customer cannot see their invoices',
      organization_id: org,
    });
    expect(started.status, await started.clone().text()).toBe(201);
    const { url } = await json<{ url: string }>(started);
    // The admin's browser opens the start page and presses Continue: the session starts.
    const path = new URL(url).pathname;
    const page = await h.portico.app.request(path, {
      headers: { cookie: admin.cookie, accept: 'text/html' },
    });
    const html = await page.text();
    const csrfCookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const cont = await h.portico.app.request(path, {
      method: 'POST',
      headers: {
        cookie: [admin.cookie, csrfCookie].filter(Boolean).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(cont.status).toBe(302);
    const code = new URL(cont.headers.get('location')!).searchParams.get('code')!;
    const auth = await h.api('POST', '/user_management/authenticate', {
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'authorization_code',
      code,
    });
    expect(auth.status).toBe(200);
    await project();
    const events = await chain(org);
    const imp = events.find((e) => e.action === 'portico.impersonation.started')!;
    expect(imp.actor).toMatchObject({ type: 'dashboard_admin', id: ADMIN_EMAIL, name: ADMIN_EMAIL });
    expect(imp.metadata.reason).toBe('Ticket 4711: the customer cannot see their invoices');
    expect(imp.targets).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'user', id: user.id })]),
    );
    expect(events.filter((e) => e.action === 'portico.session.created')).toEqual([]);
  });

  it('stops recording at the opt-out', async () => {
    const off = await h.api('PUT', '/audit_logs/platform_events', { enabled: false });
    expect(await json(off)).toMatchObject({ enabled: false, enabled_at: null });
    const org = String((await json(await h.api('POST', '/organizations', { name: 'Quiet Co' }))).id);
    await h.api('PUT', `/organizations/${org}`, { name: 'Still Quiet Co' });
    await project();
    expect(await chain(org)).toEqual([]);
  });
});

describe('what an outbox event becomes', () => {
  const row = (event: string, data: Record<string, unknown>, context: Record<string, unknown> = {}) => ({
    seq: 7,
    id: 'event_01TEST',
    event,
    organization_id: 'org_01TEST',
    data: JSON.stringify(data),
    context: JSON.stringify(context),
    created_at: '2026-12-08T00:00:00.000Z',
  });

  it('an Admin Portal action names the portal session; SSO and directory changes name their object', () => {
    const portal = platformEvent(
      row(
        'connection.activated',
        { object: 'connection', id: 'conn_01', name: 'Okta SAML' },
        { actor: { id: 'portal_session_01', source: 'admin_portal', name: null } },
      ),
    )!;
    expect(portal.organizationId).toBe('org_01TEST');
    expect(portal.event).toMatchObject({
      action: 'portico.connection.activated',
      actor: { type: 'admin_portal_session', id: 'portal_session_01' },
      targets: [{ type: 'connection', id: 'conn_01', name: 'Okta SAML' }],
      context: { location: 'internal' },
      occurred_at: '2026-12-08T00:00:00.000Z',
      metadata: { event_id: 'event_01TEST', event: 'connection.activated' },
    });
    const dsync = platformEvent(
      row('dsync.activated', { object: 'directory', id: 'directory_01', name: 'Entra' }),
    )!;
    expect(dsync.event).toMatchObject({
      action: 'portico.dsync.activated',
      actor: { type: 'portico', id: 'portico' },
      targets: [{ type: 'directory', id: 'directory_01', name: 'Entra' }],
    });
    // A dashboard action is recorded whatever the event; an IdP's provisioning is not.
    const webhook = platformEvent(
      row(
        'webhook_endpoint.updated',
        { object: 'webhook_endpoint', id: 'we_01' },
        {
          actor: { id: 'admin_01', source: 'dashboard', name: 'ops@example.com' },
        },
      ),
    )!;
    expect(webhook.event.actor).toEqual({ type: 'dashboard_admin', id: 'admin_01', name: 'ops@example.com' });
    expect(
      platformEvent(row('dsync.user.created', { object: 'directory_user', id: 'directory_user_01' })),
    ).toBeNull();
    expect(
      platformEvent({ ...row('session.created', { id: 'session_01' }), organization_id: null }),
    ).toBeNull();
  });
});
