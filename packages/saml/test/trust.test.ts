/**
 * Which certificates are trusted, and what the tracer says when the IdP rotates its certificate:
 * several trusted certificates (PEM or base64 DER), signatures with and without a KeyInfo
 * certificate, and the exact wording of the "rotated certificate" failure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint, validateSamlResponse } from '../src/index.ts';
import { samlError } from './helpers/expect-error.ts';
import { build, options } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

let keys: { idp: TestKeys; idpNext: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'idpNext');
});

const withoutKeyInfo = (xml: string) => xml.replace(/<ds:KeyInfo>[\s\S]*?<\/ds:KeyInfo>/g, '');

describe('trusted certificates', () => {
  it('during a rotation both certificates are trusted, whichever signs', () => {
    const trusted = { idpCertificates: [keys.idp.der, keys.idpNext.cert] };
    for (const signer of [keys.idp, keys.idpNext]) {
      const { assertion } = validateSamlResponse(options(keys.idp, build(signer), trusted));
      expect(assertion.certificateFingerprint).toBe(certificateFingerprint(signer.cert));
    }
  });

  it('a signature without KeyInfo is checked against every trusted certificate', () => {
    const xml = withoutKeyInfo(build(keys.idp));
    expect(xml).not.toContain('X509Certificate');
    const { assertion } = validateSamlResponse(
      options(keys.idp, xml, { idpCertificates: [keys.idpNext.cert, keys.idp.cert] }),
    );
    expect(assertion.certificateFingerprint).toBe(certificateFingerprint(keys.idp.cert));
  });

  it('the IdP rotated: names the new certificate and the trusted ones, and says what to do', () => {
    const err = samlError(() => validateSamlResponse(options(keys.idp, build(keys.idpNext))));
    const signer = certificateFingerprint(keys.idpNext.cert);
    const trusted = certificateFingerprint(keys.idp.cert);
    expect(err.code).toBe('saml_certificate_untrusted');
    expect(err.message).toBe(
      `The response is signed by a certificate with SHA-256 fingerprint ${signer}, which is not among this connection's certificates (${trusted}).`,
    );
    expect(err.fix).toBe(
      'The IdP probably rotated its signing certificate: upload the new certificate (or refresh the metadata) in the connection.',
    );
    expect(err.details).toMatchObject({ signerFingerprint: signer, trustedFingerprints: [trusted] });
  });

  it('the IdP rotated and sends no KeyInfo: the signature does not verify, and the fix says why it may be', () => {
    const err = samlError(() => validateSamlResponse(options(keys.idp, withoutKeyInfo(build(keys.idpNext)))));
    expect(err.code).toBe('saml_signature_invalid');
    expect(err.fix).toContain('new key');
  });

  it('no usable certificate on the connection', () => {
    for (const idpCertificates of [[], ['not a certificate']]) {
      const err = samlError(() =>
        validateSamlResponse(options(keys.idp, build(keys.idp), { idpCertificates })),
      );
      expect(err.code).toBe('saml_certificate_untrusted');
      expect(err.message).toContain('no IdP certificate');
    }
  });

  it('an unparseable entry does not hide the good ones', () => {
    const { assertion } = validateSamlResponse(
      options(keys.idp, build(keys.idp), { idpCertificates: ['garbage', keys.idp.cert] }),
    );
    expect(assertion.nameId).toBe('ada@example.com');
  });
});
