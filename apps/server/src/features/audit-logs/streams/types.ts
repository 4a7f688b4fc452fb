/**
 * The contract every log-stream adapter implements (docs/audit-logs.md "Log streams"): turn a
 * batch of events, in seq order, into one HTTP request to the destination. Adapters are pure:
 * time comes in as an argument and nothing is sent here (the worker sends through the SSRF-safe
 * client), so each can be tested by reading the request it builds.
 */
import type { z } from 'zod';

/** One event as a stream delivers it: the WorkOS audit log event, plus Portico's `seq` and `hash`. */
export interface StreamEvent {
  object: 'audit_log_event';
  id: string;
  organization_id: string;
  action: string;
  version: number | null;
  occurred_at: string;
  actor: { id: string; type: string; name?: string; metadata?: Record<string, unknown> };
  targets: { id: string; type: string; name?: string; metadata?: Record<string, unknown> }[];
  context: { location: string; user_agent?: string };
  metadata?: Record<string, unknown>;
  received_at: string;
  seq: number;
  hash: string | null;
}

export interface StreamRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface StreamAdapter<C> {
  /** The stream's non-secret settings, as the API accepts them. */
  config: z.ZodType<C>;
  /** What the one secret is, in error messages and docs ("Datadog API key"). */
  secretLabel: string;
  build(config: C, secret: string, events: StreamEvent[], now: Date): StreamRequest;
}

export const STREAM_TYPES = ['Datadog', 'Splunk', 'S3', 'GoogleCloudStorage', 'HTTP'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

export const USER_AGENT = 'Portico-AuditLogStreams/0.1';
