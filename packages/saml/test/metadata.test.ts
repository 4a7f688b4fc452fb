/**
 * parseIdpMetadata on Okta-, Entra-, Google- and AD FS-style metadata (test/corpus/<idp>/metadata.xml)
 * and on samlify's generated IdP metadata; buildSpMetadata read back by samlify as SP metadata;
 * certificateFingerprint on every form an admin may paste.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import validator from '@authenio/samlify-node-xmllint';
import samlify from 'samlify';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpMetadata, certificateFingerprint, parseIdpMetadata } from '../src/index.ts';
import { samlError } from './helpers/expect-error.ts';
import { ACS, SP } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

samlify.setSchemaValidator(validator);

let keys: { idp: TestKeys; idpNext: TestKeys; attacker: TestKeys; sp: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'idpNext', 'attacker', 'sp');
});

function metadata(idp: string): string {
  const wrapped = (keys.idp.der.match(/.{1,64}/g) ?? []).join('\n            ');
  return readFileSync(join(import.meta.dirname, 'corpus', idp, 'metadata.xml'), 'utf8')
    .replaceAll('{{CERT}}', keys.idp.der)
    .replaceAll('{{CERT_WRAPPED}}', `\n            ${wrapped}\n          `)
    .replaceAll('{{NEXT_CERT}}', keys.idpNext.der)
    .replaceAll('{{OTHER_CERT}}', keys.attacker.der);
}

describe('parseIdpMetadata', () => {
  it('Okta', () => {
    const okta = 'https://acme.okta.test/app/acme_portico_1/exk1fcia6d6EMsf331t8/sso/saml';
    expect(parseIdpMetadata(metadata('okta'))).toEqual({
      entityId: 'http://www.okta.com/exk1fcia6d6EMsf331t8',
      ssoRedirectUrl: okta,
      ssoPostUrl: okta,
      certificates: [keys.idp.der],
      wantAuthnRequestsSigned: false,
      nameIdFormats: [
        'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
        'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      ],
    });
  });

  it('Entra ID: both rollover certificates, none from the WS-Federation RoleDescriptor', () => {
    const m = parseIdpMetadata(metadata('entra'));
    expect(m.entityId).toBe('https://sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/');
    expect(m.ssoRedirectUrl).toBe(
      'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/saml2',
    );
    expect(m.certificates).toEqual([keys.idp.der, keys.idpNext.der]);
  });

  it('Google Workspace: a line-wrapped certificate and an SSO URL with a query', () => {
    const m = parseIdpMetadata(metadata('google'));
    expect(m.entityId).toBe('https://accounts.google.com/o/saml2?idpid=C01abcde2');
    expect(m.ssoPostUrl).toBe('https://accounts.google.com/o/saml2/idp?idpid=C01abcde2');
    expect(m.certificates).toEqual([keys.idp.der]);
  });

  it('AD FS: the signing certificate only (not the encryption one, not the SP role)', () => {
    const m = parseIdpMetadata(metadata('adfs'));
    expect(m.entityId).toBe('http://adfs.fabrikam.test/adfs/services/trust');
    expect(m.ssoRedirectUrl).toBe('https://adfs.fabrikam.test/adfs/ls/');
    expect(m.certificates).toEqual([keys.idp.der]);
    expect(m.nameIdFormats).toContain('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  });

  it("samlify's generated IdP metadata", () => {
    const idp = samlify.IdentityProvider({
      entityID: 'https://idp.samlify.test/metadata',
      signingCert: keys.idp.cert,
      privateKey: keys.idp.key,
      wantAuthnRequestsSigned: true,
      singleSignOnService: [
        {
          Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
          Location: 'https://idp.samlify.test/sso/redirect',
        },
        {
          Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
          Location: 'https://idp.samlify.test/sso/post',
        },
      ],
      singleLogoutService: [
        {
          Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
          Location: 'https://idp.samlify.test/slo',
        },
      ],
    });
    expect(parseIdpMetadata(idp.getMetadata())).toMatchObject({
      entityId: 'https://idp.samlify.test/metadata',
      ssoRedirectUrl: 'https://idp.samlify.test/sso/redirect',
      ssoPostUrl: 'https://idp.samlify.test/sso/post',
      certificates: [keys.idp.der],
      wantAuthnRequestsSigned: true,
    });
  });

  it('an EntitiesDescriptor holding one IdP among SPs', () => {
    const inner = metadata('okta').replace(/^<\?xml[^>]*\?>/, '');
    const sp = buildSpMetadata({ entityId: SP, acsUrl: ACS }).replace(/^<\?xml[^>]*\?>/, '');
    const xml = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${sp}${inner}</md:EntitiesDescriptor>`;
    expect(parseIdpMetadata(xml).entityId).toBe('http://www.okta.com/exk1fcia6d6EMsf331t8');
  });

  const invalid: [string, () => string, string][] = [
    ['not XML', () => 'https://acme.okta.test/app/metadata', 'not well-formed'],
    [
      'a DOCTYPE',
      () =>
        `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${metadata('okta').replace(/^<\?xml[^>]*\?>/, '')}`,
      'DOCTYPE',
    ],
    ['SP metadata', () => buildSpMetadata({ entityId: SP, acsUrl: ACS }), 'IDPSSODescriptor'],
    [
      'no signing certificate',
      () => metadata('okta').replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, ''),
      'no signing certificate',
    ],
    [
      'a broken certificate',
      () => metadata('okta').replace(keys.idp.der, 'bm90IGEgY2VydGlmaWNhdGU='),
      'not a valid X.509',
    ],
    ['no entityID', () => metadata('okta').replace(/ entityID="[^"]*"/, ''), 'entityID'],
    ['an HTML page', () => '<html><body>Sign in</body></html>', 'not SAML 2.0 metadata'],
  ];
  for (const [name, xml, says] of invalid) {
    it(`refuses ${name} with saml_metadata_invalid`, () => {
      const err = samlError(() => parseIdpMetadata(xml()));
      expect(err.code).toBe('saml_metadata_invalid');
      expect(err.message).toContain(says);
      expect(err.fix).not.toBe('');
    });
  }
});

describe('buildSpMetadata', () => {
  it('is read back by samlify as SP metadata', () => {
    const xml = buildSpMetadata({
      entityId: SP,
      acsUrl: ACS,
      certificate: keys.sp.cert,
      encryptionCertificate: keys.sp.der,
    });
    const sp = samlify.ServiceProvider({ metadata: xml });
    expect(sp.entityMeta.getEntityID()).toBe(SP);
    expect(sp.entityMeta.getAssertionConsumerService('post')).toBe(ACS);
    expect(sp.entityMeta.isWantAssertionsSigned()).toBe(true);
    expect(sp.entityMeta.isAuthnRequestSigned()).toBe(true);
    expect(xml).toContain('<md:KeyDescriptor use="signing">');
    expect(xml).toContain('<md:KeyDescriptor use="encryption">');
    expect(xml.match(new RegExp(keys.sp.der.slice(0, 40).replace(/[+/]/g, '\\$&'), 'g'))).toHaveLength(2);
  });

  it('without a certificate: no KeyDescriptor, unsigned requests; values are escaped', () => {
    const xml = buildSpMetadata({
      entityId: 'https://sp.test/?a=1&b="2"',
      acsUrl: ACS,
      wantAssertionsSigned: false,
    });
    expect(xml).not.toContain('KeyDescriptor');
    expect(xml).toContain('AuthnRequestsSigned="false"');
    expect(xml).toContain('WantAssertionsSigned="false"');
    expect(xml).toContain('entityID="https://sp.test/?a=1&amp;b=&quot;2&quot;"');
  });
});

describe('certificateFingerprint', () => {
  it('is the uppercase colon-separated SHA-256 of the DER, whatever form is pasted', () => {
    const der = Buffer.from(keys.idp.der, 'base64');
    const expected = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
    const wrapped = (keys.idp.der.match(/.{1,64}/g) ?? []).join('\r\n');
    for (const form of [
      keys.idp.cert,
      keys.idp.der,
      wrapped,
      `  ${keys.idp.cert}\n`,
      keys.idp.cert.replace(/\n/g, '\r\n'),
    ]) {
      expect(certificateFingerprint(form)).toBe(expected);
    }
  });

  it('refuses what is not a certificate', () => {
    for (const bad of ['', 'hello', keys.idp.key, 'bm90IGEgY2VydGlmaWNhdGU=']) {
      expect(samlError(() => certificateFingerprint(bad)).code).toBe('saml_metadata_invalid');
    }
  });
});
