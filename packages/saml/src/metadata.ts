/**
 * SAML 2.0 metadata (saml-metadata-2.0-os): reading an IdP's EntityDescriptor and writing
 * Portico's SP EntityDescriptor for one connection.
 *
 * Invariants:
 * - parseIdpMetadata throws only SamlError('saml_metadata_invalid'), with a message that names
 *   what is missing; it never fetches anything (the caller fetches metadata URLs).
 * - Only certificates of the IDPSSODescriptor with use="signing" or no use are trusted for
 *   signatures (Entra ID also lists WS-Federation RoleDescriptors; those are ignored).
 * - The metadata's own signature is not checked: trust comes from how the admin obtained it.
 */
import { certificateDer } from './certificates.ts';
import { fail, SamlError } from './errors.ts';
import { attr, children, descendants, is, NS, parseXml, textOf } from './xml.ts';

export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface IdpMetadata {
  entityId: string;
  ssoRedirectUrl: string | null;
  ssoPostUrl: string | null;
  /** Signing certificates, base64 DER. */
  certificates: string[];
  /** IDPSSODescriptor WantAuthnRequestsSigned. */
  wantAuthnRequestsSigned?: boolean;
  nameIdFormats?: string[];
}

const METADATA_FIX =
  'Download the IdP\'s SAML 2.0 metadata XML again (Okta: "Identity Provider metadata"; Entra ID: "Federation Metadata XML"; Google: "Download metadata"; ADFS: /FederationMetadata/2007-06/FederationMetadata.xml) and upload it unchanged, or enter the entity ID, SSO URL and certificate by hand.';

export function parseIdpMetadata(xml: string): IdpMetadata {
  let doc: Document;
  try {
    doc = parseXml(xml, {
      what: 'IdP metadata',
      malformedCode: 'saml_metadata_invalid',
      doctypeCode: 'saml_metadata_invalid',
      fix: METADATA_FIX,
    });
  } catch (err) {
    if (err instanceof SamlError && err.code !== 'saml_metadata_invalid') {
      fail('saml_metadata_invalid', err.message, METADATA_FIX);
    }
    throw err;
  }
  const root = doc.documentElement;
  let entity: Element;
  if (is(root, NS.md, 'EntityDescriptor')) {
    entity = root;
  } else if (is(root, NS.md, 'EntitiesDescriptor')) {
    const idps = descendants(root, NS.md, 'EntityDescriptor').filter(
      (e) => children(e, NS.md, 'IDPSSODescriptor').length > 0,
    );
    if (idps.length !== 1) {
      fail(
        'saml_metadata_invalid',
        `The metadata lists ${idps.length} identity providers; Portico needs the metadata of exactly one.`,
        "Upload the metadata of your organisation's IdP alone (its own EntityDescriptor).",
      );
    }
    entity = idps[0]!;
  } else {
    fail(
      'saml_metadata_invalid',
      `The document is a <${root.nodeName}>, not SAML 2.0 metadata (<md:EntityDescriptor>).`,
      METADATA_FIX,
    );
  }
  const entityId = attr(entity, 'entityID')?.trim();
  if (!entityId) fail('saml_metadata_invalid', 'The EntityDescriptor has no entityID.', METADATA_FIX);
  const idp = children(entity, NS.md, 'IDPSSODescriptor')[0];
  if (!idp) {
    fail(
      'saml_metadata_invalid',
      `The metadata of "${entityId}" has no <md:IDPSSODescriptor>: it does not describe a SAML identity provider (it may be service-provider metadata).`,
      METADATA_FIX,
    );
  }
  const sso = children(idp, NS.md, 'SingleSignOnService');
  const location = (binding: string) => {
    const s = sso.find((e) => attr(e, 'Binding') === binding);
    return s ? (attr(s, 'Location')?.trim() ?? null) : null;
  };
  const certificates: string[] = [];
  for (const kd of children(idp, NS.md, 'KeyDescriptor')) {
    const use = attr(kd, 'use');
    if (use !== null && use !== 'signing') continue;
    for (const c of descendants(kd, NS.ds, 'X509Certificate')) {
      const der = certificateDer(textOf(c));
      if (!der) {
        fail(
          'saml_metadata_invalid',
          'A signing <ds:X509Certificate> in the metadata is not a valid X.509 certificate.',
          METADATA_FIX,
        );
      }
      const b64 = der.toString('base64');
      if (!certificates.includes(b64)) certificates.push(b64);
    }
  }
  if (certificates.length === 0) {
    fail(
      'saml_metadata_invalid',
      `The metadata of "${entityId}" has no signing certificate (no <md:KeyDescriptor use="signing"> with an X509Certificate).`,
      'Download complete metadata from the IdP, or add the IdP signing certificate to the connection by hand.',
    );
  }
  const ssoRedirectUrl = location(BINDING_REDIRECT);
  const ssoPostUrl = location(BINDING_POST);
  return {
    entityId,
    ssoRedirectUrl,
    ssoPostUrl,
    certificates,
    wantAuthnRequestsSigned: attr(idp, 'WantAuthnRequestsSigned') === 'true',
    nameIdFormats: children(idp, NS.md, 'NameIDFormat').map((e) => textOf(e).trim()),
  };
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function keyDescriptor(use: 'signing' | 'encryption', cert: string): string {
  const der = certificateDer(cert);
  if (!der) throw new TypeError(`buildSpMetadata: the ${use} certificate is not an X.509 certificate`);
  return `    <md:KeyDescriptor use="${use}">\n      <ds:KeyInfo xmlns:ds="${NS.ds}">\n        <ds:X509Data>\n          <ds:X509Certificate>${der.toString('base64')}</ds:X509Certificate>\n        </ds:X509Data>\n      </ds:KeyInfo>\n    </md:KeyDescriptor>\n`;
}

/**
 * SP metadata for one connection. `certificate` is the SP signing certificate (AuthnRequests are
 * then signed); `encryptionCertificate`, when given, invites the IdP to encrypt assertions.
 */
export function buildSpMetadata(o: {
  entityId: string;
  acsUrl: string;
  certificate?: string;
  wantAssertionsSigned?: boolean;
  encryptionCertificate?: string;
}): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<md:EntityDescriptor xmlns:md="${NS.md}" entityID="${esc(o.entityId)}">\n` +
    `  <md:SPSSODescriptor AuthnRequestsSigned="${o.certificate ? 'true' : 'false'}" WantAssertionsSigned="${(o.wantAssertionsSigned ?? true) ? 'true' : 'false'}" protocolSupportEnumeration="${NS.samlp}">\n` +
    (o.certificate ? keyDescriptor('signing', o.certificate) : '') +
    (o.encryptionCertificate ? keyDescriptor('encryption', o.encryptionCertificate) : '') +
    '    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\n' +
    '    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>\n' +
    '    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>\n' +
    `    <md:AssertionConsumerService Binding="${BINDING_POST}" Location="${esc(o.acsUrl)}" index="0" isDefault="true"/>\n` +
    '  </md:SPSSODescriptor>\n' +
    '</md:EntityDescriptor>\n'
  );
}
