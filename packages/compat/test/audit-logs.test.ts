/**
 * Audit Logs through the official SDK (7, 8, 11, 12), each against its own listening Portico with
 * the real export worker: every `auditLogs` method the major has (7/8: createEvent, createSchema,
 * createExport, getExport; 11/12 add listSchemas and the retention pair), schema versions and
 * violations, idempotent replays, bad input and unknown ids, the export's CSV downloaded from its
 * signed URL and compared with what was sent, and the responses checked against WorkOS's OpenAPI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditExportWorker } from '../../../apps/server/src/jobs/audit-export-worker.ts';
import { parseCsv } from './support/csv.ts';
import { checkAgainstSpec } from './support/openapi.ts';
import { type Running, startPortico } from './support/portico.ts';
import { type AnyWorkOS, MAJORS, modern, sdkFor } from './support/sdks.ts';

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function rejection(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err as { status?: number; code?: string; message: string; errors?: Record<string, unknown>[] };
  }
  throw new Error('expected the SDK call to fail');
}

describe.each(MAJORS)('Audit Logs through the official SDK %s', (major) => {
  let p: Running;
  let workos: AnyWorkOS;
  let worker: AuditExportWorker;
  let orgId = '';
  const stored = async () =>
    p.h.portico.deps.db
      .selectFrom('audit_log_events')
      .select(['body'])
      .where('organization_id', '=', orgId)
      .orderBy('seq')
      .execute();

  const api = async (
    method: string,
    path: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: error bodies of several shapes
  ): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${p.h.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    p = await startPortico({ env: { PORTICO_WEBHOOK_POLL: '20ms' } });
    worker = new AuditExportWorker(
      p.h.portico.deps,
      p.h.portico.services.auditExports,
      p.h.portico.services.platformAudit,
    );
    worker.start();
    workos = await sdkFor(major, p, { maxRetries: 0 });
    orgId = (await workos.organizations.createOrganization({ name: `Audit ${major}` })).id;
  });
  afterAll(async () => {
    await worker?.stop();
    await p?.close();
  });

  const event = (n: number, extra: Record<string, unknown> = {}) => ({
    action: 'invoice.paid',
    occurredAt: new Date(Date.UTC(2026, 10, 1, 12, 0, n)),
    actor: { type: 'user', id: `user_${n}`, name: `Ada, "the" admin ${n}`, metadata: { role: 'admin' } },
    targets: [{ type: 'invoice', id: `inv_${n}`, name: `Invoice\n${n}`, metadata: { cost: n * 10 } }],
    context: { location: `10.0.0.${n}`, userAgent: 'Chrome/104.0' },
    metadata: { plan: 'pro' },
    ...extra,
  });

  it('createSchema makes versions; createEvent is checked against the version it names', async () => {
    const v1 = await workos.auditLogs.createSchema({
      action: 'invoice.paid',
      actor: { metadata: { role: 'string' } },
      targets: [{ type: 'invoice', metadata: { cost: 'number' } }],
      metadata: { plan: 'string' },
    });
    expect(v1.object).toBe('audit_log_schema');
    expect(v1.version).toBe(1);
    expect(v1.targets).toEqual([{ type: 'invoice', metadata: { cost: 'number' } }]);
    expect(v1.actor).toEqual({ metadata: { role: 'string' } });
    expect(v1.metadata).toEqual({ plan: 'string' });
    const v2 = await workos.auditLogs.createSchema({
      action: 'invoice.paid',
      targets: [{ type: 'invoice' }, { type: 'team' }],
    });
    expect(v2.version).toBe(2);

    for (let n = 1; n <= 3; n++)
      await expect(workos.auditLogs.createEvent(orgId, event(n))).resolves.toBeUndefined();
    // Version 1 (the default) has no `team` target and types `cost` as a number.
    const bad = await rejection(
      workos.auditLogs.createEvent(
        orgId,
        event(9, {
          targets: [
            { type: 'invoice', id: 'inv_9', metadata: { cost: 'ninety' } },
            { type: 'team', id: 'team_1' },
          ],
        }),
      ),
    );
    expect(bad.status).toBe(400);
    expect(bad.code).toBe('invalid_audit_log_event');
    expect(bad.errors?.map((e) => e.instancePath)).toEqual(['/targets/0/metadata/cost', '/targets/1/type']);
    expect(bad.message).toContain("'team' is not a target type of 'invoice.paid' version 1");
    // Version 2 allows it.
    await workos.auditLogs.createEvent(
      orgId,
      event(4, { version: 2, targets: [{ type: 'team', id: 'team_1' }], metadata: undefined }),
    );
    const unknownVersion = await rejection(workos.auditLogs.createEvent(orgId, event(9, { version: 3 })));
    expect(unknownVersion.status).toBe(400);
    expect(unknownVersion.message).toContain('has no schema version 3; its versions are 1–2');
    expect(await stored()).toHaveLength(4);
  });

  it('replays an Idempotency-Key instead of writing twice; bad input and unknown ids change nothing', async () => {
    const key = `audit-${major}-replay`;
    await workos.auditLogs.createEvent(orgId, event(5), { idempotencyKey: key });
    await workos.auditLogs.createEvent(orgId, event(5), { idempotencyKey: key });
    expect(await stored()).toHaveLength(5);
    const reused = await rejection(workos.auditLogs.createEvent(orgId, event(6), { idempotencyKey: key }));
    expect(reused.status).toBe(422);
    expect(reused.code).toBe('idempotency_key_reused');

    // The SDK keeps only the codes of a 422's errors in its message; the body says more.
    const missing = await rejection(
      workos.auditLogs.createEvent(orgId, { ...event(6), actor: { type: 'user' }, context: {} }),
    );
    expect(missing.status).toBe(422);
    expect(missing.message).toBe('The following requirements must be met:\n\trequired\n\trequired\n');
    const raw = await api('POST', '/audit_logs/events', {
      organization_id: orgId,
      event: {
        action: 'invoice paid!',
        occurred_at: 'yesterday',
        actor: { type: 'user' },
        targets: {},
        context: {},
        metadata: { 'bad key!': 1, nested: { a: 1 } },
      },
    });
    expect(raw.status).toBe(422);
    expect(raw.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'event.action',
      'event.occurred_at',
      'event.actor.id',
      'event.targets',
      'event.context.location',
      'event.metadata.bad key!',
      'event.metadata.nested',
    ]);
    expect(raw.body.message).toContain('event.action: action is 1–100 letters');
    expect(raw.body.message).toContain('event.occurred_at: occurred_at is an ISO-8601 date-time');
    expect(raw.body.message).toContain('event.actor.id: id is required');
    expect(raw.body.message).toContain('event.targets: targets is a list of {type, id} objects');
    expect(raw.body.message).toContain('event.metadata.bad key!: metadata keys are 1–40 letters');
    expect(raw.body.message).toContain('metadata values are strings, numbers or booleans');
    expect((await api('POST', '/audit_logs/events', '{"organization_id":')).body.code).toBe('invalid_json');
    const noOrg = await rejection(workos.auditLogs.createEvent('org_01NOTHERE0000000000000000', event(6)));
    expect(noOrg.status).toBe(404);
    expect(noOrg.message).toContain('Organization not found');
    expect(await stored()).toHaveLength(5);
  });

  it('createExport → the worker builds it → getExport’s signed URL downloads exactly the events sent', async () => {
    const created = await workos.auditLogs.createExport({
      organizationId: orgId,
      rangeStart: new Date(Date.UTC(2026, 10, 1)),
      rangeEnd: new Date(Date.UTC(2026, 10, 2)),
      actions: ['invoice.paid'],
      actorIds: ['user_1', 'user_2', 'user_3', 'user_5'],
    });
    expect(created.object).toBe('audit_log_export');
    expect(created.state).toBe('pending');
    const ready = await until(async () => {
      const e = await workos.auditLogs.getExport(created.id);
      return e.state === 'ready' ? e : undefined;
    }, 'the export to be ready');
    expect(ready.url).toMatch(new RegExp(`^${p.url}/audit_logs/exports/${created.id}/download\\?expires=`));
    const res = await fetch(ready.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(await res.text());
    const [header, ...data] = rows;
    expect(header).toEqual([
      'id',
      'occurred_at',
      'action',
      'version',
      'actor_id',
      'actor_type',
      'actor_name',
      'actor_metadata',
      'targets',
      'location',
      'user_agent',
      'metadata',
      'received_at',
      'seq',
      'hash',
    ]);
    const sent = [1, 2, 3, 5].map((n) => event(n));
    expect(
      data.map((r) => ({
        occurred_at: r[1],
        action: r[2],
        actor: { type: r[5], id: r[4], name: r[6], metadata: JSON.parse(r[7]!) },
        targets: JSON.parse(r[8]!),
        location: r[9],
        user_agent: r[10],
        metadata: JSON.parse(r[11]!),
      })),
    ).toEqual(
      sent.map((e) => ({
        occurred_at: e.occurredAt.toISOString(),
        action: e.action,
        actor: e.actor,
        targets: e.targets,
        location: e.context.location,
        user_agent: e.context.userAgent,
        metadata: e.metadata,
      })),
    );
    // An altered or expired link is refused.
    const forged = await fetch(ready.url.replace(/signature=[^&]+/, 'signature=AAAA'));
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { code: string }).code).toBe('audit_log_export_link_invalid');
    const badRange = await rejection(
      workos.auditLogs.createExport({
        organizationId: orgId,
        rangeStart: new Date(Date.UTC(2026, 10, 2)),
        rangeEnd: new Date(Date.UTC(2026, 10, 1)),
      }),
    );
    expect(badRange.status).toBe(400);
    expect(badRange.message).toContain('must be before range_end');
    const unknown = await rejection(workos.auditLogs.getExport('audit_log_export_01NOTHERE000000000000000'));
    expect(unknown.status).toBe(404);
  });

  it.runIf(modern(major))('listSchemas and the retention pair (SDK 11+)', async () => {
    const list = await workos.auditLogs.listSchemas('invoice.paid');
    expect(list.data.map((s: { version: number }) => s.version).sort()).toEqual([1, 2]);
    expect(await workos.auditLogs.getOrganizationAuditLogsRetention({ id: orgId })).toEqual({
      retentionPeriodInDays: null,
    });
    expect(
      await workos.auditLogs.updateOrganizationAuditLogsRetention({ id: orgId, retentionPeriod: '1_YEAR' }),
    ).toEqual({ retentionPeriodInDays: 365 });
    expect(await workos.auditLogs.getOrganizationAuditLogsRetention({ id: orgId })).toEqual({
      retentionPeriodInDays: 365,
    });
    const bad = await rejection(
      workos.auditLogs.updateOrganizationAuditLogsRetention({ id: orgId, retentionPeriod: '13_MONTHS' }),
    );
    expect(bad.status).toBe(422);
    expect(bad.message).toContain('invalid_enum_value');
    const raw = await api('PUT', `/organizations/${orgId}/audit_logs_retention`, {
      retention_period: '13_MONTHS',
    });
    expect(raw.body.message).toContain('Use "1_MONTH", "2_MONTHS" … "11_MONTHS", "1_YEAR"');
    const noList = await rejection(workos.auditLogs.listSchemas('never.defined'));
    expect(noList.status).toBe(404);
  });

  it('the chain verifies, and every response matches WorkOS’s OpenAPI schemas', async () => {
    const res = await fetch(`${p.url}/audit_logs/verify?organization_id=${orgId}`, {
      headers: { authorization: `Bearer ${p.h.apiKey}` },
    });
    const report = (await res.json()) as { verified: boolean; events_checked: number };
    expect(report).toMatchObject({ verified: true, events_checked: 5 });
    const checked = p.recorded.map((r) => ({ r, v: checkAgainstSpec(r) })).filter((x) => x.v.checked);
    const failures = checked
      .filter((x) => x.v.errors.length)
      .map((x) => `${x.r.method} ${x.v.template} ${x.r.status}: ${x.v.errors.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    const templates = new Set(checked.map((x) => `${x.r.method} ${x.v.template}`));
    expect(templates).toContain('POST /audit_logs/events');
    expect(templates).toContain('POST /audit_logs/exports');
    expect(templates).toContain('GET /audit_logs/exports/{auditLogExportId}');
  });
});
