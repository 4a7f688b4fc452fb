/**
 * The Audit Logs viewer's reads (docs/audit-logs.md "Viewer"): one organization's events, newest
 * first, for the Admin Portal (`audit_logs` intent) and the developer dashboard.
 *
 * - Keyset pagination on `(organization_id, seq)`: the cursor is an event's `seq`. `after` moves
 *   to older events (seq < cursor), `before` back to newer ones (seq > cursor), as the rest of the
 *   API's `order=desc` lists. At most 100 events a page; a page never counts or loads the rest.
 * - Filters, all ANDed: `actions` (exact, any of), `actor` (exact actor id OR actor name),
 *   `target_type` (exact, via the `,a,b,` column), `target_id` (exact, matched in the stored
 *   canonical event's `targets`), `range_start` / `range_end` on `occurred_at` (inclusive).
 * - `search`: a case-insensitive substring of the action, the actor id or name, or anywhere in the
 *   stored canonical event (which holds the target ids and names, and also the location, user agent
 *   and metadata values). A LIKE over a few columns, chosen over a full-text index: it needs no
 *   second schema per dialect, and it only ever scans one organization's rows, newest first, until
 *   a page is full.
 * - Tenancy: the organization is first checked to be the environment's; the page's seqs are then
 *   chosen by organization alone (ids are global, and its events carry it), and the rows and a
 *   detail read name the environment AND the organization. An id from another organization or
 *   environment answers 404 `entity_not_found`, as if it did not exist.
 * - Indexes (0030): the unique `(organization_id, seq)` serves the order and the cursor; the
 *   `(organization_id, occurred_at, seq)` index serves a time range. No migration is needed.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { listParam } from '../../platform/http.ts';
import { chainHash, genesisHash } from './chain.ts';

export const VIEWER_MAX_LIMIT = 100;

const cursor = (name: string) =>
  z
    .string()
    .regex(
      /^[1-9]\d{0,14}$/,
      `${name} is a cursor from list_metadata (an event's seq, a whole number); start again from the first page without it`,
    )
    .optional();

const dateTime = (name: string) =>
  z
    .string()
    .refine(
      (v) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v)),
      `${name} is an ISO-8601 date or date-time such as 2026-01-31 or 2026-01-31T09:00:00.000Z`,
    )
    .optional();

/** The viewer's filters and page (query string of the list, body of an export). */
export const ViewerFilters = z.object({
  actions: listParam,
  actor: z.string().min(1).max(256, 'actor is at most 256 characters').optional(),
  target_type: z.string().min(1).max(128, 'target_type is at most 128 characters').optional(),
  target_id: z.string().min(1).max(256, 'target_id is at most 256 characters').optional(),
  range_start: dateTime('range_start'),
  range_end: dateTime('range_end'),
  search: z.string().max(200, 'search is at most 200 characters').optional(),
});
export type ViewerFilters = z.output<typeof ViewerFilters>;

/** The list's query: the filters, the page size and the cursor. */
export const ViewerQueryShape = ViewerFilters.extend({
  limit: z.coerce
    .number({ error: 'limit is a whole number from 1 to 100' })
    .int('limit is a whole number from 1 to 100')
    .min(1, 'limit is at least 1')
    .max(VIEWER_MAX_LIMIT, `limit is at most ${VIEWER_MAX_LIMIT} events a page; page with after/before`)
    .default(25),
  before: cursor('before'),
  after: cursor('after'),
});
export const oneCursor = (q: { before?: string; after?: string }) => !(q.before && q.after);
export const ONE_CURSOR = { message: 'send before or after, not both', path: ['before'] };
export const ViewerQuery = ViewerQueryShape.refine(oneCursor, ONE_CURSOR);
export type ViewerQuery = z.output<typeof ViewerQuery>;

const Entity = z.object({
  id: z.string(),
  type: z.string(),
  name: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export const ViewerEventWire = z.object({
  object: z.literal('audit_log_event'),
  id: z.string(),
  organization_id: z.string(),
  seq: z.number().int(),
  action: z.string(),
  version: z.number().int().nullable(),
  occurred_at: z.string(),
  received_at: z.string(),
  actor: Entity,
  targets: z.array(Entity),
  context: z.object({ location: z.string(), user_agent: z.string().optional() }),
  metadata: z.record(z.string(), z.unknown()),
  hash: z.string(),
  prev_hash: z.string(),
});
export const ViewerEventDetailWire = ViewerEventWire.extend({
  /** The row's hash is SHA-256(prev_hash ‖ body), and prev_hash is the previous event's hash. */
  chain: z.object({ hash_matches: z.boolean(), linked_to_previous: z.boolean().nullable() }),
});
export const ViewerListWire = z.object({
  object: z.literal('list'),
  data: z.array(ViewerEventWire),
  list_metadata: z.object({ before: z.string().nullable(), after: z.string().nullable() }),
});

/** LIKE pattern text with `\` as the escape character. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

function toIso(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new AppError('invalid_request_parameters', {
      message: `${field} is not a date. Send an ISO-8601 date or date-time such as 2026-01-31T09:00:00.000Z.`,
      errors: [{ field, code: 'invalid_date' }],
    });
  }
  return new Date(ms).toISOString();
}

/** A date-only range_end (2026-01-31) means the end of that day. */
function rangeEnd(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(Date.parse(value) + 86_400_000 - 1).toISOString()
    : toIso(value, 'range_end');
}

/** The filters with dates normalized to UTC milliseconds and the range checked. */
export function normalizeFilters(f: ViewerFilters) {
  const start = f.range_start ? toIso(f.range_start, 'range_start') : undefined;
  const end = f.range_end ? rangeEnd(f.range_end) : undefined;
  if (start && end && start > end) {
    throw new AppError('invalid_request_parameters', {
      message: `range_start (${start}) is after range_end (${end}). Swap them, or leave one out.`,
      errors: [{ field: 'range_end', code: 'before_range_start' }],
    });
  }
  return { ...f, range_start: start, range_end: end, search: f.search?.trim() || undefined };
}

type Row = { id: string; body: string; hash: string; prev_hash: string };

function toWire(r: Row) {
  const e = JSON.parse(r.body) as Omit<z.infer<typeof ViewerEventWire>, 'object' | 'hash' | 'prev_hash'>;
  return {
    object: 'audit_log_event' as const,
    id: e.id,
    organization_id: e.organization_id,
    seq: e.seq,
    action: e.action,
    version: e.version ?? null,
    occurred_at: e.occurred_at,
    received_at: e.received_at,
    actor: e.actor,
    targets: e.targets,
    context: e.context,
    metadata: e.metadata ?? {},
    hash: r.hash,
    prev_hash: r.prev_hash,
  };
}

export class AuditLogViewer {
  constructor(private deps: Deps) {}

  /** 404 unless the organization is the environment's. */
  async organization(env: string, id: string) {
    const org = await this.deps.db
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', id);
    return org;
  }

  async list(env: string, organizationId: string, q: ViewerQuery) {
    await this.organization(env, organizationId);
    const f = normalizeFilters(q);
    // The organization is the environment's (checked above) and its events carry its id, so the
    // page is chosen by organization alone: with no column outside the (organization_id,
    // occurred_at, seq) index, a time range is read from the index only, and just the page's rows
    // are fetched after.
    let qb = this.deps.db
      .selectFrom('audit_log_events')
      .select('seq')
      .where('organization_id', '=', organizationId);
    if (f.actions?.length) qb = qb.where('action', 'in', f.actions);
    const actor = f.actor;
    if (actor) qb = qb.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_name', '=', actor)]));
    if (f.target_type)
      qb = qb.where('target_types', 'like', `%,${likeEscape(f.target_type.replaceAll(',', ''))},%`);
    if (f.target_id) {
      // Canonical JSON sorts keys, so `targets` is the last member but `version`, and each target
      // object starts with its `id`; metadata values are scalars, so nothing else looks like this.
      const pattern = `%"targets":[%{"id":${likeEscape(JSON.stringify(f.target_id))},%`;
      qb = qb.where(sql<boolean>`body like ${pattern} escape '\\'`);
    }
    if (f.range_start) qb = qb.where('occurred_at', '>=', f.range_start);
    if (f.range_end) qb = qb.where('occurred_at', '<=', f.range_end);
    if (f.search) {
      const p = `%${likeEscape(f.search.toLowerCase())}%`;
      // The body holds strings JSON-escaped: search for a quote or backslash as stored.
      const inBody = `%${likeEscape(JSON.stringify(f.search.toLowerCase()).slice(1, -1))}%`;
      qb = qb.where(
        sql<boolean>`(lower(action) like ${p} escape '\\' or lower(actor_id) like ${p} escape '\\' or lower(coalesce(actor_name, '')) like ${p} escape '\\' or lower(body) like ${inBody} escape '\\')`,
      );
    }
    const limit = q.limit;
    let reverse = false;
    if (q.after) {
      qb = qb.where('seq', '<', Number(q.after)).orderBy('seq', 'desc');
    } else if (q.before) {
      qb = qb.where('seq', '>', Number(q.before)).orderBy('seq', 'asc');
      reverse = true;
    } else {
      qb = qb.orderBy('seq', 'desc');
    }
    const seqs = (await qb.limit(limit + 1).execute()).map((r) => Number(r.seq));
    const more = seqs.length > limit;
    const page = seqs.slice(0, limit);
    if (reverse) page.reverse();
    const found = page.length
      ? await this.deps.db
          .selectFrom('audit_log_events')
          .select(['id', 'seq', 'body', 'hash', 'prev_hash'])
          .where('environment_id', '=', env)
          .where('organization_id', '=', organizationId)
          .where('seq', 'in', page)
          .execute()
      : [];
    const bySeq = new Map(found.map((r) => [Number(r.seq), r]));
    // Retention may delete a row between the two reads: the page then shows what is left.
    const rows = page.flatMap((n) => bySeq.get(n) ?? []);
    const first = rows[0] ? String(rows[0].seq) : null;
    const last = rows.length ? String(rows[rows.length - 1]!.seq) : null;
    let before: string | null;
    let after: string | null;
    if (q.before) {
      before = more ? first : null;
      after = last ?? q.before;
      // Back past the newest event: nothing newer, and "older" continues from where we were.
      if (!rows.length) after = String(Number(q.before) + 1);
    } else {
      after = more ? last : null;
      before = q.after ? (first ?? q.after) : null;
      if (q.after && !rows.length) before = String(Number(q.after) - 1);
    }
    return { object: 'list' as const, data: rows.map(toWire), list_metadata: { before, after } };
  }

  /** One event of the organization, with whether its row still hashes to what the chain says. */
  async get(env: string, organizationId: string, id: string) {
    const row = await this.deps.db
      .selectFrom('audit_log_events')
      .select(['id', 'seq', 'body', 'hash', 'prev_hash'])
      .where('environment_id', '=', env)
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Audit log event', id, 'audit_log_event');
    const seq = Number(row.seq);
    let linked: boolean | null = null;
    if (seq === 1) linked = row.prev_hash === genesisHash(organizationId);
    else {
      const prev = await this.deps.db
        .selectFrom('audit_log_events')
        .select('hash')
        .where('organization_id', '=', organizationId)
        .where('seq', '=', seq - 1)
        .executeTakeFirst();
      // The previous event may be gone through retention: then the link cannot be checked here.
      linked = prev ? prev.hash === row.prev_hash : null;
    }
    return {
      ...toWire(row),
      chain: { hash_matches: chainHash(row.prev_hash, row.body) === row.hash, linked_to_previous: linked },
    };
  }

  /**
   * The export body for the viewer's filters. WorkOS's export filters have no search and no target
   * id, so those two are not applied (the page says so), and `actor` becomes `actor_ids` when an
   * event has that actor id, `actor_names` otherwise. Without a range, the export covers every
   * event stored when it is asked for (its chain position is frozen then).
   */
  async exportBody(env: string, organizationId: string, filters: ViewerFilters) {
    await this.organization(env, organizationId);
    const f = normalizeFilters(filters);
    const body: {
      organization_id: string;
      range_start: string;
      range_end: string;
      actions?: string[];
      actor_ids?: string[];
      actor_names?: string[];
      targets?: string[];
    } = {
      organization_id: organizationId,
      range_start: f.range_start ?? '1970-01-01T00:00:00.000Z',
      range_end: f.range_end ?? '9999-12-31T23:59:59.999Z',
    };
    if (body.range_start === body.range_end)
      body.range_end = new Date(Date.parse(body.range_end) + 1).toISOString();
    if (f.actions?.length) body.actions = f.actions;
    if (f.target_type) body.targets = [f.target_type];
    if (f.actor) {
      const byId = await this.deps.db
        .selectFrom('audit_log_events')
        .select('id')
        .where('environment_id', '=', env)
        .where('organization_id', '=', organizationId)
        .where('actor_id', '=', f.actor)
        .limit(1)
        .executeTakeFirst();
      if (byId) body.actor_ids = [f.actor];
      else body.actor_names = [f.actor];
    }
    return body;
  }
}
