/**
 * A verifying front for s3rver. s3rver (npm) stores objects like S3 but does not check AWS
 * Signature V4 (its v4 branch accepts any signature), so this listens in front of it, checks
 * each request's `Authorization` with AWS's own signer (`@smithy/signature-v4`, the
 * implementation the AWS SDK uses, independent of Portico's sigv4.ts) and the payload hash, and
 * forwards only requests that verify (without their `Authorization`, which s3rver would check
 * against its own single key). A bad signature gets S3's 403 `SignatureDoesNotMatch`.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

export class VerifyingS3Front {
  server: Server | null = null;
  /** Requests refused for their signature or payload hash. */
  refused: string[] = [];
  verified = 0;

  constructor(
    readonly port: number,
    private upstream: string,
    private keys: Record<string, string>,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): Promise<void> {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const reply = (status: number, code: string, message: string) => {
        this.refused.push(code);
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(s3Error(code, message));
      };
      const auth = String(req.headers.authorization ?? '');
      const m =
        /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
          auth,
        );
      if (req.method === 'GET' && !auth) {
        // Reading back in the test: unsigned, straight to the store.
      } else if (!m) {
        return reply(403, 'AccessDenied', 'Requests must be signed with AWS Signature Version 4.');
      } else {
        const [, keyId, , region, service, signedHeaders, signature] = m;
        const secret = this.keys[keyId!];
        if (!secret) return reply(403, 'InvalidAccessKeyId', 'The access key id does not exist.');
        const payloadHash = createHash('sha256').update(body).digest('hex');
        if (req.headers['x-amz-content-sha256'] !== payloadHash)
          return reply(400, 'XAmzContentSHA256Mismatch', 'The payload hash does not match.');
        const amzDate = String(req.headers['x-amz-date'] ?? '');
        const signingDate = new Date(
          `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
        );
        const names = signedHeaders!.split(';');
        const headers: Record<string, string> = {};
        for (const n of names) headers[n] = String(req.headers[n] ?? '');
        const url = new URL(req.url ?? '/', this.url);
        const signer = new SignatureV4({
          service: service!,
          region: region!,
          credentials: { accessKeyId: keyId!, secretAccessKey: secret },
          sha256: Sha256,
          uriEscapePath: false,
        });
        const signed = await signer.sign(
          {
            method: req.method ?? 'GET',
            protocol: 'http:',
            hostname: '127.0.0.1',
            port: this.port,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            headers,
            body,
          } as never,
          { signingDate, signableHeaders: new Set(names) },
        );
        const expected = /Signature=([0-9a-f]{64})/.exec(
          String((signed as { headers: Record<string, string> }).headers.authorization),
        )?.[1];
        if (expected !== signature)
          return reply(
            403,
            'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided.',
          );
        this.verified++;
      }
      const forwarded: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'content-length', 'authorization'].includes(k))
          forwarded[k] = v;
      const up = await fetch(`${this.upstream}${req.url}`, {
        method: req.method,
        headers: forwarded,
        ...(body.length ? { body } : {}),
      });
      const back = Object.fromEntries(up.headers);
      delete back['transfer-encoding'];
      delete back['content-length'];
      delete back['content-encoding'];
      res.writeHead(up.status, back);
      res.end(Buffer.from(await up.arrayBuffer()));
    });
    this.server = server;
    return new Promise((r) => server.listen(this.port, '127.0.0.1', () => r()));
  }

  stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  }
}
