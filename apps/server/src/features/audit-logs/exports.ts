/**
 * Audit log exports (reference §5.5, docs/audit-logs.md "Exports").
 *
 * `POST /audit_logs/exports` records the filter and freezes the organization's chain position
 * (`through_seq`), so the export holds exactly the matching events that existed when it was asked
 * for. The export worker (jobs/audit-export-worker.ts) then streams the CSV once, page by page,
 * to count its rows and take its SHA-256, and marks the export `ready`. `GET` on a ready export
 * returns a download URL signed with an HMAC of PORTICO_SECRET that expires after 10 minutes; the
 * download streams the same CSV from the database again (constant memory: pages of 2,000 rows in
 * `occurred_at`, `seq` order), and `GET /audit_logs/exports/{id}/proof` re-reads it to prove the
 * file is complete and unaltered.
 */
import { createHash, createHmac } from 'node:crypto';
import type { z } from 'zod';
import { constantTimeEqual } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { AuditLogEventTable, AuditLogExportTable } from '../../platform/schema.ts';
import { verifyChain } from './chain.ts';
import type { CreateAuditLogExportBody, ExportFilters } from './wire.ts';

export const LINK_TTL_MS = 10 * 60 * 1000;
const PAGE = 2_000;
/** A worker's claim on an export lapses after this long (a crashed worker's export is retried). */
const CLAIM_MS = 5 * 60 * 1000;

/** The CSV's columns, in order (docs/audit-logs.md lists what each holds). */
export const CSV_COLUMNS = [
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
] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvRow(row: Pick<AuditLogEventTable, 'body' | 'hash'>): string {
  const e = JSON.parse(row.body) as {
    id: string;
    occurred_at: string;
    action: string;
    version: number | null;
    actor: { id: string; type: string; name?: string; metadata?: Record<string, unknown> };
    targets: unknown[];
    context: { location: string; user_agent?: string };
    metadata?: Record<string, unknown>;
    received_at: string;
    seq: number;
  };
  return `${[
    e.id,
    e.occurred_at,
    e.action,
    e.version === null ? '' : String(e.version),
    e.actor.id,
    e.actor.type,
    e.actor.name ?? '',
    JSON.stringify(e.actor.metadata ?? {}),
    JSON.stringify(e.targets),
    e.context.location,
    e.context.user_agent ?? '',
    JSON.stringify(e.metadata ?? {}),
    e.received_at,
    String(e.seq),
    row.hash,
  ]
    .map(csvField)
    .join(',')}\r\n`;
}

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

function parseDate(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new AppError('audit_log_export_range_invalid', {
      message: `${field} ${JSON.stringify(value.slice(0, 64))} is not an ISO-8601 date-time. Send it as 2024-01-01T00:00:00.000Z.`,
      errors: [{ field, code: 'invalid_date' }],
    });
  }
  return new Date(ms).toISOString();
}

export class AuditExportService {
  private readonly key: Buffer;

  constructor(private deps: Deps) {
    this.key = createHmac('sha256', deps.config.secret).update('audit-log-export-v1').digest();
  }

  private sign(id: string, expires: number) {
    return createHmac('sha256', this.key).update(`${id}\n${expires}`).digest('base64url');
  }

  private wire(row: AuditLogExportTable) {
    const ready = row.state === 'ready';
    let url: string | undefined;
    if (ready) {
      const expires = this.deps.clock.now().getTime() + LINK_TTL_MS;
      url = `${this.deps.config.publicUrl}/audit_logs/exports/${row.id}/download?expires=${expires}&signature=${this.sign(row.id, expires)}`;
    }
    return {
      object: 'audit_log_export' as const,
      id: row.id,
      state: row.state as 'pending' | 'ready' | 'error',
      ...(url ? { url } : {}),
      created_at: row.created_at,
      updated_at: row.updated_at,
      event_count: row.row_count,
      sha256: row.sha256,
    };
  }

  async create(env: string, body: z.output<typeof CreateAuditLogExportBody>) {
    const { deps } = this;
    const filters: ExportFilters = {
      range_start: parseDate(body.range_start, 'range_start'),
      range_end: parseDate(body.range_end, 'range_end'),
    };
    if (filters.range_start >= filters.range_end) {
      throw new AppError('audit_log_export_range_invalid', {
        message: `range_start (${filters.range_start}) must be before range_end (${filters.range_end}).`,
        errors: [{ field: 'range_end', code: 'before_range_start' }],
      });
    }
    const actorNames = [...(body.actor_names ?? []), ...(body.actors ?? [])];
    if (body.actions?.length) filters.actions = body.actions;
    if (actorNames.length) filters.actor_names = actorNames;
    if (body.actor_ids?.length) filters.actor_ids = body.actor_ids;
    if (body.targets?.length) filters.targets = body.targets;
    const org = await deps.db
      .selectFrom('organizations')
      .select('id')
      .where('environment_id', '=', env)
      .where('id', '=', body.organization_id)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', body.organization_id);
    const head = await deps.db
      .selectFrom('audit_log_organizations')
      .select('head_seq')
      .where('organization_id', '=', org.id)
      .executeTakeFirst();
    const now = deps.clock.now().toISOString();
    const row: AuditLogExportTable = {
      id: deps.ids.next('audit_log_export'),
      environment_id: env,
      organization_id: org.id,
      filters: JSON.stringify(filters),
      through_seq: head?.head_seq ?? 0,
      state: 'pending',
      row_count: null,
      sha256: null,
      error: null,
      claimed_until: null,
      created_at: now,
      updated_at: now,
    };
    await deps.db.insertInto('audit_log_exports').values(row).execute();
    return this.wire(row);
  }

  private async row(env: string, id: string) {
    const row = await this.deps.db
      .selectFrom('audit_log_exports')
      .selectAll()
      .where('environment_id', '=', env)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Audit log export', id, 'audit_log_export');
    return row;
  }

  async get(env: string, id: string) {
    return this.wire(await this.row(env, id));
  }

  /** An export of one organization (the viewer's): another organization's id answers 404. */
  async getForOrganization(env: string, organizationId: string, id: string) {
    const row = await this.row(env, id);
    if (row.organization_id !== organizationId) throw notFound('Audit log export', id, 'audit_log_export');
    return this.wire(row);
  }

  /** Pages of the export's events, oldest first; holds one page in memory at a time. */
  async *pages(row: AuditLogExportTable): AsyncGenerator<Pick<AuditLogEventTable, 'body' | 'hash'>[]> {
    const f = JSON.parse(row.filters) as ExportFilters;
    let cursor: { at: string; seq: number } | null = null;
    for (;;) {
      // One lower bound only: given two (the range's start and the cursor's), SQLite may start the
      // index range at the first and walk every earlier page again — quadratic over a big export.
      const from: string = cursor && cursor.at > f.range_start ? cursor.at : f.range_start;
      let q = this.deps.db
        .selectFrom('audit_log_events')
        .select(['body', 'hash', 'occurred_at', 'seq'])
        .where('organization_id', '=', row.organization_id)
        .where('seq', '<=', row.through_seq)
        .where('occurred_at', '>=', from)
        .where('occurred_at', '<=', f.range_end);
      if (f.actions) q = q.where('action', 'in', f.actions);
      if (f.actor_ids) q = q.where('actor_id', 'in', f.actor_ids);
      if (f.actor_names) q = q.where('actor_name', 'in', f.actor_names);
      if (f.targets) {
        const types = f.targets;
        q = q.where((eb) =>
          eb.or(types.map((t) => eb('target_types', 'like', `%,${t.replace(/[%_\\,]/g, '')},%`))),
        );
      }
      const c = cursor;
      if (c)
        q = q.where((eb) =>
          eb.or([
            eb('occurred_at', '>', c.at),
            eb.and([eb('occurred_at', '=', c.at), eb('seq', '>', c.seq)]),
          ]),
        );
      const rows = await q.orderBy('occurred_at').orderBy('seq').limit(PAGE).execute();
      if (rows.length === 0) return;
      yield rows;
      const last = rows[rows.length - 1]!;
      cursor = { at: last.occurred_at, seq: Number(last.seq) };
      if (rows.length < PAGE) return;
    }
  }

  /** Streams the CSV once and returns its row count and SHA-256. */
  async digest(row: AuditLogExportTable) {
    const hash = createHash('sha256').update(CSV_HEADER);
    let count = 0;
    for await (const page of this.pages(row)) {
      for (const r of page) hash.update(csvRow(r));
      count += page.length;
    }
    return { count, sha256: hash.digest('hex') };
  }

  /** The worker's pass: claims due exports one at a time and makes each ready. Returns how many ran. */
  async runPending(workerStopping: () => boolean = () => false): Promise<number> {
    let ran = 0;
    while (!workerStopping()) {
      const now = this.deps.clock.now();
      const due = await this.deps.db
        .selectFrom('audit_log_exports')
        .selectAll()
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now.toISOString())]))
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (!due) break;
      const until = new Date(now.getTime() + CLAIM_MS).toISOString();
      const claimed = await this.deps.db
        .updateTable('audit_log_exports')
        .set({ claimed_until: until })
        .where('id', '=', due.id)
        .where('state', '=', 'pending')
        .where((eb) =>
          due.claimed_until === null
            ? eb('claimed_until', 'is', null)
            : eb('claimed_until', '=', due.claimed_until),
        )
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      ran += 1;
      try {
        const { count, sha256 } = await this.digest(due);
        await this.deps.db
          .updateTable('audit_log_exports')
          .set({ state: 'ready', row_count: count, sha256, updated_at: this.deps.clock.now().toISOString() })
          .where('id', '=', due.id)
          .where('claimed_until', '=', until)
          .execute();
      } catch (err) {
        this.deps.log.error({ err, exportId: due.id }, 'audit log export failed');
        await this.deps.db
          .updateTable('audit_log_exports')
          .set({
            state: 'error',
            error: 'The export could not be read from the database; create it again.',
            updated_at: this.deps.clock.now().toISOString(),
          })
          .where('id', '=', due.id)
          .execute();
      }
    }
    return ran;
  }

  /** Checks a download link (`expires`, `signature`) and returns the ready export it opens. */
  async openLink(id: string, expires: string | undefined, signature: string | undefined) {
    const exp = Number(expires);
    if (!expires || !signature || !Number.isFinite(exp) || exp < this.deps.clock.now().getTime())
      throw new AppError('audit_log_export_link_invalid');
    if (!constantTimeEqual(signature, this.sign(id, exp)))
      throw new AppError('audit_log_export_link_invalid');
    const row = await this.deps.db
      .selectFrom('audit_log_exports')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new AppError('audit_log_export_link_invalid');
    if (row.state !== 'ready') throw new AppError('audit_log_export_not_ready');
    return row;
  }

  /** The CSV as a byte stream that reads the next page only when the client has taken the last. */
  csvStream(row: AuditLogExportTable): ReadableStream<Uint8Array> {
    const enc = new TextEncoder();
    const pages = this.pages(row);
    let started = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (!started) {
          started = true;
          controller.enqueue(enc.encode(CSV_HEADER));
          return;
        }
        const next = await pages.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(enc.encode(next.value.map(csvRow).join('')));
      },
      cancel: async () => {
        await pages.return(undefined);
      },
    });
  }

  /** Proves a ready export: the CSV read again has the recorded count and hash, and the chain verifies. */
  async proof(env: string, id: string) {
    const row = await this.row(env, id);
    if (row.state !== 'ready') throw new AppError('audit_log_export_not_ready');
    const again = await this.digest(row);
    const chain = await verifyChain(this.deps, row.organization_id);
    return {
      object: 'audit_log_export_proof' as const,
      export_id: row.id,
      organization_id: row.organization_id,
      through_seq: row.through_seq,
      event_count: row.row_count ?? 0,
      sha256: row.sha256 ?? '',
      unaltered: again.count === row.row_count && again.sha256 === row.sha256,
      chain_verified: chain.verified,
      problems: chain.problems,
    };
  }
}
