/**
 * XML signature verification of one SAML element (XML-DSig core, SAML core §5) with xml-crypto.
 * Nothing here canonicalises or checks a signature by hand.
 *
 * Invariants:
 * - The key comes only from the connection's trusted certificates; a certificate in KeyInfo is
 *   used to name the signer in errors and to pick which trusted certificate to try first, never
 *   as the verification key.
 * - Accepted: exclusive c14n; RSA-SHA256, RSA-SHA1 and RSA-SHA512; SHA-1/256/512 digests; the
 *   enveloped-signature and exclusive-c14n transforms. Anything else is refused by name.
 * - The caller consumes the returned `element`, parsed from the canonical octets xml-crypto
 *   authenticated (getSignedReferences()), never the element found in the original document.
 */
import { SignedXml } from 'xml-crypto';
import { certificateDer, derToPem, fingerprintOfDer, type TrustedCertificate } from './certificates.ts';
import { fail } from './errors.ts';
import { attr, child, children, descendants, describe, NS, parseXml, textOf } from './xml.ts';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'RSA-SHA256',
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'RSA-SHA1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'RSA-SHA512',
};
const DIGEST_ALGORITHMS = new Set([
  'http://www.w3.org/2000/09/xmldsig#sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512',
]);

const ALGORITHM_FIX =
  'Set the IdP to sign with RSA-SHA256 and exclusive canonicalization (the default of Okta, Entra ID, Google Workspace and ADFS).';
const TAMPERED_FIX =
  'Something between the IdP and Portico changed the response after it was signed (a proxy, a browser extension or an attacker). Sign in again; if it keeps failing, capture the raw response and compare it with what the IdP sent.';
const WRAPPING_FIX =
  'The response was restructured after the identity provider signed it (XML signature wrapping). Do not accept it, and report it to your security team.';

export interface VerifiedElement {
  /** Root element of the authenticated canonical octets. */
  element: Element;
  canonicalXml: string;
  certificate: TrustedCertificate;
  algorithm: string;
}

export function verifyElementSignature(o: {
  xml: string;
  signature: Element;
  target: Element;
  trusted: TrustedCertificate[];
}): VerifiedElement {
  const { signature, target } = o;
  const what = describe(target);
  const signedInfo = child(signature, NS.ds, 'SignedInfo')!;
  const c14n = attr(child(signedInfo, NS.ds, 'CanonicalizationMethod') ?? signedInfo, 'Algorithm');
  if (c14n !== EXC_C14N) {
    fail(
      'saml_signature_invalid',
      `The signature on ${what} uses canonicalization "${c14n ?? '(none)'}"; Portico accepts only exclusive canonicalization (${EXC_C14N}).`,
      ALGORITHM_FIX,
      { canonicalization: c14n },
    );
  }
  const sigAlgUri = attr(child(signedInfo, NS.ds, 'SignatureMethod') ?? signedInfo, 'Algorithm') ?? '';
  const algorithm = SIGNATURE_ALGORITHMS[sigAlgUri];
  if (!algorithm) {
    fail(
      'saml_signature_invalid',
      `The signature on ${what} uses the algorithm "${sigAlgUri || '(none)'}"; Portico accepts RSA-SHA256, RSA-SHA1 and RSA-SHA512.`,
      ALGORITHM_FIX,
      { signatureAlgorithm: sigAlgUri },
    );
  }
  const reference = child(signedInfo, NS.ds, 'Reference')!;
  const transforms = descendants(reference, NS.ds, 'Transform').map((t) => attr(t, 'Algorithm') ?? '');
  const badTransform = transforms.find((t) => t !== ENVELOPED && t !== EXC_C14N);
  if (badTransform !== undefined) {
    fail(
      'saml_signature_invalid',
      `The signature on ${what} applies the transform "${badTransform}"; only enveloped-signature and exclusive canonicalization are accepted.`,
      ALGORITHM_FIX,
      { transform: badTransform },
    );
  }
  const digest = attr(child(reference, NS.ds, 'DigestMethod') ?? reference, 'Algorithm') ?? '';
  if (!DIGEST_ALGORITHMS.has(digest)) {
    fail(
      'saml_signature_invalid',
      `The signature on ${what} uses the digest "${digest || '(none)'}"; Portico accepts SHA-256, SHA-1 and SHA-512.`,
      ALGORITHM_FIX,
      { digestAlgorithm: digest },
    );
  }

  const keyInfo = child(signature, NS.ds, 'KeyInfo');
  const keyInfoDers = (keyInfo ? descendants(keyInfo, NS.ds, 'X509Certificate') : [])
    .map((c) => certificateDer(textOf(c)))
    .filter((d): d is Buffer => d !== null);
  const keyInfoFingerprints = keyInfoDers.map(fingerprintOfDer);
  const trustedFingerprints = o.trusted.map((c) => c.fingerprint);
  const ordered = [
    ...o.trusted.filter((c) => keyInfoFingerprints.includes(c.fingerprint)),
    ...o.trusted.filter((c) => !keyInfoFingerprints.includes(c.fingerprint)),
  ];

  for (const cert of ordered) {
    const outcome = check(o.xml, signature, cert.pem);
    if (outcome.kind === 'digest') {
      fail(
        'saml_signature_invalid',
        `The content of ${what} does not match its signature (${outcome.detail}): it was changed after the IdP signed it.`,
        TAMPERED_FIX,
      );
    }
    if (outcome.kind === 'wrapping')
      fail('saml_signature_wrapping', `${what}: ${outcome.detail}`, WRAPPING_FIX);
    if (outcome.kind === 'error') {
      fail(
        'saml_signature_invalid',
        `The signature on ${what} could not be checked: ${outcome.detail}.`,
        ALGORITHM_FIX,
      );
    }
    if (outcome.kind === 'ok') {
      const canonicalXml = outcome.signed;
      const element = parseXml(canonicalXml, {
        what: 'signed element',
        malformedCode: 'saml_signature_invalid',
        doctypeCode: 'saml_doctype_forbidden',
        fix: TAMPERED_FIX,
      }).documentElement;
      if (
        element.namespaceURI !== target.namespaceURI ||
        element.localName !== target.localName ||
        element.getAttribute('ID') !== target.getAttribute('ID')
      ) {
        fail(
          'saml_signature_wrapping',
          `The signature verified over ${describe(element)}, not over ${what} where it sits.`,
          WRAPPING_FIX,
        );
      }
      return { element, canonicalXml, certificate: cert, algorithm };
    }
  }

  const untrusted = keyInfoDers.find((d) => !trustedFingerprints.includes(fingerprintOfDer(d)));
  if (untrusted && (o.trusted.length === 0 || check(o.xml, signature, derToPem(untrusted)).kind === 'ok')) {
    const signer = fingerprintOfDer(untrusted);
    fail(
      'saml_certificate_untrusted',
      o.trusted.length === 0
        ? `The response is signed by a certificate with SHA-256 fingerprint ${signer}, but this connection has no IdP certificate configured.`
        : `The response is signed by a certificate with SHA-256 fingerprint ${signer}, which is not among this connection's certificates (${trustedFingerprints.join(', ')}).`,
      o.trusted.length === 0
        ? "Upload the IdP's signing certificate (or its metadata) in the connection."
        : 'The IdP probably rotated its signing certificate: upload the new certificate (or refresh the metadata) in the connection.',
      { signerFingerprint: signer, trustedFingerprints },
    );
  }
  if (o.trusted.length === 0) {
    fail(
      'saml_certificate_untrusted',
      `The signature on ${what} cannot be checked: this connection has no IdP certificate configured.`,
      "Upload the IdP's signing certificate (or its metadata) in the connection.",
      { trustedFingerprints },
    );
  }
  fail(
    'saml_signature_invalid',
    `The signature value on ${what} does not verify with any of this connection's certificates (${trustedFingerprints.join(', ')})${keyInfoFingerprints.length ? `; the signature names certificate ${keyInfoFingerprints.join(', ')}` : ''}.`,
    keyInfoFingerprints.some((f) => trustedFingerprints.includes(f))
      ? 'The response claims a trusted certificate but was not signed with its key: it was forged or altered. Do not accept it.'
      : 'The IdP may be signing with a new key: upload its current signing certificate (or refresh the metadata). Otherwise the response was altered on the way.',
    { keyInfoFingerprints, trustedFingerprints },
  );
}

type Outcome =
  | { kind: 'ok'; signed: string }
  | { kind: 'bad-key' }
  | { kind: 'digest'; detail: string }
  | { kind: 'wrapping'; detail: string }
  | { kind: 'error'; detail: string };

function check(xml: string, signature: Element, publicCertPem: string): Outcome {
  const sx = new SignedXml({ publicCert: publicCertPem, getCertFromKeyInfo: () => null });
  let ok: boolean;
  try {
    sx.loadSignature(signature);
    ok = sx.checkSignature(xml);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/signature value .* is incorrect/i.test(message)) return { kind: 'bad-key' };
    if (/wrapping|multiple elements with the same value|multiple Signature elements/i.test(message)) {
      return { kind: 'wrapping', detail: message };
    }
    return { kind: 'error', detail: message };
  }
  if (!ok) {
    const refError = sx.getReferences().find((r) => r.validationError)?.validationError;
    const detail = refError?.message ?? 'a reference did not validate';
    if (/calculated digest/.test(detail))
      return { kind: 'digest', detail: 'its digest differs from the signed DigestValue' };
    return { kind: 'error', detail };
  }
  const signed = sx.getSignedReferences();
  if (signed.length !== 1)
    return { kind: 'wrapping', detail: `the signature covers ${signed.length} references` };
  return { kind: 'ok', signed: signed[0]! };
}

export function hasSignature(el: Element): boolean {
  return children(el, NS.ds, 'Signature').length > 0;
}
