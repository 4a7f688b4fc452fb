/**
 * Webhooks never lose an event (issue 3, "Nothing lost" and "Workers"), with real `portico`
 * processes on a fresh database of the dialect under test:
 *
 * 1. SIGKILL `portico start` in the middle of a burst of creates, restart it on the same database:
 *    every committed event reaches the receiver, every acknowledged create has its event, and
 *    duplicates carry the same event id and identical, correctly signed bytes.
 * 2. A receiver that refuses connections, then answers 503, then comes back gets everything.
 * 3. PostgreSQL only: two `portico worker` processes share the queue with zero concurrent double
 *    attempts, and both do work.
 * 4. PostgreSQL only, deterministic: an event whose transaction commits after a later-sequenced
 *    event's (concurrent writers) is still delivered. The burst in (1) hits this race only rarely.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/features/events/outbox.ts';
import { drain, WebhookWorker } from '../../src/jobs/webhook-worker.ts';
import { createHarness, dialect, freeDatabaseUrlForCli, freePort, json } from '../harness.ts';
import {
  apiClient,
  baseEnv,
  type CommittedEvent,
  explainMissing,
  type PorticoProcess,
  Receiver,
  readDatabase,
  signatureProblem,
  sleep,
  startServer,
  startWorker,
  waitUntil,
} from './support/durability.ts';

const EVENTS = ['organization.created', 'user.created'];

let root: string;
const drops: (() => Promise<void>)[] = [];
const receivers: Receiver[] = [];
const processes: PorticoProcess[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'portico-durability-'));
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill9()));
  await Promise.all(receivers.map((r) => r.close()));
  for (const drop of drops) await drop().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

/** A fresh folder and database for one test (the SQLite file lives in the folder). */
async function freshPlace(name: string) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const db = await freeDatabaseUrlForCli(dir);
  drops.push(db.drop);
  return { dir, url: db.url };
}

async function receiverOn(port?: number) {
  const r = new Receiver(port ?? (await freePort()));
  receivers.push(r);
  return r;
}

function track(p: PorticoProcess) {
  processes.push(p);
  return p;
}

/**
 * The checks shared by every test: each committed event was delivered (2xx) at least once, every
 * copy of an event carries that id in its body and exactly the committed bytes, every delivery's
 * signature verifies, and nothing was delivered that the database did not commit.
 */
function expectEveryEventDelivered(
  receiver: Receiver,
  secret: string,
  committed: CommittedEvent[],
  snapshot: Awaited<ReturnType<typeof readDatabase>>,
) {
  const byId = new Map(committed.map((e) => [e.id, e]));
  const delivered = receiver.deliveredIds();
  const missing = committed.filter((e) => !delivered.has(e.id));
  expect(
    missing.map((e) => e.id),
    explainMissing(missing, snapshot),
  ).toEqual([]);

  const badSignatures = receiver.received
    .map((r) => ({ id: r.eventId, problem: signatureProblem(secret, r) }))
    .filter((x) => x.problem !== null);
  expect(badSignatures).toEqual([]);

  const strangers = receiver.received.filter((r) => !byId.has(r.eventId)).map((r) => r.eventId);
  expect(strangers, 'deliveries of events the database never committed').toEqual([]);

  const wrongBytes = receiver.received
    .filter((r) => {
      const e = byId.get(r.eventId);
      return !e || r.body !== e.body || (JSON.parse(r.body) as { id: string }).id !== r.eventId;
    })
    .map((r) => r.eventId);
  expect(wrongBytes, 'deliveries whose body is not the committed event, byte for byte').toEqual([]);
}

describe(`webhook durability on ${dialect} (real processes)`, () => {
  it('SIGKILL during a burst of creates: after restart every committed event is delivered, none lost, duplicates identical', async () => {
    const started = Date.now();
    const place = await freshPlace('crash');
    const receiver = await receiverOn();
    await receiver.listen();
    const port = await freePort();
    // A held delivery times out (2 s) and is retried (held again) on this schedule: it cannot run
    // out of attempts in under ~25 s, far longer than the rest of the burst before the kill takes.
    const env = baseEnv(place.url, {
      PORTICO_WEBHOOK_POLL: '20ms',
      PORTICO_WEBHOOK_SCHEDULE: '200ms,500ms,1s,2s,2s,2s,2s,2s,2s',
      PORTICO_WEBHOOK_TIMEOUT: '2s',
    });
    let server = track(await startServer(place.dir, port, env));
    const api = apiClient(port);
    const ep = await api.createEndpoint(receiver.url, EVENTS);

    // The burst: creates from 16 concurrent clients. Once HOLD_AFTER are acknowledged, the next
    // event to reach the receiver is held there, never answered; SIGKILL comes once KILL_AFTER are
    // acknowledged *and* that event is held, so the crash provably leaves its delivery unfinished
    // however fast the machine is. Clients create until the kill, then stop at their first failure.
    const HOLD_AFTER = 50;
    const KILL_AFTER = 100;
    const CAP = 5000;
    const acked: string[] = [];
    let heldId: string | null = null;
    receiver.hold = (id) => {
      if (heldId === null && acked.length >= HOLD_AFTER) heldId = id;
      return id === heldId;
    };
    const failures: string[] = [];
    let next = 0;
    let killed: Promise<void> | null = null;
    let deliveredAtKill = 0;
    const client = async () => {
      while (next < CAP) {
        const i = next++;
        try {
          acked.push(await api.createThing('crash', i));
          if (!killed && acked.length >= KILL_AFTER && receiver.unanswered.length > 0) {
            deliveredAtKill = receiver.delivered().length;
            killed = server.kill9();
          }
        } catch (err) {
          failures.push(String((err as Error).cause ?? err));
          if (killed) break;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    await killed;
    receiver.hold = null;
    expect(killed, 'the server was killed during the burst, with one delivery held').not.toBeNull();
    expect(failures.length, 'requests after the kill fail').toBeGreaterThanOrEqual(16);

    // What the crash left behind: events not yet fanned out, deliveries due, deliveries leased.
    const atKill = await readDatabase(place.url, EVENTS);
    const cursor = Number(atKill.endpoints[0]!.dispatched_seq);
    const leftBehind = {
      notFannedOut: atKill.events.filter((e) => e.seq > cursor).length,
      pending: atKill.deliveries.filter((d) => d.state === 'pending').length,
      leased: atKill.deliveries.filter((d) => d.state === 'delivering').length,
    };
    // The held event was never acknowledged, so its delivery is still leased (attempt in flight)
    // or pending (timed out, retry scheduled): the kill left it unfinished.
    expect(receiver.deliveredIds().has(heldId!), 'the held event was never acknowledged').toBe(false);
    expect(
      atKill.deliveries.find((d) => d.event_id === heldId)?.state,
      'the held delivery at the kill',
    ).toMatch(/^(delivering|pending)$/);

    // Restart on the same database; a few more creates after the restart must flow too.
    server = track(await startServer(place.dir, port, env));
    for (let i = 0; i < 20; i++) acked.push(await api.createThing('after-restart', i));
    const committed = (await readDatabase(place.url, EVENTS)).events;

    // Every committed event reaches the receiver, and every delivery row settles as succeeded
    // (deliveries that were leased when the process died are retried once their lease expires:
    // PORTICO_WEBHOOK_TIMEOUT + 30 s).
    let snapshot = atKill;
    await waitUntil(
      async () => {
        const have = receiver.deliveredIds();
        if (!committed.every((e) => have.has(e.id))) return false;
        snapshot = await readDatabase(place.url, EVENTS);
        return snapshot.deliveries.every((d) => d.state === 'succeeded');
      },
      45_000,
      250,
    );
    snapshot = await readDatabase(place.url, EVENTS);

    // Nothing lost: each acknowledged create committed exactly one event…
    const committedObjects = new Map(committed.map((e) => [e.objectId, e]));
    const ackedWithoutEvent = acked.filter((id) => !committedObjects.has(id));
    expect(ackedWithoutEvent, 'acknowledged creates without a committed event').toEqual([]);
    expect(new Set(committed.map((e) => e.objectId)).size).toBe(committed.length);
    // …and every committed event (acknowledged or cut off by the kill) was delivered.
    expectEveryEventDelivered(receiver, ep.secret, committed, snapshot);
    const stuck = snapshot.deliveries.filter((d) => d.state !== 'succeeded');
    expect(stuck, 'delivery rows that never settled as succeeded').toEqual([]);
    expect(snapshot.endpoints.map((e) => e.status)).toEqual(['enabled']);

    // Duplicates (at least once) carry the same id and identical bytes — checked above per copy.
    const copies = new Map<string, number>();
    for (const r of receiver.delivered()) copies.set(r.eventId, (copies.get(r.eventId) ?? 0) + 1);
    const duplicated = [...copies.values()].filter((n) => n > 1).length;
    console.log(
      `[${dialect}] crash: ${acked.length} acknowledged creates, ${failures.length} failed requests, ` +
        `${committed.length} committed events (${committed.length - acked.length} committed without a response), ` +
        `${deliveredAtKill} delivered before SIGKILL; left behind: ${JSON.stringify(leftBehind)}; ` +
        `${receiver.delivered().length} deliveries, ` +
        `${duplicated} events delivered more than once; ${Date.now() - started} ms`,
    );
    await server.stop();
  }, 60_000);

  it('a receiver that refuses connections, then answers 503, gets every event when it comes back', async () => {
    const started = Date.now();
    const place = await freshPlace('outage');
    const receiver = await receiverOn(); // not listening yet: connections are refused
    const port = await freePort();
    const env = baseEnv(place.url, {
      PORTICO_WEBHOOK_POLL: '20ms',
      PORTICO_WEBHOOK_SCHEDULE: '100ms,200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s',
      PORTICO_WEBHOOK_TIMEOUT: '1s',
    });
    const server = track(await startServer(place.dir, port, env));
    const api = apiClient(port);
    const ep = await api.createEndpoint(receiver.url, EVENTS);
    const acked: string[] = [];
    const create = async (tag: string, n: number) => {
      for (let i = 0; i < n; i++) acked.push(await api.createThing(tag, i));
    };

    /** Waits until the worker has recorded, for every event committed so far, an attempt matching `seen`. */
    const attemptedEach = async (
      why: string,
      seen: (a: { status: number | null; error: string | null }) => boolean,
    ) => {
      let db = await readDatabase(place.url, EVENTS);
      const ok = await waitUntil(
        async () => {
          db = await readDatabase(place.url, EVENTS);
          const hit = new Set(db.attempts.filter(seen).map((a) => a.event_id));
          return db.events.every((e) => hit.has(e.id));
        },
        20_000,
        100,
      );
      expect(ok, `every event so far was attempted and ${why}`).toBe(true);
      return db;
    };
    /** Deliveries the worker treated as done (delivered or given up) although the receiver never said 2xx. */
    const settled = (db: Awaited<ReturnType<typeof readDatabase>>) =>
      db.deliveries.filter((d) => d.state === 'succeeded' || d.state === 'failed').map((d) => d.event_id);

    // Down: nothing listens on the port. Each event is attempted, refused, and kept for a retry.
    await create('down', 20);
    const down = await attemptedEach(
      'refused',
      (a) => a.status === null && /ECONNREFUSED/.test(String(a.error)),
    );
    expect(down.events).toHaveLength(20);
    expect(settled(down), 'deliveries settled while the receiver was down').toEqual([]);
    // Up but failing: 503 with Retry-After: 1. Each event gets a 503, and is still kept for a retry.
    receiver.respond = () => ({ status: 503, headers: { 'retry-after': '1' } });
    await receiver.listen();
    await create('failing', 20);
    const failing = await attemptedEach('answered 503', (a) => a.status === 503);
    expect(failing.events).toHaveLength(40);
    expect(settled(failing), 'deliveries settled while the receiver answered 503').toEqual([]);
    expect(receiver.delivered()).toHaveLength(0);
    // Back: everything arrives.
    receiver.respond = () => ({ status: 200 });
    await create('back', 20);
    const committed = (await readDatabase(place.url, EVENTS)).events;
    expect(committed).toHaveLength(60);
    await waitUntil(() => committed.every((e) => receiver.deliveredIds().has(e.id)), 20_000);
    const snapshot = await readDatabase(place.url, EVENTS);
    expect(committed.map((e) => e.objectId).sort()).toEqual([...acked].sort());
    expectEveryEventDelivered(receiver, ep.secret, committed, snapshot);

    // The delivery log tells the story: refused connections, 503s, then success. The receiver can
    // see the last POST before the worker has recorded it, so wait until every delivery is settled.
    type Log = {
      data: {
        event_id: string;
        state: string;
        attempt_log: { status: number | null; error: string | null }[];
      }[];
    };
    let log = await api.call<Log>('GET', `/webhook_endpoints/${ep.id}/deliveries?limit=100`);
    for (let i = 0; i < 100 && !log.body.data.every((d) => d.state === 'succeeded'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await api.call<Log>('GET', `/webhook_endpoints/${ep.id}/deliveries?limit=100`);
    }
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(60);
    const attempts = log.body.data.flatMap((d) => d.attempt_log);
    expect(attempts.some((a) => a.status === null && /ECONNREFUSED/.test(String(a.error)))).toBe(true);
    expect(attempts.some((a) => a.status === 503)).toBe(true);
    for (const d of log.body.data) {
      expect(d.attempt_log.at(-1)?.status, `last attempt of ${d.event_id}`).toBe(200);
    }
    // Retry-After: 1 was honoured: after a 503 the next attempt at that event started ≥ 1 s later
    // (the schedule alone would have retried after 100–800 ms).
    const byEvent = new Map<string, { attempt: number; status: number | null; started_at: string }[]>();
    for (const a of snapshot.attempts) byEvent.set(a.event_id, [...(byEvent.get(a.event_id) ?? []), a]);
    const early: string[] = [];
    for (const [id, list] of byEvent) {
      list.sort((x, y) => x.attempt - y.attempt);
      for (let i = 1; i < list.length; i++) {
        const gap = Date.parse(list[i]!.started_at) - Date.parse(list[i - 1]!.started_at);
        if (list[i - 1]!.status === 503 && gap < 1000)
          early.push(`${id} attempt ${list[i]!.attempt} after ${gap} ms`);
      }
    }
    expect(early, 'retries sooner than Retry-After: 1 allowed').toEqual([]);
    expect(snapshot.endpoints.map((e) => e.status)).toEqual(['enabled']);
    console.log(
      `[${dialect}] outage: 60 events, ${receiver.received.length} requests reached the receiver ` +
        `(${receiver.received.filter((r) => r.status === 503).length} answered 503), ` +
        `${attempts.length} attempts logged; ${Date.now() - started} ms`,
    );
    await server.stop();
  }, 60_000);
});

describe.skipIf(dialect !== 'postgres')('two webhook workers on PostgreSQL', () => {
  it('share the queue with zero concurrent double attempts, and both do work', async () => {
    const started = Date.now();
    const place = await freshPlace('workers');
    const receiver = await receiverOn();
    receiver.holdMs = 30;
    await receiver.listen();
    const port = await freePort();
    const env = baseEnv(place.url, {
      PORTICO_WEBHOOK_POLL: '20ms',
      PORTICO_WEBHOOK_SCHEDULE: '200ms,500ms,1s,2s',
      PORTICO_WEBHOOK_CONCURRENCY: '3',
    });
    const server = track(await startServer(place.dir, port, { ...env, PORTICO_WORKER: 'off' }));
    const api = apiClient(port);
    const ep = await api.createEndpoint(receiver.url, EVENTS);

    // A backlog first (created one at a time, so commit order is seq order), then two workers that
    // start together and compete for it, then more events while both run.
    const acked: string[] = [];
    for (let i = 0; i < 300; i++) acked.push(await api.createThing('backlog', i));
    const workers = await Promise.all([startWorker(place.dir, env), startWorker(place.dir, env)]);
    for (const w of workers) track(w);
    for (let i = 0; i < 100; i++) acked.push(await api.createThing('live', i));
    const committed = (await readDatabase(place.url, EVENTS)).events;
    expect(committed).toHaveLength(400);
    await waitUntil(() => committed.every((e) => receiver.deliveredIds().has(e.id)), 30_000);
    // The receiver sees the last POSTs before the workers record them: wait for every delivery to settle.
    let snapshot = await readDatabase(place.url, EVENTS);
    for (
      let i = 0;
      i < 100 &&
      !(snapshot.deliveries.length === 400 && snapshot.deliveries.every((d) => d.state === 'succeeded'));
      i++
    ) {
      await sleep(100);
      snapshot = await readDatabase(place.url, EVENTS);
    }

    expect(receiver.overlaps, 'event ids that were in flight twice at the same moment').toEqual([]);
    expectEveryEventDelivered(receiver, ep.secret, committed, snapshot);
    // Nothing failed, so at-least-once must not have turned into twice: one attempt per event.
    expect(receiver.received).toHaveLength(400);
    expect(snapshot.attempts).toHaveLength(400);
    expect(snapshot.deliveries.every((d) => d.state === 'succeeded' && d.attempts === 1)).toBe(true);

    const ids = workers.map((w) => `${hostname()}:${w.pid}`);
    const perWorker = new Map<string, number>();
    for (const a of snapshot.attempts) perWorker.set(a.worker, (perWorker.get(a.worker) ?? 0) + 1);
    expect(
      [...perWorker.keys()].filter((w) => !ids.includes(w)),
      'attempts by other workers',
    ).toEqual([]);
    for (const id of ids) expect(perWorker.get(id) ?? 0, `attempts by worker ${id}`).toBeGreaterThan(0);
    console.log(
      `[${dialect}] two workers: ${ids.map((id) => `${id} made ${perWorker.get(id) ?? 0} attempts`).join(', ')}; ` +
        `receiver peak ${receiver.maxInFlight} requests in flight, ${receiver.overlaps.length} overlaps; ${Date.now() - started} ms`,
    );
    await Promise.all([...workers.map((w) => w.stop()), server.stop()]);
  }, 60_000);
});

describe.skipIf(dialect !== 'postgres')('commit order on PostgreSQL', () => {
  // On PostgreSQL `events.seq` is taken at INSERT time, but concurrent transactions commit in any
  // order. SQLite serializes writers, so there seq order is commit order and this cannot happen.
  it('an event committed after a later-sequenced event is still delivered (the fan-out cursor must not skip it)', async () => {
    const h = await createHarness();
    const receiver = await receiverOn();
    await receiver.listen();
    const worker = new WebhookWorker(h.portico.deps, { id: 'commit-order' });
    let release = () => {};
    try {
      const ep = await json<{ id: string; secret: string }>(
        await h.api('POST', '/webhook_endpoints', { endpoint_url: receiver.url, events: EVENTS }),
      );
      // A writer appends its event (taking seq n) and is slow to commit…
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let slowId = '';
      let appended = () => {};
      const appendedP = new Promise<void>((r) => {
        appended = r;
      });
      const slow = h.portico.deps.db.transaction().execute(async (tx) => {
        slowId = await appendEvent(tx, h.portico.deps, {
          environmentId: h.environmentId,
          event: 'organization.created',
          data: { object: 'organization', id: 'org_01SLOWCOMMIT', name: 'Slow commit' },
          organizationId: 'org_01SLOWCOMMIT',
        });
        appended();
        await gate;
      });
      await appendedP;
      // …while another request creates an organization. It must not commit its event first: the
      // outbox lock makes it wait, so commit order stays seq order.
      let fastDone = false;
      const fastP = h
        .api('POST', '/organizations', { name: 'Fast commit' })
        .then((r) => json<{ id: string }>(r))
        .finally(() => {
          fastDone = true;
        });
      // Wait for the positive signal that it got there: its backend waits for the outbox lock
      // (pg_advisory_xact_lock, key 7232018) that the slow writer holds.
      const waitingForLock = async () =>
        Number(
          (
            await sql<{ n: number }>`select count(*)::int as n from pg_locks
              where locktype = 'advisory' and objid = 7232018 and not granted
                and database = (select oid from pg_database where datname = current_database())`.execute(
              h.portico.deps.db,
            )
          ).rows[0]!.n,
        );
      expect(
        await waitUntil(async () => (await waitingForLock()) === 1 || fastDone, 20_000, 20),
        'the second writer reached the outbox',
      ).toBe(true);
      expect(fastDone, 'the second writer finished while the first held the outbox lock').toBe(false);
      expect(await waitingForLock()).toBe(1);
      // The worker polls in between: nothing new is visible yet, so its cursor cannot skip anything.
      await worker.fanOut();
      release();
      await slow;
      const fast = await fastP;
      await drain(worker);

      const snapshot = await readDatabase(h.databaseUrl, EVENTS);
      const committed = snapshot.events;
      expect(committed.map((e) => e.objectId).sort()).toEqual(['org_01SLOWCOMMIT', fast.id].sort());
      expect(committed.find((e) => e.objectId === 'org_01SLOWCOMMIT')?.id).toBe(slowId);
      const seqOf = (id: string) => committed.find((e) => e.objectId === id)!.seq;
      expect(seqOf('org_01SLOWCOMMIT')).toBeLessThan(seqOf(fast.id));
      expectEveryEventDelivered(receiver, ep.secret, committed, snapshot);
    } finally {
      release();
      await worker.stop();
      await h.close();
    }
  });
});
