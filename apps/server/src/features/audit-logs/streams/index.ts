/** The log-stream adapters by stream type: one file each, one line here. */
import { datadog } from './datadog.ts';
import { gcs } from './gcs.ts';
import { httpPost } from './http.ts';
import { s3 } from './s3.ts';
import { splunk } from './splunk.ts';
import type { StreamAdapter, StreamType } from './types.ts';

export const ADAPTERS: Record<StreamType, StreamAdapter<unknown>> = {
  Datadog: datadog as StreamAdapter<unknown>,
  Splunk: splunk as StreamAdapter<unknown>,
  S3: s3 as StreamAdapter<unknown>,
  GoogleCloudStorage: gcs as StreamAdapter<unknown>,
  HTTP: httpPost as StreamAdapter<unknown>,
};

export * from './types.ts';
