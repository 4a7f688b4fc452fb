/**
 * Enveloped XML signatures over a SAML Response or its Assertion (SAML core §5), with xml-crypto:
 * exclusive c14n, the enveloped-signature transform, the signature placed right after the signed
 * element's <saml:Issuer> as the schema requires, and the signer's certificate in KeyInfo.
 * Used by buildSamlResponse (Portico's Test IdP) and by tests that build hostile variants.
 */
import { SignedXml } from 'xml-crypto';
import { certificateDer, derToPem } from './certificates.ts';

export type SignatureAlgorithm = 'rsa-sha256' | 'rsa-sha1' | 'rsa-sha512';

const ALGORITHMS: Record<SignatureAlgorithm, { signature: string; digest: string }> = {
  'rsa-sha256': {
    signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
  },
  'rsa-sha1': {
    signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    digest: 'http://www.w3.org/2000/09/xmldsig#sha1',
  },
  'rsa-sha512': {
    signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
    digest: 'http://www.w3.org/2001/04/xmlenc#sha512',
  },
};

const RESPONSE = "/*[local-name(.)='Response' and namespace-uri(.)='urn:oasis:names:tc:SAML:2.0:protocol']";
const ASSERTION = `${RESPONSE}/*[local-name(.)='Assertion' and namespace-uri(.)='urn:oasis:names:tc:SAML:2.0:assertion']`;
const ISSUER = "/*[local-name(.)='Issuer' and namespace-uri(.)='urn:oasis:names:tc:SAML:2.0:assertion']";

export function signSamlXml(
  xml: string,
  o: {
    signingKey: string;
    certificate: string;
    target: 'response' | 'assertion';
    algorithm?: SignatureAlgorithm;
    /** Namespace prefix of the Signature element: 'ds' (default), or '' for the default namespace. */
    prefix?: string;
  },
): string {
  const der = certificateDer(o.certificate);
  if (!der) throw new TypeError('signSamlXml: certificate is not a PEM or base64 DER X.509 certificate');
  const alg = ALGORITHMS[o.algorithm ?? 'rsa-sha256'];
  const target = o.target === 'response' ? RESPONSE : ASSERTION;
  const sig = new SignedXml({
    privateKey: o.signingKey,
    publicCert: derToPem(der),
    signatureAlgorithm: alg.signature as SignedXml['signatureAlgorithm'],
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: target,
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
    digestAlgorithm: alg.digest as NonNullable<Parameters<SignedXml['addReference']>[0]['digestAlgorithm']>,
  });
  sig.computeSignature(xml, {
    prefix: o.prefix ?? 'ds',
    location: { reference: `${target}${ISSUER}`, action: 'after' },
  });
  return sig.getSignedXml();
}
