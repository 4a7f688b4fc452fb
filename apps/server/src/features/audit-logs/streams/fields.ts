/** zod fields the stream adapters share, each with the message the API returns when it is wrong. */
import { z } from 'zod';

export const httpUrl = (what: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} is a string`) })
    .max(2048, `${what} is at most 2048 characters`)
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && !u.hash;
        } catch {
          return false;
        }
      },
      { message: `${what} is an absolute https:// (or http://) URL without credentials or #fragment` },
    );

export const name = (what: string, max = 256) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} is a string`) })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is at most ${max} characters`);

/** S3 and GCS bucket names: 3–63 lower-case letters, digits, `.` and `-`. */
export const bucket = z
  .string({ error: (iss) => (iss.input === undefined ? 'bucket is required' : 'bucket is a string') })
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'bucket is 3–63 lower-case letters, digits, `.` or `-`');

/** An object key prefix: no leading or trailing `/`, no `..`. */
export const prefix = z
  .string({ error: 'prefix is a string such as "audit-logs"' })
  .max(512, 'prefix is at most 512 characters')
  .regex(
    /^(?!\/)(?!.*\/$)(?!.*\.\.)[A-Za-z0-9!_.*'()/-]*$/,
    "prefix is letters, digits and `/ ! _ . * ' ( ) -`, without a leading or trailing `/` or `..`",
  )
  .optional();

export const ndjson = (events: unknown[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
