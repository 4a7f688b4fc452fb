/**
 * HTTP helpers shared by every surface: route contracts (zod in, zod out, collected into
 * /openapi.json), the one body parser with clear errors (nesting depth, NUL bytes and lone
 * surrogates refused before anything reads the value), WorkOS list envelopes and cursor pagination.
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

// ── hostile input: one parser for every surface ────────────────────────────

/**
 * The deepest nesting of objects and arrays a request body may have. No Portico request needs
 * more than about 6 (a SCIM PATCH of group members); recursive code downstream (SCIM clone and
 * coerce, zod, JSON.stringify) must never see 5,000 levels.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether JSON text nests objects/arrays more than `max` levels deep. One pass over the raw text,
 * no recursion: brackets inside strings (and escaped quotes) are skipped.
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) depth--;
  }
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A NUL (PostgreSQL cannot store it in text: `invalid byte sequence for encoding "UTF8": 0x00`)
 * or an unpaired UTF-16 surrogate (not valid Unicode; UTF-8 encoders replace or refuse it).
 */
export function hasBadCharacters(s: string): boolean {
  return s.includes('\u0000') || LONE_SURROGATE.test(s);
}

/**
 * The path (`domain_data.0.domain`) of the first string, or object key, in a parsed value that
 * has bad characters; null when there is none. Iterative: the value may be deep.
 */
export function findBadCharacters(value: unknown): string | null {
  const stack: { v: unknown; path: string }[] = [{ v: value, path: '' }];
  const join = (base: string, key: string) => (base ? `${base}.${key}` : key);
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (hasBadCharacters(v)) return path || '(body)';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: join(path, String(i)) });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        if (hasBadCharacters(k)) return path || '(body)';
        stack.push({ v: child, path: join(path, k) });
      }
    }
  }
  return null;
}

/** The `invalid_characters` error for a field (a body path, a query parameter, `(path)`). */
export function invalidCharacters(field: string): AppError {
  return new AppError('invalid_characters', {
    message: `${field} contains a NUL character (U+0000) or an unpaired UTF-16 surrogate, which Portico does not accept in any value. Remove it (often a C string terminator, or a string cut in the middle of an emoji) and send the request again.`,
    errors: [{ field, code: 'invalid_characters' }],
  });
}

/**
 * The one JSON body parser of every surface (WorkOS API, token endpoint, SCIM, Admin Portal and
 * dashboard APIs): refuses text nested deeper than MAX_JSON_DEPTH (`body_too_deep`) before
 * parsing it, text that is not JSON (`invalid_json`), and any string with bad characters
 * (`invalid_characters`). An empty body is `undefined`.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonTooDeep(text)) throw new AppError('body_too_deep');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError('invalid_json', {
      message: `The request body is not valid JSON (${(err as Error).message}). Send a JSON object with Content-Type: application/json.`,
    });
  }
  // JSON.parse refuses a raw NUL, so a NUL or a lone surrogate in the value comes from a `\u`
  // escape or a raw surrogate code unit: without either in the text, there is nothing to walk.
  if (MAY_HIDE_BAD.test(text)) {
    const bad = findBadCharacters(value);
    if (bad !== null) throw invalidCharacters(bad);
  }
  return value;
}

const MAY_HIDE_BAD = /\\u|[\uD800-\uDFFF]/;

/** An application/x-www-form-urlencoded body as an object, refusing bad characters likewise. */
export function parseFormBody(text: string): Record<string, string> {
  const form = Object.fromEntries(new URLSearchParams(text));
  checkFormValues(form);
  return form;
}

/** Refuses a parsed form (or any flat record) that has bad characters in a key or value. */
export function checkFormValues(form: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(form)) {
    if (hasBadCharacters(k) || (typeof v === 'string' && hasBadCharacters(v))) throw invalidCharacters(k);
  }
}

/**
 * A hosted page's posted form (urlencoded or multipart) with bad characters refused
 * (`invalid_characters`); a body that does not parse as a form reads as an empty form.
 */
export async function readForm(c: Context): Promise<Record<string, unknown>> {
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody();
  } catch {
    form = {};
  }
  checkFormValues(form);
  return form;
}

/**
 * The first part of a request URL whose decoded form has a NUL: `(path)` or the query parameter's
 * name; null when clean. A NUL can only arrive percent-encoded (`%00`); percent-decoding never
 * yields a lone surrogate (decoders replace or refuse invalid UTF-8).
 */
export function urlBadCharacters(url: string): string | null {
  if (!/%00/i.test(url)) return null;
  const u = new URL(url, 'http://x');
  if (/%00/i.test(u.pathname)) return '(path)';
  for (const [k, v] of u.searchParams) {
    if (!k.includes('\u0000') && !v.includes('\u0000')) continue;
    const name = k.split('\u0000').join('');
    return /^[A-Za-z0-9_.[\]-]{1,64}$/.test(name) ? name : '(query)';
  }
  return '(query)';
}

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
