/**
 * SP-initiated login: an <samlp:AuthnRequest> (SAML core §3.4.1) sent with the HTTP-Redirect
 * binding (SAML bindings §3.4): raw DEFLATE, base64, URL-encoded as SAMLRequest, with RelayState
 * and, when a signing key is given, SigAlg and an RSA-SHA256 Signature over
 * "SAMLRequest=…&RelayState=…&SigAlg=…" exactly as those parameters appear in the query (§3.4.4.1).
 *
 * Invariants: the ID and IssueInstant are arguments (the caller stores the ID to match
 * InResponseTo later); the request asks for the HTTP-POST binding at the ACS URL.
 */
import { createSign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { NS } from './xml.ts';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface AuthnRequestOptions {
  /** xs:ID: starts with a letter or underscore (for example "_" + random hex). */
  id: string;
  issueInstant: Date;
  spEntityId: string;
  acsUrl: string;
  idpSsoUrl: string;
  relayState?: string;
  nameIdFormat?: string;
  forceAuthn?: boolean;
  /** PEM private key: signs the Redirect-binding query with RSA-SHA256. */
  signingKey?: string;
}

export function buildAuthnRequestXml(o: AuthnRequestOptions): string {
  if (!/^[A-Za-z_][\w.-]*$/.test(o.id)) {
    throw new TypeError(`AuthnRequest ID "${o.id}" is not an xs:ID (it must start with a letter or "_")`);
  }
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${esc(o.id)}" Version="2.0"` +
    ` IssueInstant="${o.issueInstant.toISOString()}" Destination="${esc(o.idpSsoUrl)}"` +
    ` AssertionConsumerServiceURL="${esc(o.acsUrl)}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"` +
    `${o.forceAuthn ? ' ForceAuthn="true"' : ''}>` +
    `<saml:Issuer>${esc(o.spEntityId)}</saml:Issuer>` +
    (o.nameIdFormat ? `<samlp:NameIDPolicy Format="${esc(o.nameIdFormat)}" AllowCreate="true"/>` : '') +
    '</samlp:AuthnRequest>'
  );
}

export function buildAuthnRequestUrl(o: AuthnRequestOptions): string {
  const samlRequest = deflateRawSync(Buffer.from(buildAuthnRequestXml(o), 'utf8')).toString('base64');
  let query = `SAMLRequest=${encodeURIComponent(samlRequest)}`;
  if (o.relayState !== undefined) query += `&RelayState=${encodeURIComponent(o.relayState)}`;
  if (o.signingKey) {
    query += `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
    const signature = createSign('RSA-SHA256').update(query, 'utf8').sign(o.signingKey, 'base64');
    query += `&Signature=${encodeURIComponent(signature)}`;
  }
  const url = new URL(o.idpSsoUrl);
  return `${url.origin}${url.pathname}${url.search ? `${url.search}&` : '?'}${query}${url.hash}`;
}
