/**
 * Audit log tamper evidence, retention and exports, in-process on both databases:
 * - the chain verifies, and each kind of tampering done straight in the database — an altered,
 *   deleted, inserted or reordered row, a rewritten chain under a signed checkpoint — is caught
 *   and named by kind, seq and event id;
 * - retention deletes a prefix of the chain, records that in the chain, and the chain still
 *   verifies;
 * - an export of 100,000 events equals what was sent, row for row, and its proof holds;
 * - on PostgreSQL, two app instances (two connection pools, as two processes have) appending to
 *   one organization at once leave one unforked, verifying chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../../packages/compat/test/support/csv.ts';
import { buildApp } from '../../src/app.ts';
import { appendToChain, writeCheckpoints } from '../../src/features/audit-logs/chain.ts';
import { RETENTION_ACTION, toChained } from '../../src/features/audit-logs/service.ts';
import { openDatabase } from '../../src/platform/db.ts';
import { createHarness, dialect, type Harness, json } from '../harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const newOrg = async (name: string) =>
  String((await json(await h.api('POST', '/organizations', { name }))).id);

const event = (n: number, at = new Date(Date.UTC(2025, 11, 1, 0, 0, n % 60, n % 1000))) => ({
  action: n % 2 ? 'doc.viewed' : 'doc.edited',
  occurred_at: at.toISOString(),
  actor: { id: `user_${n % 7}`, type: 'user', name: `User ${n % 7}` },
  targets: [{ id: `doc_${n}`, type: 'document', metadata: { n } }],
  context: { location: `10.1.${n % 250}.1`, user_agent: 'Firefox/120' },
  metadata: { n, even: n % 2 === 0 },
});

async function send(org: string, n: number) {
  const res = await h.api('POST', '/audit_logs/events', { organization_id: org, event: event(n) });
  expect(res.status).toBe(200);
}

async function verify(org: string) {
  const res = await h.api('GET', `/audit_logs/verify?organization_id=${org}`);
  expect(res.status).toBe(200);
  return json<{
    verified: boolean;
    events_checked: number;
    checkpoints_checked: number;
    problems: { kind: string; seq: number; event_id: string | null; message: string }[];
  }>(res);
}

const db = () => h.portico.deps.db;
const rowAt = (org: string, seq: number) =>
  db()
    .selectFrom('audit_log_events')
    .selectAll()
    .where('organization_id', '=', org)
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();

describe(`audit log chain on ${dialect}`, () => {
  it('an Idempotency-Key’s response commits with the event (one transaction); a refused event leaves no key', async () => {
    const org = await newOrg('Idempotent Co');
    const key = `idem-${Date.now()}`;
    const body = { organization_id: org, event: event(1) };
    const first = await h.api('POST', '/audit_logs/events', body, { 'idempotency-key': key });
    expect(first.status).toBe(200);
    const stored = await db()
      .selectFrom('idempotency_keys')
      .select(['status', 'response_body'])
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    expect({ status: Number(stored.status), body: stored.response_body }).toEqual({
      status: 200,
      body: '{"success":true}',
    });
    const again = await h.api('POST', '/audit_logs/events', body, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toEqual({ success: true });
    expect((await verify(org)).events_checked).toBe(1);

    const missing = { organization_id: 'org_01NOSUCHORG000000000000000', event: event(2) };
    const refused = await h.api('POST', '/audit_logs/events', missing, { 'idempotency-key': `${key}-x` });
    expect(refused.status).toBe(404);
    expect((await json(refused)).message).toContain('org_01NOSUCHORG000000000000000');
    const left = await db()
      .selectFrom('idempotency_keys')
      .select('key')
      .where('key', '=', `${key}-x`)
      .execute();
    expect(left).toEqual([]);
  });

  it('a verification that runs while events are appended reports nothing (no false "inserted")', async () => {
    const org = await newOrg('Busy Co');
    for (let n = 1; n <= 5; n++) await send(org, n);
    let sending = true;
    const writer = (async () => {
      for (let n = 6; n <= 400; n += 20)
        await Promise.all(Array.from({ length: 20 }, (_, k) => send(org, n + k)));
      sending = false;
    })();
    const reports: Awaited<ReturnType<typeof verify>>[] = [];
    while (sending) reports.push(await verify(org));
    await writer;
    expect(reports.length).toBeGreaterThan(0);
    for (const r of reports) expect(r.problems).toEqual([]);
    expect(await verify(org)).toMatchObject({ verified: true, events_checked: 405 });
  });

  it('verifies, and names each kind of tampering done in the database', async () => {
    const org = await newOrg('Tamper Co');
    for (let n = 1; n <= 10; n++) await send(org, n);
    expect(await verify(org)).toMatchObject({ verified: true, events_checked: 10, problems: [] });

    // Altered: metadata edited in the hashed body.
    const r3 = await rowAt(org, 3);
    await db()
      .updateTable('audit_log_events')
      .set({ body: r3.body.replace('"even":false', '"even":true') })
      .where('id', '=', r3.id)
      .execute();
    // Altered: a filter column changed without touching the body.
    const r4 = await rowAt(org, 4);
    await db()
      .updateTable('audit_log_events')
      .set({ actor_name: 'Mallory' })
      .where('id', '=', r4.id)
      .execute();
    // Deleted: seq 6 removed.
    const r6 = await rowAt(org, 6);
    await db().deleteFrom('audit_log_events').where('id', '=', r6.id).execute();
    // Reordered: seq 8 and 9 swap places.
    const [r8, r9] = [await rowAt(org, 8), await rowAt(org, 9)];
    await db().updateTable('audit_log_events').set({ seq: -8 }).where('id', '=', r8.id).execute();
    await db().updateTable('audit_log_events').set({ seq: 8 }).where('id', '=', r9.id).execute();
    await db().updateTable('audit_log_events').set({ seq: 9 }).where('id', '=', r8.id).execute();
    // Inserted: a forged row after the head, copied from a real one.
    const r10 = await rowAt(org, 10);
    await db()
      .insertInto('audit_log_events')
      .values({ ...r10, id: 'audit_log_event_FORGED', seq: 11, prev_hash: r10.hash })
      .execute();

    const report = await verify(org);
    expect(report.verified).toBe(false);
    expect(report.problems.map((p) => [p.kind, p.seq, p.event_id])).toEqual([
      ['altered', 3, r3.id],
      ['altered', 4, r4.id],
      ['deleted', 6, null],
      ['reordered', 8, r9.id],
      ['reordered', 9, r8.id],
      ['inserted', 11, 'audit_log_event_FORGED'],
    ]);
    expect(report.problems[1]!.message).toContain('column actor_name differs from the hashed event');
    expect(report.problems[2]!.message).toBe('1 event(s) at seq 6 are missing: deleted outside retention.');
  });

  it('a rewritten chain under a signed checkpoint is caught; the checkpoint verifies with the published key', async () => {
    const org = await newOrg('Checkpoint Co');
    for (let n = 1; n <= 5; n++) await send(org, n);
    expect(await writeCheckpoints(h.portico.deps, h.environmentId)).toBeGreaterThanOrEqual(1);
    const ok = await verify(org);
    expect(ok).toMatchObject({ verified: true, checkpoints_checked: 1 });
    const jwks = await json<{ keys: { kty: string; crv: string; kid: string }[] }>(
      await h.portico.app.request(`/audit_logs/jwks/${h.clientId}`),
    );
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });

    // Rewrite the whole chain consistently (as someone with database access could): event 2 gets
    // a new body and every hash from there on is recomputed, the head too.
    const { chainHash } = await import('../../src/features/audit-logs/chain.ts');
    const rows = await db()
      .selectFrom('audit_log_events')
      .selectAll()
      .where('organization_id', '=', org)
      .orderBy('seq')
      .execute();
    let prev = rows[0]!.hash;
    for (const r of rows.slice(1)) {
      const body = r.seq === 2 ? r.body.replace('"even":true', '"even":false') : r.body;
      const hash = chainHash(prev, body);
      await db()
        .updateTable('audit_log_events')
        .set({ body, prev_hash: prev, hash })
        .where('id', '=', r.id)
        .execute();
      prev = hash;
    }
    await db()
      .updateTable('audit_log_organizations')
      .set({ head_hash: prev })
      .where('organization_id', '=', org)
      .execute();
    const report = await verify(org);
    expect(report.verified).toBe(false);
    expect(report.problems).toEqual([
      {
        kind: 'checkpoint',
        seq: 5,
        event_id: null,
        message: 'The chain was rewritten: event seq 5 no longer has the hash its signed checkpoint records.',
      },
    ]);
  });

  it('retention deletes the oldest events, records the deletion in the chain, and the chain verifies', async () => {
    const org = await newOrg('Retention Co');
    const clock = h.testClock!;
    const now = clock.now().getTime();
    const day = 86_400_000;
    // Four events 40 days old, then two from today.
    for (let n = 1; n <= 6; n++) {
      const at = new Date(now - (n <= 4 ? 40 * day : 0) + n);
      const res = await h.api('POST', '/audit_logs/events', { organization_id: org, event: event(n, at) });
      expect(res.status).toBe(200);
    }
    expect(
      (await h.api('PUT', `/organizations/${org}/audit_logs_retention`, { retention_period: '1_MONTH' }))
        .status,
    ).toBe(200);
    const deleted = await h.portico.services.auditLogs.applyRetention();
    expect(deleted).toBe(4);
    const left = await db()
      .selectFrom('audit_log_events')
      .select(['seq', 'action', 'body'])
      .where('organization_id', '=', org)
      .orderBy('seq')
      .execute();
    expect(left.map((r) => [r.seq, r.action])).toEqual([
      [5, 'doc.viewed'],
      [6, 'doc.edited'],
      [7, RETENTION_ACTION],
    ]);
    expect(JSON.parse(left[2]!.body).metadata).toMatchObject({
      deleted_events: 4,
      deleted_from_seq: 1,
      deleted_through_seq: 4,
      retention_period_in_days: 30,
    });
    expect(await verify(org)).toMatchObject({ verified: true, events_checked: 3 });
    // Nothing more is due: a second pass deletes nothing and records nothing.
    expect(await h.portico.services.auditLogs.applyRetention()).toBe(0);
    expect(
      await db().selectFrom('audit_log_events').select('id').where('organization_id', '=', org).execute(),
    ).toHaveLength(3);
  });

  it('an export of 100,000 events equals what was sent, row for row, and its proof holds', async () => {
    const org = await newOrg('Export Co');
    const N = 100_000;
    const sent: ReturnType<typeof event>[] = [];
    for (let i = 0; i < N; i += 5_000) {
      const batch = Array.from({ length: 5_000 }, (_, k) =>
        event(i + k + 1, new Date(Date.UTC(2025, 0, 1) + (i + k) * 1000)),
      );
      sent.push(...batch);
      await db()
        .transaction()
        .execute((tx) =>
          appendToChain(
            tx,
            h.portico.deps,
            h.environmentId,
            org,
            batch.map((e) => toChained(e)),
          ),
        );
    }
    const created = await json<{ id: string }>(
      await h.api('POST', '/audit_logs/exports', {
        organization_id: org,
        range_start: '2025-01-01T00:00:00.000Z',
        range_end: '2025-12-31T00:00:00.000Z',
      }),
    );
    expect(await h.portico.services.auditExports.runPending()).toBe(1);
    const ready = await json<{ state: string; url: string; event_count: number }>(
      await h.api('GET', `/audit_logs/exports/${created.id}`),
    );
    expect(ready).toMatchObject({ state: 'ready', event_count: N });
    const res = await h.portico.app.request(ready.url.slice(ready.url.indexOf('/audit_logs/')));
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(N + 1);
    // No field of these events needs CSV quoting except the JSON columns, which always contain commas.
    const rows = parseCsv(lines.slice(1).join('\r\n'));
    expect(rows).toHaveLength(N);
    for (let i = 0; i < N; i++) {
      const r = rows[i]!;
      const e = sent[i]!;
      const got = {
        occurred_at: r[1],
        action: r[2],
        actor: { id: r[4], type: r[5], name: r[6] },
        targets: JSON.parse(r[8]!),
        context: { location: r[9], user_agent: r[10] },
        metadata: JSON.parse(r[11]!),
      };
      const want = {
        occurred_at: e.occurred_at,
        action: e.action,
        actor: e.actor,
        targets: e.targets,
        context: e.context,
        metadata: e.metadata,
      };
      // One deep comparison per row would take minutes; compare the JSON and explain a mismatch.
      if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `row ${i + 1}`).toEqual(want);
    }
    const proof = await json<{ unaltered: boolean; chain_verified: boolean; event_count: number }>(
      await h.api('GET', `/audit_logs/exports/${created.id}/proof`),
    );
    expect(proof).toMatchObject({ unaltered: true, chain_verified: true, event_count: N });
  }, 240_000);

  it.runIf(dialect === 'postgres')(
    'two instances appending to one organization at once leave one unforked chain',
    async () => {
      const org = await newOrg('Two Process Co');
      const second = openDatabase(h.databaseUrl, { poolSize: 5 });
      const other = buildApp({ config: h.portico.deps.config, database: second });
      try {
        const post = (app: typeof other, n: number) =>
          app.app.request('/audit_logs/events', {
            method: 'POST',
            headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ organization_id: org, event: event(n) }),
          });
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, n) => post(n % 2 ? other : (h.portico as typeof other), n + 1)),
        );
        expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
        const seqs = (
          await db()
            .selectFrom('audit_log_events')
            .select('seq')
            .where('organization_id', '=', org)
            .orderBy('seq')
            .execute()
        ).map((r) => Number(r.seq));
        expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(await verify(org)).toMatchObject({ verified: true, events_checked: 200 });
      } finally {
        await second.close();
      }
    },
  );
});
