/**
 * The Audit Logs viewer's JSON endpoints (docs/audit-logs.md "Viewer"), in-process on both
 * databases: the Admin Portal's (`audit_logs` intent, portal session) and the dashboard's
 * (`/_admin/audit_logs`, admin session + CSRF).
 * - each filter alone and combined, and the search;
 * - paging across 260 events forward and back by the seq cursor, without gaps or repeats;
 * - tenancy: another organization's or environment's event ids answer 404, their events never show;
 * - bad input (dates, limit, cursors) answers 422 naming the field;
 * - an export of the current filters, its state and its download link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, dialect, type Harness, json } from '../harness.ts';

let h: Harness;
let orgA: string;
let orgB: string;
let portal: (method: string, path: string, body?: unknown) => Promise<Response>;
let admin: (method: string, path: string, body?: unknown) => Promise<Response>;
let otherEnvEvent: string;
let orgBEvent: string;

const N = 260;
const T0 = Date.UTC(2026, 0, 1);
const ACTIONS = ['doc.viewed', 'doc.edited', 'user.signed_in', 'report.exported'];

const event = (n: number) => ({
  action: ACTIONS[n % 4]!,
  occurred_at: new Date(T0 + n * 3_600_000).toISOString(),
  actor: { id: `user_${n % 5}`, type: 'user', name: `Person ${n % 5}` },
  targets:
    n % 3 === 0
      ? [
          { id: `doc_${n}`, type: 'document', name: `Quarterly plan ${n}` },
          { id: `team_${n % 2}`, type: 'team' },
        ]
      : [{ id: `doc_${n}`, type: 'document', name: `Notes ${n}` }],
  context: { location: `10.0.0.${n % 250}`, user_agent: 'Firefox/140' },
  metadata: { n, special: n === 42 ? 'needle_100%' : 'hay' },
});

type Ev = {
  id: string;
  seq: number;
  action: string;
  occurred_at: string;
  actor: { id: string; name?: string };
};
type Page = { data: Ev[]; list_metadata: { before: string | null; after: string | null } };

beforeAll(async () => {
  h = await createHarness();
  const newOrg = async (name: string, key = h.apiKey) =>
    (
      await json<{ id: string }>(
        await h.portico.app.request('/organizations', {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        }),
      )
    ).id;
  orgA = await newOrg('Viewer A');
  orgB = await newOrg('Viewer B');
  // Sent concurrently, in batches: the group commit keeps arrival order within a batch.
  for (let n = 1; n <= N; n++) {
    const res = await h.api('POST', '/audit_logs/events', { organization_id: orgA, event: event(n) });
    expect(res.status).toBe(200);
  }
  await h.api('POST', '/audit_logs/events', { organization_id: orgB, event: event(1) });
  const other = await h.portico.services.environments.createEnvironment('Viewer elsewhere');
  const otherOrg = await newOrg('Far away', other.apiKey);
  await h.portico.app.request('/audit_logs/events', {
    method: 'POST',
    headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ organization_id: otherOrg, event: event(2) }),
  });
  const db = h.portico.deps.db;
  otherEnvEvent = (
    await db
      .selectFrom('audit_log_events')
      .select('id')
      .where('organization_id', '=', otherOrg)
      .executeTakeFirstOrThrow()
  ).id;
  orgBEvent = (
    await db
      .selectFrom('audit_log_events')
      .select('id')
      .where('organization_id', '=', orgB)
      .executeTakeFirstOrThrow()
  ).id;

  // The portal: an audit_logs link for orgA.
  const gen = await h.api('POST', '/portal/generate_link', { organization: orgA, intent: 'audit_logs' });
  expect(gen.status).toBe(201);
  const u = new URL((await json<{ link: string }>(gen)).link);
  const launched = await h.portico.app.request(`${u.pathname}${u.search}`);
  expect(launched.status).toBe(302);
  const pCookie = launched.headers.get('set-cookie')!.split(';')[0]!;
  const pCsrf = (
    await json<{ csrf: string }>(
      await h.portico.app.request('/portal/api/session', { headers: { cookie: pCookie } }),
    )
  ).csrf;
  const caller = (cookie: string, csrf: string) => async (method: string, path: string, body?: unknown) =>
    h.portico.app.request(path, {
      method,
      headers: {
        cookie,
        'x-portico-csrf': csrf,
        origin: h.portico.deps.config.publicUrl,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  portal = caller(pCookie, pCsrf);

  // The dashboard: the bootstrap admin.
  const boot = await h.portico.services.admin.bootstrap();
  const signed = await h.portico.app.request('/_admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: h.portico.deps.config.publicUrl },
    body: JSON.stringify({ email: boot.email, password: boot.password }),
  });
  expect(signed.status).toBe(201);
  admin = caller(
    signed.headers.get('set-cookie')!.split(';')[0]!,
    (await json<{ csrf_token: string }>(signed)).csrf_token,
  );
});
afterAll(() => h.close());

const list = async (query: string) => {
  const res = await portal('GET', `/portal/api/audit_logs/events?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Page>(res);
};
/** Every event the filter selects, walking `after` pages of 100. */
const all = async (query: string) => {
  const out: Ev[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Page = await list(`${query}&limit=100${after ? `&after=${after}` : ''}`);
    out.push(...page.data);
    after = page.list_metadata.after;
    if (!after) return out;
  }
};
const seqs = (evs: Ev[]) => evs.map((e) => e.seq);
const expected = (pred: (n: number) => boolean) => Array.from({ length: N }, (_, i) => N - i).filter(pred);

describe(`the audit log viewer on ${dialect}`, () => {
  it('pages 260 events newest first, forward and back, without gaps or repeats', async () => {
    const forward: Page[] = [];
    let page = await list('limit=25');
    expect(page.list_metadata.before).toBeNull();
    forward.push(page);
    while (page.list_metadata.after) {
      page = await list(`limit=25&after=${page.list_metadata.after}`);
      forward.push(page);
    }
    expect(forward).toHaveLength(11);
    expect(forward.flatMap((p) => seqs(p.data))).toEqual(expected(() => true));
    // Back from the last page to the first, by `before`.
    const back: number[][] = [];
    let cur = forward[forward.length - 1]!;
    back.unshift(seqs(cur.data));
    while (cur.list_metadata.before) {
      cur = await list(`limit=25&before=${cur.list_metadata.before}`);
      back.unshift(seqs(cur.data));
    }
    expect(back).toEqual(forward.map((p) => seqs(p.data)));
    expect(cur.list_metadata.before).toBeNull();
    // The shape: the chain position and the whole event.
    const first = forward[0]!.data[0]!;
    expect(first).toMatchObject({
      object: 'audit_log_event',
      organization_id: orgA,
      seq: N,
      action: ACTIONS[N % 4],
      actor: { id: `user_${N % 5}`, type: 'user', name: `Person ${N % 5}` },
      context: { location: `10.0.0.${N % 250}`, user_agent: 'Firefox/140' },
      metadata: { n: N, special: 'hay' },
    });
  });

  it('filters by each of action, actor, target and range, and all together', async () => {
    expect(seqs(await all('actions=doc.edited'))).toEqual(expected((n) => n % 4 === 1));
    expect(seqs(await all('actions=doc.edited&actions=user.signed_in'))).toEqual(
      expected((n) => n % 4 === 1 || n % 4 === 2),
    );
    expect(seqs(await all('actions=doc.edited,user.signed_in'))).toEqual(
      expected((n) => n % 4 === 1 || n % 4 === 2),
    );
    // actor: the id or the name, exactly.
    expect(seqs(await all('actor=user_3'))).toEqual(expected((n) => n % 5 === 3));
    expect(seqs(await all('actor=Person%203'))).toEqual(expected((n) => n % 5 === 3));
    expect(await all('actor=user_')).toEqual([]);
    expect(seqs(await all('target_type=team'))).toEqual(expected((n) => n % 3 === 0));
    expect(seqs(await all('target_type=document'))).toEqual(expected(() => true));
    expect(seqs(await all('target_id=doc_42'))).toEqual([42]);
    expect(seqs(await all('target_id=team_1'))).toEqual(expected((n) => n % 3 === 0 && n % 2 === 1));
    // An actor id is not a target id.
    expect(await all('target_id=user_3')).toEqual([]);
    const at = (n: number) => encodeURIComponent(new Date(T0 + n * 3_600_000).toISOString());
    expect(seqs(await all(`range_start=${at(100)}&range_end=${at(120)}`))).toEqual(
      expected((n) => n >= 100 && n <= 120),
    );
    expect(seqs(await all(`range_start=${at(250)}`))).toEqual(expected((n) => n >= 250));
    // A date-only range_end is the whole of that day: 2026-01-01 holds n = 1…23.
    expect(seqs(await all('range_end=2026-01-01'))).toEqual(expected((n) => n <= 23));
    const combined = await all(
      `actions=doc.viewed&actor=user_0&target_type=team&range_start=${at(30)}&range_end=${at(200)}`,
    );
    expect(seqs(combined)).toEqual(
      expected((n) => n % 4 === 0 && n % 5 === 0 && n % 3 === 0 && n >= 30 && n <= 200),
    );
    expect(combined.length).toBeGreaterThan(0);
    // Filters page too: 5 a page over the 65 doc.edited events, back and forth.
    const p1 = await list('actions=doc.edited&limit=5');
    const p2 = await list(`actions=doc.edited&limit=5&after=${p1.list_metadata.after}`);
    expect(seqs(p2.data)).toEqual(expected((n) => n % 4 === 1).slice(5, 10));
    expect(seqs((await list(`actions=doc.edited&limit=5&before=${p2.list_metadata.before}`)).data)).toEqual(
      seqs(p1.data),
    );
  });

  it('searches the action, the actor and the targets, case-insensitively, LIKE characters literal', async () => {
    expect(seqs(await all('search=QUARTERLY%20plan%2012'))).toEqual(
      expected((n) => n % 3 === 0 && String(n).startsWith('12')),
    );
    expect(seqs(await all('search=person%204'))).toEqual(expected((n) => n % 5 === 4));
    expect(seqs(await all('search=report.exp'))).toEqual(expected((n) => n % 4 === 3));
    expect(seqs(await all('search=doc_7'))).toEqual(expected((n) => String(n).startsWith('7')));
    // `%` and `_` are matched as themselves, not as wildcards.
    expect(seqs(await all('search=needle_100%25'))).toEqual([42]);
    expect(await all('search=needle_1000')).toEqual([]);
    expect(await all('search=%25%25%25nothing')).toEqual([]);
    expect(seqs(await all('search=quarterly&actions=doc.viewed'))).toEqual(
      expected((n) => n % 3 === 0 && n % 4 === 0),
    );
  });

  it('shows one event in full with its chain position; other tenants’ ids answer 404', async () => {
    const [e] = (await list('limit=1&target_id=doc_42')).data;
    const res = await portal('GET', `/portal/api/audit_logs/events/${e!.id}`);
    expect(res.status).toBe(200);
    const detail = await json<Record<string, unknown>>(res);
    expect(detail).toMatchObject({
      id: e!.id,
      seq: 42,
      targets: [
        { id: 'doc_42', type: 'document', name: 'Quarterly plan 42' },
        { id: 'team_0', type: 'team' },
      ],
      metadata: { n: 42, special: 'needle_100%' },
      chain: { hash_matches: true, linked_to_previous: true },
    });
    expect(detail.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.prev_hash).toMatch(/^[0-9a-f]{64}$/);
    for (const id of [orgBEvent, otherEnvEvent, 'audit_log_event_01NOPE']) {
      const r = await portal('GET', `/portal/api/audit_logs/events/${id}`);
      expect(r.status).toBe(404);
      expect(await json(r)).toMatchObject({ code: 'entity_not_found' });
      const d = await admin('GET', `/_admin/audit_logs/events/${id}?organization_id=${orgA}`);
      expect(d.status).toBe(404);
    }
    // Lists never show another organization's or environment's events.
    const everything = await all('search=');
    expect(everything.map((x) => x.id)).not.toContain(orgBEvent);
    expect(everything.map((x) => x.id)).not.toContain(otherEnvEvent);
    expect(everything).toHaveLength(N);
  });

  it('the dashboard lists any organization of its environment, and only of its environment', async () => {
    const res = await admin('GET', `/_admin/audit_logs/events?organization_id=${orgB}`);
    expect(res.status).toBe(200);
    expect((await json<Page>(res)).data.map((e) => e.id)).toEqual([orgBEvent]);
    const d = await admin('GET', `/_admin/audit_logs/events/${orgBEvent}?organization_id=${orgB}`);
    expect(d.status).toBe(200);
    const foreignOrg = (
      await h.portico.deps.db
        .selectFrom('audit_log_events')
        .select('organization_id')
        .where('id', '=', otherEnvEvent)
        .executeTakeFirstOrThrow()
    ).organization_id;
    const f = await admin('GET', `/_admin/audit_logs/events?organization_id=${foreignOrg}`);
    expect(f.status).toBe(404);
    expect(await json(f)).toMatchObject({ code: 'entity_not_found' });
    const missing = await admin('GET', '/_admin/audit_logs/events');
    expect(missing.status).toBe(422);
    expect(await json(missing)).toMatchObject({ errors: [{ field: 'organization_id' }] });
    // The API key does not reach the dashboard's endpoints.
    expect((await h.api('GET', `/_admin/audit_logs/events?organization_id=${orgA}`)).status).toBe(401);
    // Nor another intent's portal session.
    const gen = await h.api('POST', '/portal/generate_link', { organization: orgA, intent: 'sso' });
    const u = new URL((await json<{ link: string }>(gen)).link);
    const launched = await h.portico.app.request(`${u.pathname}${u.search}`);
    const cookie = launched.headers.get('set-cookie')!.split(';')[0]!;
    const other = await h.portico.app.request('/portal/api/audit_logs/events', { headers: { cookie } });
    expect(other.status).toBe(403);
    expect(await json(other)).toMatchObject({ code: 'portal_intent_not_allowed' });
  });

  it('refuses bad input with 422 naming the field and what to send', async () => {
    const cases: [string, string, RegExp][] = [
      ['limit=101', 'limit', /limit is at most 100 events a page/],
      ['limit=0', 'limit', /limit is at least 1/],
      ['limit=ten', 'limit', /limit is a whole number/],
      ['range_start=yesterday', 'range_start', /range_start is an ISO-8601 date/],
      ['range_end=2026-13-45', 'range_end', /range_end is an ISO-8601 date/],
      ['after=audit_log_event_01XYZ', 'after', /after is a cursor from list_metadata/],
      ['before=-5', 'before', /before is a cursor from list_metadata/],
      ['after=5&before=9', 'before', /send before or after, not both/],
      [
        'range_start=2026-02-01&range_end=2026-01-01',
        'range_end',
        /range_start \(2026-02-01T00:00:00.000Z\) is after range_end/,
      ],
    ];
    for (const [q, field, message] of cases) {
      for (const call of [
        () => portal('GET', `/portal/api/audit_logs/events?${q}`),
        () => admin('GET', `/_admin/audit_logs/events?organization_id=${orgA}&${q}`),
      ]) {
        const res = await call();
        expect(res.status, q).toBe(422);
        const body = await json<{ code: string; message: string; errors: { field: string }[] }>(res);
        expect(body.code, q).toBe('invalid_request_parameters');
        expect(body.message, q).toMatch(message);
        expect(
          body.errors.map((e) => e.field),
          q,
        ).toContain(field);
      }
    }
  });

  it('exports the current filters; the state and then the download link are read back', async () => {
    const res = await portal('POST', '/portal/api/audit_logs/exports', {
      actions: ['doc.edited'],
      actor: 'user_1',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const created = await json<{ id: string; state: string }>(res);
    expect(created.state).toBe('pending');
    expect(await h.portico.services.auditExports.runPending()).toBe(1);
    const got = await json<{ state: string; url: string; event_count: number }>(
      await portal('GET', `/portal/api/audit_logs/exports/${created.id}`),
    );
    expect(got.state).toBe('ready');
    expect(got.event_count).toBe(expected((n) => n % 4 === 1 && n % 5 === 1).length);
    const csv = await (
      await h.portico.app.request(new URL(got.url).pathname + new URL(got.url).search)
    ).text();
    expect(csv.trimEnd().split('\r\n')).toHaveLength(got.event_count + 1);
    // The dashboard's export of orgB cannot be read through orgA, and vice versa.
    const d = await admin('POST', '/_admin/audit_logs/exports', { organization_id: orgB, actor: 'Person 1' });
    expect(d.status).toBe(201);
    const dId = (await json<{ id: string }>(d)).id;
    expect((await portal('GET', `/portal/api/audit_logs/exports/${dId}`)).status).toBe(404);
    expect((await admin('GET', `/_admin/audit_logs/exports/${dId}?organization_id=${orgA}`)).status).toBe(
      404,
    );
    expect((await admin('GET', `/_admin/audit_logs/exports/${dId}?organization_id=${orgB}`)).status).toBe(
      200,
    );
    const bad = await portal('POST', '/portal/api/audit_logs/exports', { range_start: 'soon' });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ errors: [{ field: 'range_start' }] });
  });
});
