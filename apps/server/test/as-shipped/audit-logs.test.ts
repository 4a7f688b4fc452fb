/**
 * Audit Logs against Portico as `npm start` runs it (README quickstart), with the official SDK:
 * events in, an export built by the server's own in-process worker and downloaded from its signed
 * URL, then `portico audit verify` from a second terminal — verified, and after a row is altered
 * straight in the database, the tampering named and exit code 1. And platform audit events: once
 * opted in, the shipped server's own worker records a membership the SDK creates.
 * straight in the database, the tampering named and exit code 1. And a log stream created with
 * the API receives the events from the server's own in-process stream worker, signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db.ts';
import { SignedHttpIntake } from '../flows/support/stream-receivers.ts';
import { freePort, type Shipped, startShipped } from './support/shipped.ts';

let p: Shipped;
beforeAll(async () => {
  p = await startShipped();
});
afterAll(() => p?.stop());

describe('Audit Logs on the shipped server', () => {
  it('createEvent → createExport → the CSV from getExport’s URL; `portico audit verify` passes, then catches an altered row', async () => {
    const { WorkOS } = await import('workos-node-8');
    const u = new URL(p.url);
    const workos = new WorkOS(p.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
    const org = await workos.organizations.createOrganization({ name: 'Audited Co' });
    for (let n = 1; n <= 3; n++) {
      await workos.auditLogs.createEvent(org.id, {
        action: 'report.downloaded',
        occurredAt: new Date(Date.UTC(2026, 5, 1, 9, 0, n)),
        actor: { type: 'user', id: `user_${n}`, name: `Reader ${n}` },
        targets: [{ type: 'report', id: `report_${n}` }],
        context: { location: '203.0.113.7', userAgent: 'Safari/17' },
        metadata: { format: 'pdf' },
      });
    }
    const created = await workos.auditLogs.createExport({
      organizationId: org.id,
      rangeStart: new Date(Date.UTC(2026, 5, 1)),
      rangeEnd: new Date(Date.UTC(2026, 5, 2)),
    });
    let ready = await workos.auditLogs.getExport(created.id);
    for (let i = 0; i < 100 && ready.state !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await workos.auditLogs.getExport(created.id);
    }
    expect(ready.state).toBe('ready');
    const csv = await (await fetch(ready.url!)).text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(',2026-06-01T09:00:01.000Z,report.downloaded,,user_1,user,Reader 1,{},');

    const ok = await p.cli(['audit', 'verify']);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain(`${org.id}: verified (3 events, seq 1–3,`);

    const db = openDatabase(p.databaseUrl, { poolSize: 1 });
    try {
      const row = await db.db
        .selectFrom('audit_log_events')
        .select(['id', 'body'])
        .where('organization_id', '=', org.id)
        .where('seq', '=', 2)
        .executeTakeFirstOrThrow();
      await db.db
        .updateTable('audit_log_events')
        .set({ body: row.body.replace('Reader 2', 'Reader 9') })
        .where('id', '=', row.id)
        .execute();
      const bad = await p.cli(['audit', 'verify', '--organization', org.id]);
      expect(bad.code, bad.out).toBe(1);
      expect(bad.out).toContain(`${org.id}: TAMPERED (3 events, seq 1–3): 1 problem(s)`);
      expect(bad.out).toContain(`altered at seq 2: Event ${row.id} at seq 2 was altered`);
    } finally {
      await db.close();
    }
  });

  it('platform audit events: opted in, a membership created with the SDK lands in the chain with the API key as actor', async () => {
    const { WorkOS } = await import('workos-node-8');
    const u = new URL(p.url);
    const workos = new WorkOS(p.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
    const headers = { authorization: `Bearer ${p.apiKey}`, 'content-type': 'application/json' };
    const on = await fetch(`${p.url}/audit_logs/platform_events`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ enabled: true }),
    });
    expect(on.status).toBe(200);
    const org = await workos.organizations.createOrganization({ name: 'Platform Audited Co' });
    const user = await workos.userManagement.createUser({ email: 'member@platform-audited.example' });
    const m = await workos.userManagement.createOrganizationMembership({
      userId: user.id,
      organizationId: org.id,
    });
    const db = openDatabase(p.databaseUrl, { poolSize: 1 });
    try {
      let rows: { action: string; body: string }[] = [];
      for (let i = 0; i < 100 && rows.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await db.db
          .selectFrom('audit_log_events')
          .select(['action', 'body'])
          .where('organization_id', '=', org.id)
          .execute();
      }
      expect(rows.map((r) => r.action)).toEqual(['portico.organization_membership.created']);
      const body = JSON.parse(rows[0]!.body);
      expect(body.actor).toMatchObject({ type: 'api_key', name: 'API key' });
      expect(body.targets).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'organization_membership', id: m.id })]),
      );
    } finally {
      await db.close();
    }
  });

  it('a log stream created with the API receives the events, signed, from the in-process worker', async () => {
    const { WorkOS } = await import('workos-node-8');
    const u = new URL(p.url);
    const workos = new WorkOS(p.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
    const org = await workos.organizations.createOrganization({ name: 'Streamed Co' });
    const rx = new SignedHttpIntake(await freePort(), 'shipped-stream-secret-0000');
    await rx.start();
    try {
      const res = await fetch(`${p.url}/audit_logs/streams`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          organization_id: org.id,
          type: 'HTTP',
          config: { url: `${rx.url}/siem` },
          secret: 'shipped-stream-secret-0000',
        }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const stream = (await res.json()) as { id: string; secret_hint: string };
      expect(stream.secret_hint).toBe('0000');
      for (let n = 1; n <= 3; n++)
        await workos.auditLogs.createEvent(org.id, {
          action: 'report.shared',
          occurredAt: new Date(Date.UTC(2026, 5, 1, 9, 0, n)),
          actor: { type: 'user', id: `user_${n}` },
          targets: [{ type: 'report', id: `report_${n}` }],
          context: { location: '203.0.113.7' },
        });
      for (let i = 0; i < 100 && rx.events.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect(rx.events.map((e) => [e.seq, e.action, e.organization_id])).toEqual([
        [1, 'report.shared', org.id],
        [2, 'report.shared', org.id],
        [3, 'report.shared', org.id],
      ]);
      const status = (await (
        await fetch(`${p.url}/audit_logs/streams/${stream.id}`, {
          headers: { authorization: `Bearer ${p.apiKey}` },
        })
      ).json()) as { pending_events: number; last_delivered_at: string | null };
      expect(status.pending_events).toBe(0);
      expect(status.last_delivered_at).not.toBeNull();
    } finally {
      await rx.stop();
    }
  });
});
