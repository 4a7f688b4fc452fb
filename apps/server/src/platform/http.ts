/**
 * HTTP helpers shared by every surface: route contracts (zod in, zod out, collected into
 * /openapi.json), body parsing with clear errors, WorkOS list envelopes and cursor pagination.
 */
import type { Context } from 'hono';
import type { SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import { AppError, type FieldError } from './errors.ts';

// ── validation ──────────────────────────────────────────────────────────────

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => {
    const field = i.path.join('.') || '(body)';
    let code: string = i.code;
    if (i.code === 'invalid_type' && (i as { input?: unknown }).input === undefined) code = 'required';
    return { field, code, message: `${field}: ${i.message}` };
  });
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = zodFieldErrors(result.error);
    throw new AppError('invalid_request_parameters', {
      message: `Validation failed: ${errors.map((e) => e.message).join('; ')}`,
      errors,
    });
  }
  return result.data;
}

/**
 * Query parameters as one object. Repeated keys and `key[]=` become arrays; the literal string
 * `null` (sent by very old SDKs) counts as absent.
 */
export function readQuery(c: Context): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [rawKey, values] of Object.entries(c.req.queries())) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const kept = values.filter((v) => v !== 'null' && v !== '');
    if (kept.length === 0) continue;
    const prev = out[key];
    const merged = prev === undefined ? kept : [...(Array.isArray(prev) ? prev : [prev]), ...kept];
    out[key] = merged.length === 1 && !rawKey.endsWith('[]') ? merged[0]! : merged;
  }
  return out;
}

/** A query value that may arrive comma-joined, repeated, or both (reference §2.3). */
export const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) =>
    v === undefined
      ? undefined
      : (Array.isArray(v) ? v : [v])
          .flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter(Boolean),
  );

// ── pagination ──────────────────────────────────────────────────────────────

export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  before: z.string().min(1).optional(),
  after: z.string().min(1).optional(),
  order: z.enum(['asc', 'desc', 'normal']).default('desc'),
});
export type Pagination = z.output<typeof paginationQuery>;

export interface ListEnvelope<T> {
  object: 'list';
  data: T[];
  list_metadata: { before: string | null; after: string | null };
}

/**
 * Cursor pagination over a ULID id column (ids sort by creation time). `after` moves away from
 * the start of the requested order, `before` moves back towards it. Fetches limit+1 rows to know
 * whether another page exists.
 */
export async function paginate<DB, TB extends keyof DB, O extends { id: string }>(
  qb: SelectQueryBuilder<DB, TB, O>,
  idColumn: string,
  p: Pagination,
): Promise<{ rows: O[]; list_metadata: { before: string | null; after: string | null } }> {
  const desc = p.order !== 'asc';
  // biome-ignore lint/suspicious/noExplicitAny: the column reference is dynamic
  const col = idColumn as any;
  let q = qb;
  let reverse = false;
  if (p.after) {
    q = q.where(col, desc ? '<' : '>', p.after);
    q = q.orderBy(col, desc ? 'desc' : 'asc');
  } else if (p.before) {
    q = q.where(col, desc ? '>' : '<', p.before);
    q = q.orderBy(col, desc ? 'asc' : 'desc');
    reverse = true;
  } else {
    q = q.orderBy(col, desc ? 'desc' : 'asc');
  }
  let rows = (await q.limit(p.limit + 1).execute()) as O[];
  const more = rows.length > p.limit;
  rows = rows.slice(0, p.limit);
  if (reverse) rows.reverse();
  const first = rows[0]?.id ?? null;
  const last = rows[rows.length - 1]?.id ?? null;
  let before: string | null = null;
  let after: string | null = null;
  if (p.before) {
    before = more ? first : null;
    after = last;
  } else {
    after = more ? last : null;
    before = p.after ? first : null;
  }
  return { rows, list_metadata: { before, after } };
}

export function listOf<T>(
  data: T[],
  list_metadata: { before: string | null; after: string | null },
): ListEnvelope<T> {
  return { object: 'list', data, list_metadata };
}

export function listSchema<S extends z.ZodType>(item: S) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    list_metadata: z.object({ before: z.string().nullable(), after: z.string().nullable() }),
  });
}

// ── small wire helpers ──────────────────────────────────────────────────────

export const iso = (d: Date) => d.toISOString();
export const parseJson = <T>(text: string | null | undefined, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};
