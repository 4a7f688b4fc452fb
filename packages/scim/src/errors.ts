/**
 * ScimError: the one failure type of @portico/scim (RFC 7644 §3.12). `status` is the HTTP status
 * the server answers with, `scimType` the RFC's error keyword (only for 400 and 409), and
 * `detail` (= `message`) says exactly what is wrong with the received value, in words an IdP
 * admin can act on. `scimErrorBody` renders the RFC 7644 error JSON; the server adds nothing else.
 */
import { ERROR_SCHEMA } from './urns.ts';

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export class ScimError extends Error {
  override readonly name = 'ScimError';
  readonly status: number;
  readonly scimType?: ScimType;
  /** The RFC's `detail`: the same text as `message`. */
  readonly detail: string;

  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(detail);
    this.status = status;
    this.detail = detail;
    if (scimType !== undefined) this.scimType = scimType;
  }
}

/** A 400 with its scimType: the common case for everything this package validates. */
export function badRequest(scimType: ScimType, detail: string): ScimError {
  return new ScimError(400, scimType, detail);
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

export function scimErrorBody(e: ScimError): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(e.status), detail: e.detail };
  if (e.scimType !== undefined) body.scimType = e.scimType;
  return body;
}

/** Keys whose values an error detail never quotes (details reach the wire and the request log). */
const SECRET_KEY = /password|secret|token/i;
function redactSecrets(this: unknown, key: string, v: unknown): unknown {
  if (key === '') return v;
  if (SECRET_KEY.test(key)) return '[redacted]';
  // The value of a PATCH operation whose path names a secret: {"path": "password", "value": "…"}.
  if (key.toLowerCase() === 'value' && typeof this === 'object' && this !== null) {
    const path = Object.entries(this).find(([k]) => k.toLowerCase() === 'path')?.[1];
    if (typeof path === 'string' && SECRET_KEY.test(path)) return '[redacted]';
  }
  return v;
}

/**
 * Quote a received value for an error detail, cut short so a huge payload cannot flood a log;
 * the values of password-, secret- and token-named keys, and the `value` beside a `path` naming
 * one, are shown as "[redacted]".
 */
export function show(value: unknown, max = 80): string {
  let text: string;
  try {
    text =
      typeof value === 'string'
        ? JSON.stringify(value)
        : (JSON.stringify(value, redactSecrets) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
