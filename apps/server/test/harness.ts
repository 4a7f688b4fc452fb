/**
 * The test harness: a fresh Portico on a fresh database of the dialect under test
 * (PORTICO_TEST_DIALECT=sqlite|postgres), with a frozen-but-steppable clock. PostgreSQL tests get
 * their own database, created here and dropped on close, so files run in parallel.
 */
import { type AddressInfo, createServer } from 'node:net';
import { serve } from '@hono/node-server';
import { buildApp, type Portico } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type Clock, systemClock, TestClock } from '../src/platform/clock.ts';
import { migrate, openDatabase } from '../src/platform/db.ts';
import type { DnsResolver } from '../src/platform/deps.ts';
import { createPgDatabase, PG_ADMIN_URL } from './support/pg-database.ts';

export const dialect = (process.env.PORTICO_TEST_DIALECT ?? 'sqlite') as 'sqlite' | 'postgres';
export { PG_ADMIN_URL };

export const TEST_API_KEY = 'sk_test_harness0000000000000000000';
export const TEST_CLIENT_ID = 'client_01HARNESS000000000000000000';
export const REDIRECT_URI = 'http://localhost:3000/callback';

export interface Harness {
  portico: Portico;
  clock: Clock;
  testClock?: TestClock;
  apiKey: string;
  clientId: string;
  environmentId: string;
  databaseUrl: string;
  /** app.request with the API key and JSON content type. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function freshDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') return { url: 'sqlite::memory:', drop: async () => {} };
  return createPgDatabase('portico_t');
}

/** A database for a real `portico` process: a file in `dir`, or a fresh PostgreSQL database. */
export async function freeDatabaseUrlForCli(dir: string) {
  if (dialect === 'sqlite') return { url: `sqlite:${dir}/portico.db`, drop: async () => {} };
  return freshDatabaseUrl();
}

export async function createHarness(
  opts: {
    clock?: 'frozen' | 'system';
    env?: Record<string, string>;
    publicUrl?: string;
    /** A fake DNS resolver (domain verification); the default is the system's. */
    dns?: DnsResolver;
  } = {},
): Promise<Harness> {
  const db = await freshDatabaseUrl();
  const config = loadConfig({
    PORTICO_DATABASE_URL: db.url,
    PORTICO_SECRET: 'test-secret-test-secret-test-secret-0000',
    PORTICO_API_KEY: TEST_API_KEY,
    PORTICO_CLIENT_ID: TEST_CLIENT_ID,
    PORTICO_REDIRECT_URIS: REDIRECT_URI,
    PORTICO_LOG_LEVEL: 'silent',
    PORTICO_VALIDATE_RESPONSES: '1',
    ...(opts.publicUrl ? { PORTICO_PUBLIC_URL: opts.publicUrl } : {}),
    ...opts.env,
  });
  const database = openDatabase(db.url, { poolSize: 5 });
  await migrate(database);
  const testClock = opts.clock === 'system' ? undefined : new TestClock();
  const clock = testClock ?? systemClock;
  const portico = buildApp({ config, database, clock, dns: opts.dns });
  const boot = await portico.services.environments.bootstrap();
  return {
    portico,
    clock,
    testClock,
    apiKey: TEST_API_KEY,
    clientId: boot.clientId,
    environmentId: boot.environmentId,
    databaseUrl: db.url,
    async api(method, path, body, headers = {}) {
      return portico.app.request(path, {
        method,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    async close() {
      await database.close();
      await db.drop();
    },
  };
}

/** Listens on 127.0.0.1 on a free port (for the SDK and the browser). */
export async function listen(
  h: Harness,
  fixedPort?: number,
  fetch: (req: Request, env?: unknown) => Response | Promise<Response> = (req, env) =>
    h.portico.app.fetch(req, env),
): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const port = fixedPort ?? (await freePort());
  const server = serve({ fetch, port, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
