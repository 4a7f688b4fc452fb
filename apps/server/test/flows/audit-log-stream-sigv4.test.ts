/**
 * Portico's AWS Signature V4 (features/audit-logs/streams/sigv4.ts) against AWS's own signer
 * (`@smithy/signature-v4`, what the AWS SDK uses) for PutObject requests with awkward keys,
 * regions, ports and bodies: both must produce the same Authorization header.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { putObject } from '../../src/features/audit-logs/streams/s3.ts';

describe('SigV4 for log streams', () => {
  const cases = [
    { endpoint: 'https://s3.amazonaws.com', region: 'us-east-1', key: 'logs/org_1/2026/01/02/1-500.ndjson' },
    { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-3', key: "a(b)/c!d*e'f/x y+z~.ndjson" },
    { endpoint: 'https://storage.googleapis.com', region: 'auto', key: 'gcs/ünï/1-1.ndjson' },
  ];
  for (const c of cases) {
    it(`matches AWS’s signer for ${c.key} in ${c.region}`, async () => {
      const now = new Date('2026-03-04T05:06:07.000Z');
      const body = '{"seq":1}\n{"seq":2}\n';
      const req = putObject(
        {
          bucket: 'audit-bucket',
          key: c.key,
          region: c.region,
          endpoint: c.endpoint,
          pathStyle: true,
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        },
        body,
        now,
      );
      const url = new URL(req.url);
      const signer = new SignatureV4({
        service: 's3',
        region: c.region,
        credentials: {
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        },
        sha256: Sha256,
        uriEscapePath: false,
      });
      const { authorization, 'user-agent': _ua, ...signedHeaders } = req.headers;
      const signed = (await signer.sign(
        {
          method: 'PUT',
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query: {},
          headers: signedHeaders,
          body,
        } as never,
        { signingDate: now },
      )) as unknown as { headers: Record<string, string> };
      expect(authorization).toBe(signed.headers.authorization);
    });
  }
});
