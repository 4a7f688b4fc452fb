/**
 * Seeding for the benchmarks. Users, the organization, memberships and the first sessions go
 * through the public API (the real code paths); authorization codes are written straight into the
 * database, because minting them through the hosted sign-in costs one argon2id verify each.
 */
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';

export const PASSWORD = 'bench-Correct-Horse-Battery-42';

export class Api {
  constructor(
    private url: string,
    private apiKey: string,
  ) {}

  async post<T = Record<string, unknown>>(path: string, body: unknown, bearer = true): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${this.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export interface SeededUser {
  id: string;
  email: string;
}

/** One organization and `count` users with passwords, each an `admin` member of it. */
export async function seedUsers(api: Api, count: number) {
  const org = await api.post<{ id: string }>('/organizations', { name: 'Bench Org' });
  const indexes = Array.from({ length: count }, (_, i) => i);
  // Each create hashes a password with argon2id; two at a time keeps both cores busy.
  const users = await pool(indexes, 2, async (i) => {
    const email = `bench-${String(i).padStart(4, '0')}@bench.example`;
    const u = await api.post<{ id: string }>('/user_management/users', {
      email,
      password: PASSWORD,
      first_name: 'Bench',
      last_name: `User ${i}`,
      email_verified: true,
    });
    return { id: u.id, email };
  });
  await pool(users, 4, (u) =>
    api.post('/user_management/organization_memberships', {
      user_id: u.id,
      organization_id: org.id,
      role_slug: 'admin',
    }),
  );
  return { organizationId: org.id, users };
}

/** Password grants, returning one refresh token per session. */
export async function seedSessions(
  api: Api,
  clientId: string,
  apiKey: string,
  users: SeededUser[],
  count: number,
): Promise<string[]> {
  const picks = Array.from({ length: count }, (_, i) => users[i % users.length]!);
  return pool(picks, 2, async (u) => {
    const r = await api.post<{ refresh_token: string; organization_id?: string }>(
      '/user_management/authenticate',
      {
        grant_type: 'password',
        client_id: clientId,
        client_secret: apiKey,
        email: u.email,
        password: PASSWORD,
      },
      false,
    );
    if (!r.organization_id) throw new Error('seeded session has no organization_id');
    return r.refresh_token;
  });
}

// ── direct database access (authorization codes) ────────────────────────────

export interface CodeRow {
  id: string;
  environment_id: string;
  code_hash: string;
  user_id: string;
  organization_id: string;
  redirect_uri: string;
  code_challenge: null;
  authentication_method: string;
  ip_address: string;
  user_agent: string;
  session_id: null;
  created_at: string;
  expires_at: string;
  used_at: null;
}

export interface SeedDb {
  environmentId(clientId: string): Promise<string>;
  insertCodes(rows: CodeRow[]): Promise<void>;
  close(): Promise<void>;
}

const COLUMNS = [
  'id',
  'environment_id',
  'code_hash',
  'user_id',
  'organization_id',
  'redirect_uri',
  'code_challenge',
  'authentication_method',
  'ip_address',
  'user_agent',
  'session_id',
  'created_at',
  'expires_at',
  'used_at',
] as const;

export function openSeedDb(databaseUrl: string): SeedDb {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length));
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(
      `INSERT INTO authorization_codes (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    const insertAll = db.transaction((rows: CodeRow[]) => {
      for (const r of rows) insert.run(r);
    });
    return {
      async environmentId(clientId) {
        const row = db.prepare('SELECT id FROM environments WHERE client_id = ?').get(clientId) as
          | { id: string }
          | undefined;
        if (!row) throw new Error(`no environment with client id ${clientId}`);
        return row.id;
      },
      async insertCodes(rows) {
        for (let i = 0; i < rows.length; i += 5_000) insertAll(rows.slice(i, i + 5_000));
      },
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  const connected = client.connect();
  return {
    async environmentId(clientId) {
      await connected;
      const r = await client.query<{ id: string }>('SELECT id FROM environments WHERE client_id = $1', [
        clientId,
      ]);
      if (!r.rows[0]) throw new Error(`no environment with client id ${clientId}`);
      return r.rows[0].id;
    },
    async insertCodes(rows) {
      await connected;
      for (let i = 0; i < rows.length; i += 1_000) {
        const batch = rows.slice(i, i + 1_000);
        const values: unknown[] = [];
        const tuples = batch.map((r, j) => {
          for (const c of COLUMNS) values.push(r[c]);
          return `(${COLUMNS.map((_, k) => `$${j * COLUMNS.length + k + 1}`).join(', ')})`;
        });
        await client.query(
          `INSERT INTO authorization_codes (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
          values,
        );
      }
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

let codeSerial = 0;

/** `count` fresh, unexpired, confidential-client authorization codes (no PKCE). */
export function makeCodes(
  count: number,
  o: { environmentId: string; organizationId: string; users: SeededUser[]; redirectUri: string },
): { codes: string[]; rows: CodeRow[] } {
  const now = Date.now();
  const created = new Date(now).toISOString();
  // Longer than the real 10 minutes so a slow run cannot expire them; nothing else depends on it.
  const expires = new Date(now + 60 * 60 * 1000).toISOString();
  const codes: string[] = [];
  const rows: CodeRow[] = [];
  const run = randomBytes(4).toString('hex').toUpperCase();
  for (let i = 0; i < count; i++) {
    const code = randomBytes(32).toString('base64url');
    codes.push(code);
    rows.push({
      id: `code_BENCH${run}${String(codeSerial++).padStart(10, '0')}`,
      environment_id: o.environmentId,
      code_hash: createHash('sha256').update(code, 'utf8').digest('hex'),
      user_id: o.users[i % o.users.length]!.id,
      organization_id: o.organizationId,
      redirect_uri: o.redirectUri,
      code_challenge: null,
      authentication_method: 'Password',
      ip_address: '127.0.0.1',
      user_agent: 'portico-bench',
      session_id: null,
      created_at: created,
      expires_at: expires,
      used_at: null,
    });
  }
  return { codes, rows };
}
