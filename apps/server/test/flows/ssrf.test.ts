/**
 * SSRF: every refused address class, refused both when an endpoint is created (literal addresses)
 * and when the socket connects (names resolved at connect time, so DNS rebinding cannot pass).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressAllowed, checkWebhookUrl, classifyAddress, safePost } from '../../src/platform/safe-http.ts';

const strict = { allowLoopback: false, allowPrivate: false };

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.10.10', 'link_local'],
    ['fe80::1', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
  ])('%s is %s and refused', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
    expect(addressAllowed(address, strict).ok).toBe(false);
  });

  it('public addresses are allowed', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1', '100.128.0.1']) {
      expect(addressAllowed(a, strict)).toEqual({ ok: true, cls: 'public' });
    }
  });

  it('configuration can allow loopback and private, never metadata or link-local', () => {
    const open = { allowLoopback: true, allowPrivate: true };
    expect(addressAllowed('127.0.0.1', open).ok).toBe(true);
    expect(addressAllowed('10.0.0.1', open).ok).toBe(true);
    expect(addressAllowed('169.254.169.254', open).ok).toBe(false);
    expect(addressAllowed('fe80::1', open).ok).toBe(false);
  });
});

describe('endpoint URLs', () => {
  it.each([
    ['http://127.0.0.1/x', 'loopback'],
    ['http://[::1]/x', 'loopback'],
    ['http://localhost:8080/x', 'localhost'],
    ['http://10.0.0.5/x', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'metadata'],
    ['http://[fe80::1]/x', 'link-local'],
    ['ftp://example.com/x', 'https'],
    ['https://user:pw@example.com/x', 'credentials'],
  ])('%s is refused (%s)', (url, why) => {
    const problem = checkWebhookUrl(url, strict);
    expect(problem).not.toBeNull();
    expect(problem).toContain(why);
  });
});

describe('connect-time check', () => {
  let port: number;
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    res.end(req.url === '/big' ? 'x'.repeat(1_000_000) : 'ok');
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('refuses a host name that resolves to a forbidden address, before any byte is sent', async () => {
    const r = await safePost(`http://localhost:${port}/hook`, '{}', {}, { timeoutMs: 2000, policy: strict });
    expect(r.status).toBeNull();
    expect(r.error).toMatch(/refused to connect to localhost \((127\.0\.0\.1|::1)\): loopback/);
    expect(hits).toBe(0);
  });

  it('refuses a literal forbidden address', async () => {
    const r = await safePost(`http://127.0.0.1:${port}/hook`, '{}', {}, { timeoutMs: 2000, policy: strict });
    expect(r.error).toContain('loopback');
    expect(hits).toBe(0);
  });

  it('connects when the policy allows it, and caps the response it reads', async () => {
    const r = await safePost(
      `http://localhost:${port}/hook`,
      '{}',
      {},
      { timeoutMs: 2000, policy: { allowLoopback: true, allowPrivate: false } },
    );
    expect(r.status).toBe(200);
    expect(r.snippet).toBe('ok');
    expect(hits).toBe(1);
    // A 1 MB answer is read up to the cap (4096 bytes by default, or maxBodyBytes), no further.
    const policy = { allowLoopback: true, allowPrivate: false };
    const big = await safePost(`http://localhost:${port}/big`, '{}', {}, { timeoutMs: 2000, policy });
    expect([big.status, big.error, big.snippet]).toEqual([200, null, 'x'.repeat(4096)]);
    const capped = await safePost(
      `http://localhost:${port}/big`,
      '{}',
      {},
      { timeoutMs: 2000, maxBodyBytes: 10, policy },
    );
    expect(capped.snippet).toBe('x'.repeat(10));
    expect(hits).toBe(3);
  });

  it('times out a receiver that never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const p = (silent.address() as AddressInfo).port;
    const r = await safePost(
      `http://127.0.0.1:${p}/`,
      '{}',
      {},
      { timeoutMs: 300, policy: { allowLoopback: true, allowPrivate: false } },
    );
    expect(r.status).toBeNull();
    expect(r.error).toContain('timed out');
    silent.closeAllConnections();
    await new Promise((r2) => silent.close(r2));
  });
});
