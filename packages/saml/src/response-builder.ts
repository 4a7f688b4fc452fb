/**
 * buildSamlResponse: an IdP-side SAML 2.0 <samlp:Response> for the Web Browser SSO profile, used by
 * Portico's Test Identity Provider and by tests. Time and keys are arguments; IDs are random
 * unless given. The optional overrides (audience, destination, recipient, statusCode…) exist to
 * produce the Test IdP's error scenarios and the golden corpus's broken variants.
 *
 * encryptAssertion turns the Assertion of such a response into an EncryptedAssertion
 * (xml-encryption: RSA-OAEP key transport, AES-256-GCM by default). It is asynchronous because
 * xml-encryption draws its content key asynchronously.
 */
/// <reference path="./xml-encryption.d.ts" />

import { randomBytes, X509Certificate } from 'node:crypto';
import xmlenc from 'xml-encryption';
import { certificateDer, derToPem } from './certificates.ts';
import { type SignatureAlgorithm, signSamlXml } from './sign.ts';
import { children, NS, parseXml, serialize } from './xml.ts';

export interface BuildSamlResponseOptions {
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  inResponseTo?: string | null;
  nameId: string;
  nameIdFormat?: string;
  sessionIndex?: string;
  attributes: Record<string, string | string[]>;
  now: Date;
  validityMs: number;
  /** PEM private key. */
  signingKey: string;
  /** PEM certificate (put into KeyInfo). */
  certificate: string;
  sign: 'response' | 'assertion' | 'both' | 'none';
  /** Defaults to spEntityId. */
  audience?: string;
  /** Defaults to acsUrl; null omits the attribute. */
  destination?: string | null;
  /** Defaults to acsUrl. */
  recipient?: string;
  id?: string;
  assertionId?: string;
  /** Defaults to urn:oasis:names:tc:SAML:2.0:status:Success. A non-success status carries no assertion. */
  statusCode?: string;
  statusMessage?: string;
  signatureAlgorithm?: SignatureAlgorithm;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const newId = () => `_${randomBytes(20).toString('hex')}`;
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export function buildSamlResponse(o: BuildSamlResponseOptions): string {
  const id = o.id ?? newId();
  const assertionId = o.assertionId ?? newId();
  const issued = o.now.toISOString();
  const expires = new Date(o.now.getTime() + o.validityMs).toISOString();
  const destination = o.destination === undefined ? o.acsUrl : o.destination;
  const irt = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : '';
  const status = o.statusCode ?? SUCCESS;
  const attributes = Object.entries(o.attributes)
    .map(([name, value]) => {
      const values = (Array.isArray(value) ? value : [value])
        .map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`)
        .join('');
      const format = /^[a-z][a-z0-9+.-]*:/i.test(name) ? 'uri' : 'basic';
      return `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:${format}">${values}</saml:Attribute>`;
    })
    .join('');
  const assertion =
    status !== SUCCESS
      ? ''
      : `<saml:Assertion xmlns:saml="${NS.saml}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${NS.xsi}" ID="${esc(assertionId)}" Version="2.0" IssueInstant="${issued}">` +
        `<saml:Issuer>${esc(o.idpEntityId)}</saml:Issuer>` +
        '<saml:Subject>' +
        `<saml:NameID${o.nameIdFormat ? ` Format="${esc(o.nameIdFormat)}"` : ''}>${esc(o.nameId)}</saml:NameID>` +
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
        `<saml:SubjectConfirmationData${irt} NotOnOrAfter="${expires}" Recipient="${esc(o.recipient ?? o.acsUrl)}"/>` +
        '</saml:SubjectConfirmation></saml:Subject>' +
        `<saml:Conditions NotBefore="${issued}" NotOnOrAfter="${expires}">` +
        `<saml:AudienceRestriction><saml:Audience>${esc(o.audience ?? o.spEntityId)}</saml:Audience></saml:AudienceRestriction>` +
        '</saml:Conditions>' +
        `<saml:AuthnStatement AuthnInstant="${issued}"${o.sessionIndex ? ` SessionIndex="${esc(o.sessionIndex)}"` : ''}>` +
        '<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>' +
        '</saml:AuthnStatement>' +
        (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
        '</saml:Assertion>';
  let xml =
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${esc(id)}" Version="2.0" IssueInstant="${issued}"` +
    `${destination === null ? '' : ` Destination="${esc(destination)}"`}${irt}>` +
    `<saml:Issuer>${esc(o.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${esc(status)}"/>${o.statusMessage ? `<samlp:StatusMessage>${esc(o.statusMessage)}</samlp:StatusMessage>` : ''}</samlp:Status>` +
    assertion +
    '</samlp:Response>';
  const key = { signingKey: o.signingKey, certificate: o.certificate, algorithm: o.signatureAlgorithm };
  if (assertion && (o.sign === 'assertion' || o.sign === 'both')) {
    xml = signSamlXml(xml, { ...key, target: 'assertion' });
  }
  if (o.sign === 'response' || o.sign === 'both') xml = signSamlXml(xml, { ...key, target: 'response' });
  return xml;
}

/**
 * Replaces the Assertion of `responseXml` by an EncryptedAssertion for `certificate` (the SP's
 * encryption certificate). Sign the assertion before, and the response (if wanted) after.
 */
export async function encryptAssertion(
  responseXml: string,
  o: { certificate: string; algorithm?: 'aes256-gcm' | 'aes128-gcm' | 'aes256-cbc' },
): Promise<string> {
  const der = certificateDer(o.certificate);
  if (!der) throw new TypeError('encryptAssertion: certificate is not an X.509 certificate');
  const doc = parseXml(responseXml, {
    what: 'SAML response',
    malformedCode: 'saml_malformed',
    doctypeCode: 'saml_doctype_forbidden',
    fix: 'Pass the XML that buildSamlResponse produced.',
  });
  const assertion = children(doc.documentElement, NS.saml, 'Assertion')[0];
  if (!assertion) throw new TypeError('encryptAssertion: the response has no Assertion');
  const algorithm = o.algorithm ?? 'aes256-gcm';
  const encrypted = await new Promise<string>((resolve, reject) =>
    xmlenc.encrypt(
      serialize(assertion),
      {
        rsa_pub: new X509Certificate(der).publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        pem: derToPem(der),
        encryptionAlgorithm: `http://www.w3.org/${algorithm.endsWith('gcm') ? '2009/xmlenc11' : '2001/04/xmlenc'}#${algorithm}`,
        keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        disallowEncryptionWithInsecureAlgorithm: false,
        warnInsecureAlgorithm: false,
      },
      (err, out) => (err || !out ? reject(err ?? new Error('encryption failed')) : resolve(out)),
    ),
  );
  const wrapper = parseXml(
    `<saml:EncryptedAssertion xmlns:saml="${NS.saml}">${encrypted}</saml:EncryptedAssertion>`,
    {
      what: 'encrypted assertion',
      malformedCode: 'saml_malformed',
      doctypeCode: 'saml_doctype_forbidden',
      fix: 'This is a bug in @portico/saml or xml-encryption: report it with the certificate used.',
    },
  ).documentElement;
  doc.documentElement.replaceChild(doc.importNode(wrapper, true), assertion);
  return serialize(doc);
}
