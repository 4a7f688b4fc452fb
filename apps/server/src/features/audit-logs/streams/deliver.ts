/**
 * Sends one batch to a stream's destination through the SSRF-safe client and says how it went.
 * Never throws, and never puts the secret in what it returns (the receiver's answer is trimmed to
 * 300 characters for `last_error`).
 */
import type { Deps } from '../../../platform/deps.ts';
import { safeRequest } from '../../../platform/safe-http.ts';
import type { AuditLogStreamTable } from '../../../platform/schema.ts';
import { ADAPTERS, type StreamEvent, type StreamType } from './index.ts';

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  /** Why it failed, for `last_error`; null when it succeeded. */
  error: string | null;
  retryAfter: string | string[] | undefined;
  durationMs: number;
}

export function streamEvent(row: { body: string; hash: string | null }): StreamEvent {
  const e = JSON.parse(row.body) as Omit<StreamEvent, 'object' | 'hash'>;
  return { object: 'audit_log_event', ...e, hash: row.hash };
}

export async function sendBatch(
  deps: Pick<Deps, 'secrets' | 'config' | 'clock'>,
  stream: Pick<AuditLogStreamTable, 'type' | 'config' | 'secret_sealed'>,
  events: StreamEvent[],
): Promise<DeliveryResult> {
  const adapter = ADAPTERS[stream.type as StreamType];
  if (!adapter)
    return {
      ok: false,
      status: null,
      error: `unknown stream type ${stream.type}`,
      retryAfter: undefined,
      durationMs: 0,
    };
  const secret = deps.secrets.open(stream.secret_sealed);
  const req = adapter.build(JSON.parse(stream.config), secret, events, deps.clock.now());
  const r = await safeRequest(req.method, req.url, req.body, req.headers, {
    timeoutMs: deps.config.webhooks.timeoutMs,
    maxBodyBytes: 2048,
    policy: {
      allowLoopback: deps.config.webhooks.allowLoopback,
      allowPrivate: deps.config.webhooks.allowPrivate,
    },
  });
  const ok = r.status !== null && r.status >= 200 && r.status < 300;
  let error: string | null = null;
  if (!ok) {
    const said = r.snippet.replaceAll(secret, '[secret]').replace(/\s+/g, ' ').trim().slice(0, 300);
    error = r.status === null ? (r.error ?? 'no response') : `HTTP ${r.status}${said ? `: ${said}` : ''}`;
  }
  return { ok, status: r.status, error, retryAfter: r.headers['retry-after'], durationMs: r.durationMs };
}
