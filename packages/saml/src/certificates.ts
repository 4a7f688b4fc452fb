/**
 * X.509 certificate handling for trust decisions: normalise what admins paste (PEM with or without
 * headers, base64 DER with line breaks) to DER, and name certificates by their SHA-256 fingerprint
 * ("AB:CD:…", uppercase hex), which is what the tracer and the dashboard show.
 *
 * Invariant: a certificate is only ever compared by its DER bytes; names, serials and validity
 * dates play no part in trust (SAML metadata routinely carries expired self-signed certificates).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { fail } from './errors.ts';

export interface TrustedCertificate {
  der: Buffer;
  base64: string;
  pem: string;
  fingerprint: string;
}

const parsed = new Map<string, Buffer | null>();

/** PEM or bare base64 DER → DER bytes, or null when it is not a parseable X.509 certificate. */
export function certificateDer(cert: string): Buffer | null {
  if (typeof cert !== 'string') return null;
  // Pure and hot (every response re-reads the connection's certificates): memoised, bounded.
  if (parsed.has(cert)) return parsed.get(cert)!;
  const der = parseCertificate(cert);
  if (parsed.size >= 256) parsed.delete(parsed.keys().next().value!);
  parsed.set(cert, der);
  return der;
}

function parseCertificate(cert: string): Buffer | null {
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(cert);
  const b64 = (pem ? pem[1]! : cert).replace(/\s+/g, '');
  if (b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const der = Buffer.from(b64, 'base64');
  try {
    new X509Certificate(der);
  } catch {
    return null;
  }
  return der;
}

export function fingerprintOfDer(der: Buffer): string {
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** PEM or base64 DER → 'AB:CD:…'. Throws SamlError('saml_metadata_invalid') for anything else. */
export function certificateFingerprint(cert: string): string {
  const der = certificateDer(cert);
  if (!der) {
    fail(
      'saml_metadata_invalid',
      'The certificate is not an X.509 certificate in PEM or base64 DER form.',
      'Paste the IdP signing certificate as the PEM block, including the BEGIN CERTIFICATE and END CERTIFICATE lines, or upload the IdP metadata instead.',
    );
  }
  return fingerprintOfDer(der);
}

export function trustedCertificate(der: Buffer): TrustedCertificate {
  return { der, base64: der.toString('base64'), pem: derToPem(der), fingerprint: fingerprintOfDer(der) };
}
