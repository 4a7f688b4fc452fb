/**
 * The SCIM client simulator (`portico scim-sim`) against Portico in-process, on both databases:
 * one conformance run per IdP persona (Okta, Entra, OneLogin) checked through the WorkOS read API
 * and the `dsync.*` events, then end to end: the simulator provisions and deprovisions, the
 * integration guide's webhook handler (run as written, drizzle over SQLite) inserts and deletes
 * the user, and the AuthKit session of the deprovisioned user stops refreshing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guideApp, users } from '../../../../packages/compat/test/support/guide-webhook.ts';
import {
  deprovision,
  runScimSim,
  SIM_PERSONAS,
  type SimPersona,
  simUser,
  simulate,
  USER_AGENTS,
} from '../../src/cli/scim-sim.ts';
import { drain, WebhookWorker } from '../../src/jobs/webhook-worker.ts';
import { createHarness, freeDatabaseUrlForCli, type Harness, json, listen } from '../harness.ts';

const run = promisify(execFile);
const MAIN = join(resolve(import.meta.dirname, '../../../..'), 'apps/server/bin/portico.mjs');

// The integration guide's app, as written (its webhook handler over its users table).
const { db, sqlite, POST } = guideApp();

let h: Harness;
let worker: WebhookWorker;
let receiver: Server;
let hookUrl: string;

beforeAll(async () => {
  h = await createHarness();
  worker = new WebhookWorker(h.portico.deps, { id: 'scim-sim-worker' });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      const response = await POST(
        new Request(`${hookUrl}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }),
      );
      res.writeHead(response.status).end(await response.text());
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks`;
});
afterAll(async () => {
  await worker?.stop();
  await new Promise((r) => receiver?.close(r));
  await h?.close();
  sqlite.close();
});

/** fetch for the simulator that answers from the app in-process (the origin is stripped). */
const inProcess = (url: string, init: RequestInit) => {
  const u = new URL(url);
  return Promise.resolve(h.portico.app.request(`${u.pathname}${u.search}`, init));
};

async function directoryFor(name: string, domain: string, type: string) {
  const org = await json<{ id: string }>(
    await h.api('POST', '/organizations', { name, domain_data: [{ domain, state: 'verified' }] }),
  );
  const res = await h.api('POST', '/directories', {
    organization_id: org.id,
    name: `${name} directory`,
    type,
  });
  expect(res.status).toBe(201);
  const dir = await json<{ id: string; scim: { base_url: string; bearer_token: string } }>(res);
  return { orgId: org.id, dirId: dir.id, baseUrl: dir.scim.base_url, token: dir.scim.bearer_token };
}

async function eventsFor(orgId: string) {
  const page = await json<{ data: { event: string; data: Record<string, unknown> }[] }>(
    await h.api('GET', `/events?organization_id=${orgId}&limit=100&events=${DSYNC.join(',')}`),
  );
  return page.data;
}
const DSYNC = [
  'dsync.activated',
  'dsync.user.created',
  'dsync.user.updated',
  'dsync.user.deleted',
  'dsync.group.created',
  'dsync.group.updated',
  'dsync.group.user_added',
  'dsync.group.user_removed',
];

const TYPES: Record<SimPersona, string> = {
  okta: 'okta scim v2.0',
  entra: 'azure scim v2.0',
  onelogin: 'onelogin scim v2.0',
  jumpcloud: 'jump cloud scim v2.0',
  google: 'gsuite directory',
};

describe.each(SIM_PERSONAS)('scim-sim persona %s', (persona) => {
  const domain = `${persona}.example`;
  const USERS = 7;
  const GROUPS = 3;

  it('provisions users and groups with zero failures, visible through the WorkOS API and dsync events', async () => {
    const d = await directoryFor(`${persona} corp`, domain, TYPES[persona]);
    const report = await simulate({
      baseUrl: d.baseUrl,
      token: d.token,
      persona,
      users: USERS,
      groups: GROUPS,
      domain,
      fetch: inProcess,
    });
    expect(report.failures).toEqual([]);
    expect(report.createdUserIds).toHaveLength(USERS);
    expect(report.createdGroupIds).toHaveLength(GROUPS);

    // The directory's SCIM request log saw every call, from the persona's client, all successful.
    const log = await json<{ data: { user_agent: string; status: number }[] }>(
      await h.api('GET', `/directories/${d.dirId}/scim_requests?limit=200`),
    );
    expect(log.data).toHaveLength(report.requests);
    expect(new Set(log.data.map((r) => r.user_agent))).toEqual(new Set([USER_AGENTS[persona]]));
    expect(log.data.filter((r) => r.status >= 300)).toEqual([]);

    const listedUsers = await json<{
      data: { id: string; email: string; first_name: string; last_name: string; state: string }[];
    }>(await h.api('GET', `/directory_users?directory=${d.dirId}&limit=100`));
    const expected = Array.from({ length: USERS }, (_, i) => simUser(i, domain, GROUPS));
    expect(listedUsers.data.map((u) => u.email).sort()).toEqual(expected.map((u) => u.userName).sort());
    for (const u of listedUsers.data) {
      const want = expected.find((e) => e.userName === u.email)!;
      expect([u.first_name, u.last_name, u.state]).toEqual([want.givenName, want.familyName, 'active']);
    }

    const listedGroups = await json<{ data: { id: string; name: string }[] }>(
      await h.api('GET', `/directory_groups?directory=${d.dirId}&limit=100`),
    );
    expect(listedGroups.data.map((g) => g.id).sort()).toEqual([...report.createdGroupIds].sort());
    expect(listedGroups.data.map((g) => g.name).sort()).toEqual(
      Object.values(report.groups)
        .map((g) => g.displayName)
        .sort(),
    );

    // Memberships: user i is in group i mod GROUPS, and only there.
    for (const [gid, g] of Object.entries(report.groups)) {
      const members = await json<{ data: { id: string }[] }>(
        await h.api('GET', `/directory_users?group=${gid}&limit=100`),
      );
      expect(members.data.map((m) => m.id).sort()).toEqual([...g.members].sort());
      for (const uid of g.members) {
        const groups = await json<{ data: { id: string }[] }>(
          await h.api('GET', `/directory_groups?user=${uid}`),
        );
        expect(groups.data.map((x) => x.id)).toEqual([gid]);
      }
    }
    const user0 = await json<{ groups: { id: string }[] }>(
      await h.api('GET', `/directory_users/${report.users[expected[0]!.userName]}`),
    );
    expect(user0.groups).toHaveLength(1);

    const events = await eventsFor(d.orgId);
    const n = (e: string) => events.filter((x) => x.event === e).length;
    expect(n('dsync.user.created')).toBe(USERS);
    expect(n('dsync.group.created')).toBe(GROUPS);
    const added = n('dsync.group.user_added') - n('dsync.group.user_removed');
    expect(added).toBe(USERS);
    if (persona === 'entra') expect(n('dsync.group.user_removed')).toBe(GROUPS);
    for (const e of events.filter((x) => x.event === 'dsync.user.created')) {
      const data = e.data as { emails: { value: string }[]; directory_id: string; first_name: string };
      expect(data.directory_id).toBe(d.dirId);
      expect(data.emails[0]!.value.endsWith(`@${domain}`)).toBe(true);
      expect(typeof data.first_name).toBe('string');
    }

    // Replaying the same sequence finds everyone and creates nothing.
    const again = await simulate({
      baseUrl: d.baseUrl,
      token: d.token,
      persona,
      users: USERS,
      groups: GROUPS,
      domain,
      fetch: inProcess,
    });
    expect(again.failures).toEqual([]);
    expect(again.createdUserIds).toEqual([]);
    expect(again.createdGroupIds).toEqual([]);

    // Deprovisioning the persona's way.
    const gone = report.createdUserIds.slice(0, 2);
    const dep = await deprovision({
      baseUrl: d.baseUrl,
      token: d.token,
      persona,
      userIds: gone,
      fetch: inProcess,
    });
    expect(dep.failures).toEqual([]);
    expect(dep.deactivatedUserIds).toEqual(gone);
    const after = await json<{ data: { id: string; state: string }[] }>(
      await h.api('GET', `/directory_users?directory=${d.dirId}&limit=100`),
    );
    if (persona === 'okta') {
      // Okta deactivates and never deletes.
      expect(dep.deletedUserIds).toEqual([]);
      expect(after.data.filter((u) => gone.includes(u.id)).map((u) => u.state)).toEqual([
        'inactive',
        'inactive',
      ]);
    } else {
      expect(dep.deletedUserIds).toEqual(gone);
      expect(after.data.filter((u) => gone.includes(u.id))).toEqual([]);
      expect(after.data).toHaveLength(USERS - 2);
      expect(n2(await eventsFor(d.orgId), 'dsync.user.deleted')).toBe(2);
    }
  });
});

const n2 = (events: { event: string }[], e: string) => events.filter((x) => x.event === e).length;

describe('scim-sim end to end', () => {
  it('provisions then deprovisions: the guide’s handler inserts then deletes, and the AuthKit session stops refreshing', async () => {
    const domain = 'leavers.example';
    const d = await directoryFor('Leavers Inc', domain, TYPES.entra);
    const ep = await h.api('POST', '/webhook_endpoints', {
      endpoint_url: hookUrl,
      events: ['dsync.user.created', 'dsync.user.deleted', 'dsync.group.created'],
    });
    expect(ep.status).toBe(201);

    const leaver = simUser(0, domain, 1);
    const au = await json<{ id: string }>(
      await h.api('POST', '/user_management/users', {
        email: leaver.userName,
        password: 'leaver password 1',
        first_name: leaver.givenName,
        last_name: leaver.familyName,
      }),
    );
    await h.api('POST', '/user_management/organization_memberships', {
      organization_id: d.orgId,
      user_id: au.id,
    });
    const authenticate = (body: Record<string, unknown>) =>
      h.portico.app.request('/user_management/authenticate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: h.clientId, client_secret: h.apiKey, ...body }),
      });
    const login = await json<{ refresh_token: string }>(
      await authenticate({ grant_type: 'password', email: leaver.userName, password: 'leaver password 1' }),
    );
    expect(login.refresh_token).toBeTruthy();

    const report = await simulate({
      baseUrl: d.baseUrl,
      token: d.token,
      persona: 'entra',
      users: 3,
      groups: 1,
      domain,
      fetch: inProcess,
    });
    expect(report.failures).toEqual([]);
    await drain(worker);
    const rows = () => db.select().from(users).where(eq(users.orgId, d.dirId)).all();
    expect(
      rows()
        .map((r) => r.email)
        .sort(),
    ).toEqual([0, 1, 2].map((i) => simUser(i, domain, 1).userName).sort());
    expect(rows().find((r) => r.email === leaver.userName)?.name).toBe(
      `${leaver.givenName} ${leaver.familyName}`,
    );

    // Still refreshing before deprovisioning (the refresh token rotates).
    const refreshed = await authenticate({ grant_type: 'refresh_token', refresh_token: login.refresh_token });
    expect(refreshed.status).toBe(200);
    const { refresh_token } = await json<{ refresh_token: string }>(refreshed);

    const dep = await deprovision({
      baseUrl: d.baseUrl,
      token: d.token,
      persona: 'entra',
      userIds: [report.users[leaver.userName]!],
      fetch: inProcess,
    });
    expect(dep.failures).toEqual([]);
    await drain(worker);
    expect(rows().map((r) => r.email)).not.toContain(leaver.userName);
    expect(rows()).toHaveLength(2);

    const memberships = await json<{ data: { status: string; organization_id: string }[] }>(
      await h.api(
        'GET',
        `/user_management/organization_memberships?user_id=${au.id}&statuses=active,inactive`,
      ),
    );
    expect(memberships.data.map((m) => [m.organization_id, m.status])).toEqual([[d.orgId, 'inactive']]);
    const refused = await authenticate({ grant_type: 'refresh_token', refresh_token });
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('portico scim-sim', () => {
  it('refuses bad flags with exit code 2 and the usage', async () => {
    const errors: string[] = [];
    const out = { log: () => {}, error: (s: string) => errors.push(s) };
    expect(await runScimSim(['--persona', 'ping', '--url', 'nope'], out)).toBe(2);
    expect(errors.join('\n')).toMatch(/--persona must be one of okta, entra, onelogin, jumpcloud, google/);
    expect(errors.join('\n')).toMatch(/--token is required/);
  });

  it('runs as a real process against a listening SCIM endpoint and prints the report', async () => {
    const d = await directoryFor('CLI corp', 'cli.example', TYPES.onelogin);
    const server = await listen(h);
    const dir = mkdtempSync(join(tmpdir(), 'portico-scim-sim-'));
    const cliDb = await freeDatabaseUrlForCli(dir);
    try {
      const url = `${server.url}${new URL(d.baseUrl).pathname}`;
      const { stdout } = await run(
        process.execPath,
        [
          MAIN,
          'scim-sim',
          '--persona',
          'onelogin',
          '--url',
          url,
          '--token',
          d.token,
          '--users',
          '3',
          '--groups',
          '2',
          '--domain',
          'cli.example',
          '--deprovision',
        ],
        {
          cwd: dir,
          env: {
            ...(process.env as Record<string, string>),
            PORTICO_DATABASE_URL: cliDb.url,
            PORTICO_SECRET: 'cli-test-secret-cli-test-secret-0000',
            PORTICO_LOG_LEVEL: 'silent',
          },
        },
      );
      const printed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
        provision: { failures: unknown[]; createdUserIds: string[]; createdGroupIds: string[] };
        deprovision: { failures: unknown[]; deletedUserIds: string[] };
      };
      expect(printed.provision.failures).toEqual([]);
      expect(printed.provision.createdUserIds).toHaveLength(3);
      expect(printed.provision.createdGroupIds).toHaveLength(2);
      expect(printed.deprovision.failures).toEqual([]);
      expect(printed.deprovision.deletedUserIds).toHaveLength(3);
      const left = await json<{ data: unknown[] }>(
        await h.api('GET', `/directory_users?directory=${d.dirId}`),
      );
      expect(left.data).toEqual([]);
      const groups = await json<{ data: unknown[] }>(
        await h.api('GET', `/directory_groups?directory=${d.dirId}`),
      );
      expect(groups.data).toHaveLength(2);
    } finally {
      await server.close();
      await cliDb.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
