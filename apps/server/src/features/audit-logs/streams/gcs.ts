/**
 * Google Cloud Storage, through its XML API's S3 interoperability (Google Cloud "Simple migration
 * from Amazon S3": HMAC keys, `AWS4-HMAC-SHA256` signatures, region `auto`): the same NDJSON
 * objects as the S3 destination, `PUT https://storage.googleapis.com/<bucket>/<key>` (path style).
 * Chosen over the JSON upload API because HMAC keys need no OAuth token exchange and any
 * GCS-compatible store (or S3-compatible one) accepts the same request. `endpoint` overrides
 * `https://storage.googleapis.com`.
 */
import { z } from 'zod';
import { bucket, httpUrl, name, ndjson, prefix } from './fields.ts';
import { objectKey, putObject } from './s3.ts';
import type { StreamAdapter } from './types.ts';

const Config = z.object({
  bucket,
  endpoint: httpUrl('endpoint').optional(),
  prefix,
  /** The HMAC key's access id (GOOG1…). */
  access_key_id: name('access_key_id', 128),
});
export type GcsConfig = z.output<typeof Config>;

export const gcs: StreamAdapter<GcsConfig> = {
  config: Config as unknown as z.ZodType<GcsConfig>,
  secretLabel: 'HMAC secret',
  build(config, secret, events, now) {
    return putObject(
      {
        bucket: config.bucket,
        key: objectKey(config.prefix, events),
        region: 'auto',
        endpoint: config.endpoint ?? 'https://storage.googleapis.com',
        pathStyle: true,
        accessKeyId: config.access_key_id,
        secretAccessKey: secret,
      },
      ndjson(events),
      now,
    );
  },
};
