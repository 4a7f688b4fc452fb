/**
 * Helpers for the webhook durability tests: real `portico` processes, a local webhook receiver
 * that can be down, failing or slow, signature checks, and reads of what the database committed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { eventBody } from '../../../src/features/events/wire.ts';
import { openDatabase } from '../../../src/platform/db.ts';

const ROOT = resolve(import.meta.dirname, '../../../../..');
export const PORTICO_BIN = join(ROOT, 'apps/server/bin/portico.mjs');

export const DURABILITY_API_KEY = 'sk_test_durability_0000000000000';
export const DURABILITY_CLIENT_ID = 'client_01DURABILITY0000000000';
export const DURABILITY_SECRET = 'durability-secret-durability-secret-0000';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Real processes

export interface PorticoProcess {
  child: ChildProcess;
  pid: number;
  /** Everything the process printed (stdout and stderr, the last 2 MB). */
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL, then wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<PorticoProcess>();

/** Spawns `portico <command>` (bin/portico.mjs through tsx, in this Node). */
export function spawnPortico(command: 'start' | 'worker', cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [PORTICO_BIN, command], {
    cwd,
    env: { ...(process.env as Record<string, string>), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const p: PorticoProcess = {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
      children.delete(p);
    },
    async stop(graceMs = 5000) {
      if (alive()) child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (alive()) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(t);
      children.delete(p);
    },
  };
  children.add(p);
  return p;
}

/** SIGKILLs every process spawned here that is still running (for afterAll / finally). */
export async function killSurvivors() {
  await Promise.all([...children].map((c) => c.kill9()));
}

/** `portico start` on `port`, resolved once /health answers 200. */
export async function startServer(cwd: string, port: number, env: Record<string, string>) {
  const p = spawnPortico('start', cwd, { ...env, PORT: String(port), HOST: '127.0.0.1' });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return p;
    } catch {}
    await sleep(50);
  }
  await p.kill9();
  throw new Error(`portico start did not become healthy on port ${port}:\n${p.output().slice(-4000)}`);
}

/** `portico worker`, resolved once it logs that it started. */
export async function startWorker(cwd: string, env: Record<string, string>) {
  const p = spawnPortico('worker', cwd, { ...env, PORTICO_LOG_LEVEL: 'info' });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (p.output().includes('webhook worker started')) return p;
    if (p.child.exitCode !== null) break;
    await sleep(50);
  }
  await p.kill9();
  throw new Error(`portico worker did not start:\n${p.output().slice(-4000)}`);
}

/** The environment every durability process shares: pinned credentials and secret, loopback allowed. */
export function baseEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORTICO_DATABASE_URL: databaseUrl,
    PORTICO_SECRET: DURABILITY_SECRET,
    PORTICO_API_KEY: DURABILITY_API_KEY,
    PORTICO_CLIENT_ID: DURABILITY_CLIENT_ID,
    PORTICO_LOG_LEVEL: 'warn',
    PORTICO_WEBHOOK_ALLOW_LOOPBACK: '1',
    PORTICO_RATE_LIMIT_API: '1000000',
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// The API, over real HTTP

export function apiClient(port: number) {
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${DURABILITY_API_KEY}`, 'content-type': 'application/json' };
  return {
    async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    async createEndpoint(url: string, events: string[]) {
      const r = await this.call<{ id: string; secret: string }>('POST', '/webhook_endpoints', {
        endpoint_url: url,
        events,
      });
      if (r.status !== 201) throw new Error(`create endpoint: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    /** Creates organization `i` (even) or user `i` (odd); returns the new object's id. */
    async createThing(tag: string, i: number) {
      const r =
        i % 2 === 0
          ? await this.call<{ id: string }>('POST', '/organizations', { name: `${tag} org ${i}` })
          : await this.call<{ id: string }>('POST', '/user_management/users', {
              email: `${tag}-${i}@example.com`,
              first_name: `U${i}`,
            });
      if (r.status !== 201) throw new Error(`create #${i}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The receiver

export interface Received {
  eventId: string;
  body: string;
  signature: string;
  headers: IncomingHttpHeaders;
  /** The status the receiver answered. */
  status: number;
  at: number;
}

export type ReceiverMode = { status: number; headers?: Record<string, string> };

/**
 * A webhook receiver on 127.0.0.1. `respond` decides the answer; `holdMs` delays it; `hold` keeps
 * chosen requests unanswered until the sender gives up or dies. It tracks requests in flight per
 * event id (the `portico-event-id` header) and records any overlap.
 */
export class Receiver {
  server: Server | null = null;
  received: Received[] = [];
  inFlight = new Map<string, number>();
  overlaps: { eventId: string; at: number }[] = [];
  maxInFlight = 0;
  private open = 0;
  respond: () => ReceiverMode = () => ({ status: 200 });
  holdMs = 0;
  /**
   * Requests for which this returns true are never answered: the sender's attempt can only end by
   * its own timeout or its death, so that delivery is provably not acknowledged. They are listed
   * in `unanswered`, not in `received`.
   */
  hold: ((eventId: string) => boolean) | null = null;
  unanswered: { eventId: string; at: number }[] = [];

  constructor(readonly port: number) {}

  get url() {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async listen() {
    const server = createServer((req, res) => {
      const eventId = String(req.headers['portico-event-id'] ?? '');
      const now = this.inFlight.get(eventId) ?? 0;
      if (now > 0) this.overlaps.push({ eventId, at: Date.now() });
      this.inFlight.set(eventId, now + 1);
      this.open++;
      this.maxInFlight = Math.max(this.maxInFlight, this.open);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.hold?.(eventId)) {
          this.unanswered.push({ eventId, at: Date.now() });
          res.once('close', () => {
            this.inFlight.set(eventId, (this.inFlight.get(eventId) ?? 1) - 1);
            this.open--;
          });
          return;
        }
        const mode = this.respond();
        const finish = () => {
          this.inFlight.set(eventId, (this.inFlight.get(eventId) ?? 1) - 1);
          this.open--;
          this.received.push({
            eventId,
            body: Buffer.concat(chunks).toString('utf8'),
            signature: String(req.headers['workos-signature'] ?? ''),
            headers: req.headers,
            status: mode.status,
            at: Date.now(),
          });
          res.writeHead(mode.status, mode.headers ?? {});
          res.end(mode.status < 300 ? 'ok' : 'unavailable');
        };
        if (this.holdMs > 0) setTimeout(finish, this.holdMs);
        else finish();
      });
    });
    await new Promise<void>((r, j) => {
      server.once('error', j);
      server.listen(this.port, '127.0.0.1', () => r());
    });
    this.server = server;
  }

  /** Closes the port (connections are refused until `listen` again). */
  async close() {
    const s = this.server;
    if (!s) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Acknowledged (2xx) deliveries. */
  delivered() {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }

  deliveredIds() {
    return new Set(this.delivered().map((r) => r.eventId));
  }
}

/** Checks `WorkOS-Signature: t=<ms>, v1=<hex>` against the endpoint secret; returns a problem or null. */
export function signatureProblem(secret: string, r: Pick<Received, 'signature' | 'body'>): string | null {
  const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(r.signature);
  if (!m) return `malformed signature header '${r.signature}'`;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest('hex');
  return expected === m[2] ? null : 'v1 does not match HMAC-SHA256(secret, "<t>.<body>")';
}

// ---------------------------------------------------------------------------------------------
// What the database committed

export interface CommittedEvent {
  seq: number;
  id: string;
  event: string;
  /** The `data.id` of the event (the created object's id). */
  objectId: string;
  /** The exact bytes a webhook must carry (compact JSON of the wire event). */
  body: string;
}

export interface DeliveryRow {
  event_id: string;
  event_seq: number;
  state: string;
  attempts: number;
  last_error: string | null;
  lease_until: string | null;
  next_attempt_at: string;
}

/** Reads the database directly, with the server's own `openDatabase`. */
export async function readDatabase(url: string, eventNames: string[]) {
  const handle = openDatabase(url, { poolSize: 2 });
  try {
    const db = handle.db;
    const rows = await db
      .selectFrom('events')
      .select(['seq', 'id', 'event', 'data', 'context', 'created_at'])
      .where('event', 'in', eventNames)
      .orderBy('seq', 'asc')
      .execute();
    const events: CommittedEvent[] = rows.map((e) => ({
      seq: Number(e.seq),
      id: e.id,
      event: e.event,
      objectId: String((JSON.parse(e.data) as { id?: unknown }).id),
      body: eventBody(e),
    }));
    const deliveries = (await db
      .selectFrom('webhook_deliveries')
      .select(['event_id', 'event_seq', 'state', 'attempts', 'last_error', 'lease_until', 'next_attempt_at'])
      .execute()) as DeliveryRow[];
    const endpoints = await db
      .selectFrom('webhook_endpoints')
      .select(['id', 'status', 'dispatched_seq', 'disabled_reason'])
      .execute();
    const attempts = await db
      .selectFrom('webhook_attempts')
      .select(['event_id', 'attempt', 'worker', 'status', 'error', 'started_at', 'duration_ms'])
      .execute();
    return { events, deliveries, endpoints, attempts };
  } finally {
    await handle.close();
  }
}

/** Polls `done` every `everyMs` until it is true or `timeoutMs` passes; returns whether it became true. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/**
 * Explains, for each committed event that never reached the receiver, what the database says about
 * it: no delivery row although the endpoint cursor passed its seq (the fan-out skipped it), or the
 * delivery's state, attempts and lease.
 */
export function explainMissing(
  missing: CommittedEvent[],
  snapshot: Awaited<ReturnType<typeof readDatabase>>,
  limit = 15,
): string {
  const bySeq = new Map(snapshot.deliveries.map((d) => [d.event_id, d]));
  const cursor = Math.max(...snapshot.endpoints.map((e) => Number(e.dispatched_seq)));
  const lines = missing.slice(0, limit).map((e) => {
    const d = bySeq.get(e.id);
    if (!d)
      return `${e.id} (seq ${e.seq}, ${e.event}): NO delivery row; endpoint dispatched_seq=${cursor}${
        e.seq <= cursor ? ' ≥ this seq → the fan-out cursor skipped it' : ''
      }`;
    return `${e.id} (seq ${e.seq}): delivery state=${d.state} attempts=${d.attempts} lease_until=${d.lease_until} next=${d.next_attempt_at} last_error=${d.last_error}`;
  });
  return `${missing.length} committed event(s) never delivered:\n  ${lines.join('\n  ')}`;
}
