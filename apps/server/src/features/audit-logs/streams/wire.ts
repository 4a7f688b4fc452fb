/** Log stream request bodies and the `audit_log_stream` object (docs/audit-logs.md "Log streams"). */
import { z } from 'zod';
import { STREAM_TYPES } from './types.ts';

export const CreateStreamBody = z.object({
  organization_id: z
    .string({ error: 'organization_id is required: the organization whose events the stream sends' })
    .min(1, 'organization_id must not be empty'),
  type: z.enum(STREAM_TYPES, { error: `type is one of ${STREAM_TYPES.map((t) => `"${t}"`).join(', ')}` }),
  config: z
    .record(z.string(), z.unknown(), {
      error: 'config is an object of the destination’s settings (see docs/audit-logs.md "Log streams")',
    })
    .default({}),
  secret: z
    .string({
      error: (iss) =>
        iss.input === undefined
          ? 'secret is required: the destination’s API key, token or secret key'
          : 'secret is a string',
    })
    .min(1, 'secret must not be empty')
    .max(4096, 'secret is at most 4096 characters'),
  /** `now` (default): events appended from now on; `beginning`: every event the organization still keeps. */
  start: z.enum(['now', 'beginning'], { error: 'start is "now" or "beginning"' }).default('now'),
});
export type CreateStreamBody = z.output<typeof CreateStreamBody>;

export const UpdateStreamBody = z.object({
  /** `inactive` pauses the stream (nothing is sent, retention keeps what it has not delivered); `active` resumes it and retries at once. */
  state: z.enum(['active', 'inactive'], { error: 'state is "active" or "inactive"' }).optional(),
  /** Replaces the whole config (validated for the stream's type). */
  config: z
    .record(z.string(), z.unknown(), { error: 'config is an object of the destination’s settings' })
    .optional(),
  secret: z
    .string({ error: 'secret is a string' })
    .min(1, 'secret must not be empty')
    .max(4096, 'secret is at most 4096 characters')
    .optional(),
});
export type UpdateStreamBody = z.output<typeof UpdateStreamBody>;

export const StreamWire = z.object({
  object: z.literal('audit_log_stream'),
  id: z.string(),
  organization_id: z.string(),
  type: z.enum(STREAM_TYPES),
  state: z.enum(['active', 'inactive', 'error']),
  config: z.record(z.string(), z.unknown()),
  /** The secret's last 4 characters; the secret itself is never returned. */
  secret_hint: z.string(),
  /** The seq of the last event delivered (everything up to it has reached the destination). */
  delivered_through_seq: z.number().int(),
  /** Events appended but not yet delivered. */
  pending_events: z.number().int(),
  /** Failed attempts in a row (0 once a batch is delivered). */
  attempts: z.number().int(),
  next_attempt_at: z.string(),
  last_delivered_at: z.string().nullable(),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type StreamWire = z.infer<typeof StreamWire>;

export const TestResultWire = z.object({
  object: z.literal('audit_log_stream_test'),
  stream_id: z.string(),
  success: z.boolean(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int(),
});
