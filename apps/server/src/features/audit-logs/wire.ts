/** Audit Logs wire shapes and request bodies (reference §5.5, docs/audit-logs.md). */
import { z } from 'zod';

/** Metadata (event, actor, target): at most 50 keys of up to 40 `[A-Za-z0-9_-]`, values string ≤ 500, number or boolean. */
export const MAX_METADATA_KEYS = 50;
export const MAX_TARGETS = 50;
const METADATA_KEY = /^[a-zA-Z0-9_-]{1,40}$/;

const Metadata = z
  .record(
    z.string().regex(METADATA_KEY, 'metadata keys are 1–40 letters, digits, `_` or `-`'),
    z.union(
      [z.string().max(500, 'metadata string values are at most 500 characters'), z.number(), z.boolean()],
      {
        error: 'metadata values are strings, numbers or booleans (nest nothing)',
      },
    ),
    {
      error: (iss) =>
        iss.code === 'invalid_key'
          ? 'metadata keys are 1–40 letters, digits, `_` or `-`'
          : 'metadata is an object of keys to strings, numbers or booleans',
    },
  )
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, {
    message: `metadata has at most ${MAX_METADATA_KEYS} keys`,
  });

const text = (what: string, max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} is a string`) })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is at most ${max} characters`);

export const AuditLogEntity = z.object({
  id: text('id', 256),
  type: text('type', 128),
  name: z.string().max(256, 'name is at most 256 characters').optional(),
  metadata: Metadata.optional(),
});

export const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const actionName = z
  .string({ error: 'action is a string such as "user.signed_in"' })
  .regex(ACTION_NAME, 'action is 1–100 letters, digits, `.`, `_`, `:` or `-`, such as "user.signed_in"');

export const AuditLogEventInput = z.object({
  action: actionName,
  version: z.number().int().min(1, 'version counts from 1').optional(),
  occurred_at: z.iso.datetime({
    offset: true,
    error: 'occurred_at is an ISO-8601 date-time such as 2024-01-01T00:00:00.000Z',
  }),
  actor: AuditLogEntity,
  targets: z
    .array(AuditLogEntity, { error: 'targets is a list of {type, id} objects (it may be empty)' })
    .max(MAX_TARGETS, `at most ${MAX_TARGETS} targets`),
  context: z.object({
    location: text('context.location', 256),
    user_agent: z.string().max(1024, 'context.user_agent is at most 1024 characters').optional(),
  }),
  metadata: Metadata.optional(),
});
export type AuditLogEventInput = z.output<typeof AuditLogEventInput>;

export const CreateAuditLogEventBody = z.object({
  organization_id: z
    .string({ error: 'organization_id is required: the organization the event belongs to' })
    .min(1),
  event: AuditLogEventInput,
});

// ── schemas ─────────────────────────────────────────────────────────────────

const PropertyType = z.enum(['string', 'number', 'boolean'], {
  error: 'property types are "string", "number" or "boolean"',
});
export const MetadataSchema = z.object({
  type: z
    .literal('object', { error: 'a metadata schema is {type: "object", properties: {…}}' })
    .default('object'),
  properties: z
    .record(
      z.string().regex(METADATA_KEY, 'metadata keys are 1–40 letters, digits, `_` or `-`'),
      z.object({ type: PropertyType }),
    )
    .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, {
      message: `at most ${MAX_METADATA_KEYS} properties`,
    })
    .default({}),
});
export type MetadataSchema = z.output<typeof MetadataSchema>;

export const CreateAuditLogSchemaBody = z.object({
  actor: z.object({ metadata: MetadataSchema.optional() }).optional(),
  targets: z
    .array(z.object({ type: text('type', 128), metadata: MetadataSchema.optional() }))
    .min(1, 'targets lists at least one target type')
    .max(MAX_TARGETS, `at most ${MAX_TARGETS} target types`),
  metadata: MetadataSchema.optional(),
});
export type CreateAuditLogSchemaBody = z.output<typeof CreateAuditLogSchemaBody>;

/** The stored (and returned) schema body. */
export interface StoredSchema {
  actor: { metadata: MetadataSchema };
  targets: { type: string; metadata?: MetadataSchema }[];
  metadata?: MetadataSchema;
}

const MetadataSchemaWire = z.record(z.string(), z.unknown());
export const AuditLogSchemaWire = z.object({
  object: z.literal('audit_log_schema'),
  version: z.number().int(),
  actor: z.object({ metadata: MetadataSchemaWire }),
  targets: z.array(z.object({ type: z.string(), metadata: MetadataSchemaWire.optional() })),
  metadata: MetadataSchemaWire.optional(),
  created_at: z.string(),
});
export type AuditLogSchemaWire = z.infer<typeof AuditLogSchemaWire>;

export const AuditLogActionWire = z.object({
  object: z.literal('audit_log_action'),
  name: z.string(),
  schema: AuditLogSchemaWire,
  created_at: z.string(),
  updated_at: z.string(),
});

export function schemaToWire(version: number, body: StoredSchema, createdAt: string): AuditLogSchemaWire {
  return {
    object: 'audit_log_schema',
    version,
    actor: { metadata: body.actor.metadata },
    targets: body.targets,
    ...(body.metadata ? { metadata: body.metadata } : {}),
    created_at: createdAt,
  };
}

// ── exports and retention ───────────────────────────────────────────────────

const names = z.array(z.string().min(1).max(256)).max(100, 'at most 100 values').optional();
export const CreateAuditLogExportBody = z.object({
  organization_id: z.string().min(1),
  range_start: z.string().min(1),
  range_end: z.string().min(1),
  actions: names,
  actor_names: names,
  /** Deprecated WorkOS name of actor_names. */
  actors: names,
  actor_ids: names,
  targets: names,
});

export interface ExportFilters {
  range_start: string;
  range_end: string;
  actions?: string[];
  actor_names?: string[];
  actor_ids?: string[];
  targets?: string[];
}

export const AuditLogExportWire = z.object({
  object: z.literal('audit_log_export'),
  id: z.string(),
  state: z.enum(['pending', 'ready', 'error']),
  url: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  /** Portico: how many events the CSV holds and its SHA-256, once ready. */
  event_count: z.number().int().nullable(),
  sha256: z.string().nullable(),
});

/** `1_MONTH` … `11_MONTHS` and `1_YEAR` … `10_YEARS` (SDK 11+), as days: months × 30, years × 365. */
export function retentionPeriodDays(period: string): number | null {
  const m = /^(\d{1,2})_(MONTH|MONTHS|YEAR|YEARS)$/.exec(period);
  if (!m) return null;
  const n = Number(m[1]);
  const months = m[2]!.startsWith('MONTH');
  if (n < 1 || (months && n > 11) || (!months && n > 10)) return null;
  if ((n === 1) !== (m[2] === 'MONTH' || m[2] === 'YEAR')) return null;
  return months ? n * 30 : n * 365;
}

export const UpdateRetentionBody = z
  .object({
    retention_period: z.string().optional(),
    retention_period_in_days: z.number().int().min(1).max(3650).optional(),
  })
  .refine((b) => b.retention_period !== undefined || b.retention_period_in_days !== undefined, {
    message:
      'send retention_period ("1_MONTH"…"11_MONTHS", "1_YEAR"…"10_YEARS") or retention_period_in_days (1–3650)',
    path: ['retention_period'],
  });

export const RetentionWire = z.object({ retention_period_in_days: z.number().int().nullable() });
