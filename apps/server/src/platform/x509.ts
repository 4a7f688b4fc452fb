/**
 * Self-signed X.509 certificates for our own keys (JWKS `x5c`, later SAML SP metadata). Built
 * with @peculiar/x509 over WebCrypto; never hand-rolled ASN.1.
 */
import 'reflect-metadata';
import { createHash, type KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export async function selfSignedCertificate(
  privateKey: KeyObject,
  publicKey: KeyObject,
  opts: { commonName: string; notBefore: Date; notAfter: Date; serial: string },
): Promise<{ der: Buffer; x5c: string; x5tS256: string }> {
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey(
      'pkcs8',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      RS256,
      false,
      ['sign'],
    ),
    publicKey: await subtle.importKey(
      'spki',
      publicKey.export({ format: 'der', type: 'spki' }),
      RS256,
      true,
      ['verify'],
    ),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: opts.serial,
    name: `CN=${opts.commonName.replace(/[,=+<>#;\\"]/g, ' ')}`,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    signingAlgorithm: RS256,
    keys: keys as unknown as CryptoKeyPair,
  });
  const der = Buffer.from(cert.rawData);
  return { der, x5c: der.toString('base64'), x5tS256: createHash('sha256').update(der).digest('base64url') };
}
