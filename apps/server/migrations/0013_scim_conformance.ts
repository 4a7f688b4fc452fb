/**
 * 0013 — SCIM trust and conformance (issue 11, items 1 and 2): no stored synced password, and
 * userName unique ignoring case.
 *
 * Synced passwords: before this, a password an IdP sent in some forms (a PATCH `path: "password"`,
 * a path-less PATCH value, `urn:…:core:2.0:User:password`) was kept in clear in the stored SCIM
 * resource, and so in `raw_attributes`, in the `dsync.*` events (which webhook deliveries are
 * rendered from) and in the SCIM request log. Portico keeps no synced password now
 * (docs/directory-sync.md), and this scrubs what is already stored: every key named `password`
 * (any case, any depth) from directory users' and groups' resources and from `dsync.*` event
 * payloads; in the SCIM request log, password-named values and the value of a PATCH operation
 * whose path names a password, a body that was not JSON when it names a password, and an error
 * text that mentions one; and webhook attempts' response snippets that mention one (a receiver
 * may echo what it was sent). Webhook deliveries hold no payload of their own (the body is
 * rendered from the event when sent).
 *
 * userName is unique per directory ignoring case (RFC 7643 §4.1.1: caseExact false): the new
 * column `directory_users.user_name_lower` holds the userName lower-cased (JavaScript's
 * toLowerCase, computed here, not by SQL lower(), which on SQLite folds ASCII only), with a unique
 * index per directory. Users written before this may already differ only in case ("Jane@x.test"
 * and "jane@x.test"): the oldest of each such set (created_at, then id) gets the key, and the
 * others keep NULL there — they stay readable, listable and filterable (filters on userName
 * compare ignoring case in memory), keep their ids and can be updated and deleted as before. A
 * NULL does not take part in a unique index (both dialects), so the index builds whatever is
 * stored. The server refuses any new case-duplicate: when the key holder is deleted or renamed,
 * its oldest NULL-keyed twin takes the key over, and a NULL-keyed user that is renamed gets the
 * key of its new name (a rename onto a taken name is 409).
 *
 * The helpers are copied here, not imported, so this migration keeps doing what it did when
 * released. Immutable once released.
 */
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration sees tables as they were, not as the current schema types them.
type AnyDb = Kysely<any>;

const SECRET = /password|secret|token/i;
const REDACTED = '[redacted]';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v` without any key named `password` (any case) at any depth. */
function dropPasswords(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropPasswords);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k.toLowerCase() !== 'password') out[k] = dropPasswords(x);
  return out;
}

/** A logged request body: secret-named values, and a PATCH value whose path names a secret, redacted. */
function redactLogged(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactLogged);
  if (!isObject(v)) return v;
  const entries = Object.entries(v);
  const path = entries.find(([k]) => k.toLowerCase() === 'path')?.[1];
  const secretPath = typeof path === 'string' && SECRET.test(path);
  return Object.fromEntries(
    entries.map(([k, x]) => [
      k,
      SECRET.test(k) || (secretPath && k.toLowerCase() === 'value') ? REDACTED : redactLogged(x),
    ]),
  );
}

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Rows of `table` whose `column` mentions "password" (in any case), with their key. */
async function mentioning(db: AnyDb, table: string, key: string, column: string, where?: [string, string]) {
  let q = db
    .selectFrom(table)
    .select([`${key} as key`, `${column} as text`])
    .where(sql`lower(${sql.ref(column)})`, 'like', '%password%');
  if (where) q = q.where(where[0], 'like', where[1]);
  return (await q.execute()) as { key: string | number; text: string }[];
}

async function rewrite(
  db: AnyDb,
  table: string,
  key: string,
  column: string,
  fix: (text: string) => string | null,
  where?: [string, string],
) {
  for (const row of await mentioning(db, table, key, column, where)) {
    const next = fix(row.text);
    if (next !== row.text)
      await db
        .updateTable(table)
        .set({ [column]: next })
        .where(key, '=', row.key)
        .execute();
  }
}

const scrubJson = (text: string) => {
  const p = parse(text);
  return p.ok ? JSON.stringify(dropPasswords(p.value)) : text;
};

async function scrubPasswords(db: AnyDb): Promise<void> {
  await rewrite(db, 'directory_users', 'id', 'resource', scrubJson);
  await rewrite(db, 'directory_groups', 'id', 'resource', scrubJson);
  await rewrite(db, 'events', 'id', 'data', scrubJson, ['event', 'dsync.%']);
  await rewrite(db, 'scim_requests', 'id', 'request_body', (text) => {
    const p = parse(text);
    if (!p.ok) return JSON.stringify({ unparsed: '[redacted: the body names a password, secret or token]' });
    const out = redactLogged(p.value);
    if (isObject(out) && typeof out.unparsed === 'string' && /password/i.test(out.unparsed))
      out.unparsed = '[redacted: the body names a password, secret or token]';
    return JSON.stringify(out);
  });
  await rewrite(
    db,
    'scim_requests',
    'id',
    'error',
    () => '[redacted by migration 0013: the error text mentioned a password]',
  );
  await rewrite(
    db,
    'webhook_attempts',
    'id',
    'response_snippet',
    () => '[redacted by migration 0013: the response mentioned a password]',
  );
}

async function caseInsensitiveUserNames(db: AnyDb): Promise<void> {
  await db.schema.alterTable('directory_users').addColumn('user_name_lower', 'text').execute();
  const rows = (await db
    .selectFrom('directory_users')
    .select(['id', 'directory_id', 'user_name'])
    .orderBy('directory_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as { id: string; directory_id: string; user_name: string }[];
  const taken = new Set<string>();
  for (const r of rows) {
    const key = r.user_name.toLowerCase();
    const claim = `${r.directory_id}\n${key}`;
    if (taken.has(claim)) continue; // a case-duplicate of an older user: keeps NULL
    taken.add(claim);
    await db.updateTable('directory_users').set({ user_name_lower: key }).where('id', '=', r.id).execute();
  }
  await db.schema
    .createIndex('directory_users_dir_username_lower')
    .on('directory_users')
    .columns(['directory_id', 'user_name_lower'])
    .unique()
    .execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await scrubPasswords(db as AnyDb);
  await caseInsensitiveUserNames(db as AnyDb);
}
