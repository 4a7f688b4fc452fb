/**
 * buildAuthnRequestUrl (HTTP-Redirect binding): the query decodes to the AuthnRequest Portico
 * meant to send, the RSA-SHA256 signature verifies over the exact octets of the query, and an
 * independent IdP implementation (samlify) accepts and verifies the request.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import validator from '@authenio/samlify-node-xmllint';
import samlify from 'samlify';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAuthnRequestUrl, buildSpMetadata } from '../src/index.ts';
import { ACS, NOW, SP } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

samlify.setSchemaValidator(validator);

let keys: { idp: TestKeys; sp: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'sp');
});

const SSO = 'https://idp.example.com/sso/saml';
const base = { id: '_req_9a8b7c', issueInstant: NOW, spEntityId: SP, acsUrl: ACS, idpSsoUrl: SSO };

function decode(url: string): string {
  const value = new URL(url).searchParams.get('SAMLRequest')!;
  return inflateRawSync(Buffer.from(value, 'base64')).toString('utf8');
}

describe('buildAuthnRequestUrl', () => {
  it('carries a deflated AuthnRequest and the RelayState', () => {
    const url = buildAuthnRequestUrl({ ...base, relayState: 'flow_01J&x=1' });
    expect(url.startsWith(`${SSO}?SAMLRequest=`)).toBe(true);
    expect(new URL(url).searchParams.get('RelayState')).toBe('flow_01J&x=1');
    const xml = decode(url);
    expect(xml).toContain('ID="_req_9a8b7c"');
    expect(xml).toContain(`IssueInstant="${NOW.toISOString()}"`);
    expect(xml).toContain(`Destination="${SSO}"`);
    expect(xml).toContain(`AssertionConsumerServiceURL="${ACS}"`);
    expect(xml).toContain('ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"');
    expect(xml).toContain(`<saml:Issuer>${SP}</saml:Issuer>`);
    expect(xml).not.toContain('NameIDPolicy');
    expect(xml).not.toContain('ForceAuthn');
    expect(new URL(url).searchParams.has('Signature')).toBe(false);
  });

  it('asks for a NameID format and re-authentication when told to', () => {
    const xml = decode(
      buildAuthnRequestUrl({
        ...base,
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        forceAuthn: true,
      }),
    );
    expect(xml).toContain(
      '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>',
    );
    expect(xml).toContain('ForceAuthn="true"');
  });

  it('keeps a query already in the SSO URL (Google: ?idpid=…)', () => {
    const url = buildAuthnRequestUrl({
      ...base,
      idpSsoUrl: 'https://accounts.google.com/o/saml2/idp?idpid=C01abcde2',
    });
    const u = new URL(url);
    expect(u.searchParams.get('idpid')).toBe('C01abcde2');
    expect(u.searchParams.has('SAMLRequest')).toBe(true);
  });

  it('signs SAMLRequest, RelayState and SigAlg with RSA-SHA256 over the query octets', () => {
    const url = buildAuthnRequestUrl({ ...base, relayState: 'flow 01/ü', signingKey: keys.sp.key });
    const query = url.slice(url.indexOf('?') + 1);
    const [signed, signature] = query.split('&Signature=') as [string, string];
    expect(signed).toMatch(
      /^SAMLRequest=[^&]+&RelayState=[^&]+&SigAlg=http%3A%2F%2Fwww\.w3\.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256$/,
    );
    const ok = createVerify('RSA-SHA256')
      .update(signed)
      .verify(new X509Certificate(keys.sp.cert).publicKey, decodeURIComponent(signature), 'base64');
    expect(ok).toBe(true);
  });

  it('refuses an ID that is not an xs:ID', () => {
    const build = () => buildAuthnRequestUrl({ ...base, id: '1234' });
    expect(build).toThrow(TypeError);
    expect(build).toThrow('AuthnRequest ID "1234" is not an xs:ID (it must start with a letter or "_")');
  });

  it('samlify, as the IdP, parses and verifies the signed request', async () => {
    const idp = samlify.IdentityProvider({
      entityID: 'https://idp.example.com/metadata',
      signingCert: keys.idp.cert,
      privateKey: keys.idp.key,
      wantAuthnRequestsSigned: true,
      singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: SSO }],
      singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: SSO }],
    });
    const sp = samlify.ServiceProvider({
      metadata: buildSpMetadata({ entityId: SP, acsUrl: ACS, certificate: keys.sp.cert }),
    });
    const url = buildAuthnRequestUrl({
      ...base,
      issueInstant: new Date(),
      relayState: 'flow_01',
      signingKey: keys.sp.key,
    });
    const query = url.slice(url.indexOf('?') + 1);
    const parsed = await idp.parseLoginRequest(sp, 'redirect', {
      query: Object.fromEntries(new URL(url).searchParams),
      octetString: query.split('&Signature=')[0]!,
    } as never);
    expect(parsed.extract.request?.id).toBe('_req_9a8b7c');
    expect(parsed.extract.issuer).toBe(SP);
    // It really checks the signature: the same request with another RelayState is refused.
    const tampered = new URL(url);
    tampered.searchParams.set('RelayState', 'flow_02');
    await expect(
      idp.parseLoginRequest(sp, 'redirect', {
        query: Object.fromEntries(tampered.searchParams),
        octetString: query.split('&Signature=')[0]!.replace('flow_01', 'flow_02'),
      } as never),
    ).rejects.toThrow(new Error('ERR_FAILED_MESSAGE_SIGNATURE_VERIFICATION'));
  });
});
