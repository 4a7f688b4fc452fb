/**
 * Amazon S3 and S3-compatible object stores (S3 API `PutObject`, signed with AWS Signature V4 —
 * see sigv4.ts): each batch is one NDJSON object (one event per line, in seq order) at
 * `<prefix>/<organization_id>/<yyyy>/<mm>/<dd>/<firstSeq>-<lastSeq>.ndjson`, the date being the
 * first event's `received_at` (UTC). A retried batch covers the same seqs, so it overwrites the
 * same key. Without `endpoint` the bucket is addressed virtual-host style on AWS
 * (`https://<bucket>.s3.<region>.amazonaws.com`); with `endpoint` (MinIO, Ceph, R2, s3rver…)
 * path style (`<endpoint>/<bucket>/<key>`).
 */
import { z } from 'zod';
import { bucket, httpUrl, name, ndjson, prefix } from './fields.ts';
import { signV4, uriEncode } from './sigv4.ts';
import { type StreamAdapter, type StreamEvent, USER_AGENT } from './types.ts';

const Config = z.object({
  bucket,
  region: z
    .string({ error: 'region is an AWS region such as "us-east-1"' })
    .regex(/^[a-z0-9-]{2,32}$/, 'region is an AWS region such as "us-east-1"')
    .default('us-east-1'),
  endpoint: httpUrl('endpoint').optional(),
  prefix,
  access_key_id: name('access_key_id', 128),
});
export type S3Config = z.output<typeof Config>;

/** The object key of a batch (without a leading `/`). */
export function objectKey(prefixValue: string | undefined, events: StreamEvent[]): string {
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const d = new Date(first.received_at);
  const day = [
    String(d.getUTCFullYear()),
    String(d.getUTCMonth() + 1).padStart(2, '0'),
    String(d.getUTCDate()).padStart(2, '0'),
  ];
  return [
    ...(prefixValue ? [prefixValue] : []),
    first.organization_id,
    ...day,
    `${first.seq}-${last.seq}.ndjson`,
  ].join('/');
}

/** A signed PutObject of `body` at `key`, virtual-host or path style. */
export function putObject(
  opts: {
    bucket: string;
    key: string;
    region: string;
    endpoint: string;
    pathStyle: boolean;
    accessKeyId: string;
    secretAccessKey: string;
    service?: string;
  },
  body: string,
  now: Date,
) {
  const path = opts.key.split('/').map(uriEncode).join('/');
  const base = opts.endpoint.replace(/\/+$/, '');
  const url = new URL(opts.pathStyle ? `${base}/${opts.bucket}/${path}` : `${base}/${path}`);
  const headers = signV4({
    method: 'PUT',
    url,
    headers: { 'content-type': 'application/x-ndjson' },
    body,
    region: opts.region,
    service: opts.service ?? 's3',
    accessKeyId: opts.accessKeyId,
    secretAccessKey: opts.secretAccessKey,
    now,
  });
  const sent: Record<string, string> = { ...headers, 'user-agent': USER_AGENT };
  return { method: 'PUT' as const, url: url.toString(), headers: sent, body };
}

export const s3: StreamAdapter<S3Config> = {
  config: Config as unknown as z.ZodType<S3Config>,
  secretLabel: 'secret access key',
  build(config, secret, events, now) {
    return putObject(
      {
        bucket: config.bucket,
        key: objectKey(config.prefix, events),
        region: config.region,
        endpoint: config.endpoint ?? `https://${config.bucket}.s3.${config.region}.amazonaws.com`,
        pathStyle: config.endpoint !== undefined,
        accessKeyId: config.access_key_id,
        secretAccessKey: secret,
      },
      ndjson(events),
      now,
    );
  },
};
