/**
 * Test key material made at test time: RSA-2048 key pairs with self-signed X.509 certificates
 * (@peculiar/x509 over WebCrypto, as apps/server/src/platform/x509.ts does). Nothing secret is
 * committed.
 */
import 'reflect-metadata';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface TestKeys {
  /** PKCS#8 PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
  /** Base64 DER of the certificate (how metadata and the server store it). */
  der: string;
}

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export async function makeKeys(commonName: string): Promise<TestKeys> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      RS256,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ format: 'der', type: 'spki' }),
      RS256,
      true,
      ['verify'],
    ),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}`,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    signingAlgorithm: RS256,
    keys: keys as unknown as CryptoKeyPair,
  });
  return {
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    cert: cert.toString('pem'),
    der: Buffer.from(cert.rawData).toString('base64'),
  };
}

const NAMES = {
  idp: 'idp.example.com',
  idpNext: 'idp.example.com (rotated)',
  attacker: 'attacker.example',
  sp: 'portico sp',
  spOld: 'portico sp (old)',
} as const;
type KeyName = keyof typeof NAMES;
const made = new Map<KeyName, Promise<TestKeys>>();

/**
 * The named key sets. RSA key generation dominates this suite's run time, so a set made by one
 * test file is kept in the OS temp folder for the others (and for the next run); it is test
 * material only, never committed.
 */
export async function testKeys<N extends KeyName>(...names: N[]): Promise<Record<N, TestKeys>> {
  const out = {} as Record<N, TestKeys>;
  for (const name of names) {
    if (!made.has(name)) made.set(name, cachedKeys(name));
    out[name] = await made.get(name)!;
  }
  return out;
}

const CACHE = join(tmpdir(), 'portico-saml-test-keys-v1');

async function cachedKeys(name: KeyName): Promise<TestKeys> {
  const file = join(CACHE, `${name}.json`);
  try {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as TestKeys;
    if (keys.key && keys.cert && keys.der) return keys;
  } catch {
    // not made yet
  }
  const keys = await makeKeys(NAMES[name]);
  mkdirSync(CACHE, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(keys), { mode: 0o600 });
  renameSync(partial, file);
  return keys;
}
