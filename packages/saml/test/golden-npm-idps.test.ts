/**
 * Golden corpus, independent IdP implementations from npm: responses made by samlify (2.13, as an
 * IdentityProvider) and by auth0's `saml` package (Saml20.create, the assertion builder behind
 * auth0's samlp IdP) validate, with the NameID and attributes read back exactly. Their clocks are
 * their own (new Date()), so each case validates at the IssueInstant it carries.
 */
import { X509Certificate } from 'node:crypto';
import validator from '@authenio/samlify-node-xmllint';
import saml from 'saml';
import samlify from 'samlify';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  certificateFingerprint,
  SamlError,
  type ValidateOptions,
  validateSamlResponse,
} from '../src/index.ts';
import { ACS, REQUEST_ID, SP } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

samlify.setSchemaValidator(validator);

const IDP_ENTITY = 'https://idp.samlify.test/metadata';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
let keys: { idp: TestKeys; sp: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'sp');
});

function issueInstant(xml: string): Date {
  const m = /IssueInstant="([^"]+)"/.exec(xml);
  if (!m) throw new Error('no IssueInstant');
  return new Date(m[1]!);
}

function validate(xml: string, over: Partial<ValidateOptions> = {}) {
  return validateSamlResponse({
    xml,
    now: issueInstant(xml),
    skewMs: 120_000,
    idpCertificates: [keys.idp.cert],
    idpEntityId: IDP_ENTITY,
    spEntityId: SP,
    acsUrl: ACS,
    expectedInResponseTo: REQUEST_ID,
    decryptionKey: keys.sp.key,
    ...over,
  });
}

function errorOf(fn: () => unknown): SamlError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SamlError) return err;
    throw err;
  }
  throw new Error('expected a SamlError');
}

describe('samlify 2.13 as the IdP', () => {
  function entities(o: { wantAssertionsSigned: boolean; wantMessageSigned: boolean; encrypt?: boolean }) {
    const idp = samlify.IdentityProvider({
      entityID: IDP_ENTITY,
      privateKey: keys.idp.key,
      signingCert: keys.idp.cert,
      isAssertionEncrypted: o.encrypt ?? false,
      dataEncryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
      keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
      singleSignOnService: [
        {
          Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
          Location: 'https://idp.samlify.test/sso',
        },
      ],
      singleLogoutService: [
        {
          Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
          Location: 'https://idp.samlify.test/slo',
        },
      ],
      loginResponseTemplate: {
        context: samlify.SamlLib.defaultLoginResponseTemplate.context,
        attributes: [
          {
            name: 'email',
            valueTag: 'email',
            nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
            valueXsiType: 'xs:string',
          },
          {
            name: 'firstName',
            valueTag: 'firstName',
            nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
            valueXsiType: 'xs:string',
          },
          {
            name: 'department',
            valueTag: 'department',
            nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
            valueXsiType: 'xs:string',
          },
        ],
      },
      // dataEncryptionAlgorithm and keyEncryptionAlgorithm are read at run time but missing from samlify's types.
    } as Parameters<typeof samlify.IdentityProvider>[0]);
    const sp = samlify.ServiceProvider({
      entityID: SP,
      wantAssertionsSigned: o.wantAssertionsSigned,
      wantMessageSigned: o.wantMessageSigned,
      encPrivateKey: keys.sp.key,
      encryptCert: keys.sp.cert,
      assertionConsumerService: [{ Binding: POST, Location: ACS }],
    });
    return { idp, sp };
  }

  /** samlify's documented custom-template flow; `acsBinding` is what is handed to getAssertionConsumerService. */
  async function respond(o: Parameters<typeof entities>[0] & { acsBinding?: string }) {
    const { idp, sp } = entities(o);
    const res = await idp.createLoginResponse(
      sp,
      { extract: { request: { id: REQUEST_ID } } } as never,
      'post',
      { email: 'grace@samlify.test' },
      (template: string) => {
        const now = new Date();
        const later = new Date(now.getTime() + 5 * 60_000).toISOString();
        const acs = sp.entityMeta.getAssertionConsumerService(o.acsBinding ?? 'post') as string | undefined;
        const id = `_samlify_${now.getTime()}`;
        const context = samlify.SamlLib.replaceTagsByValue(template, {
          ID: id,
          AssertionID: `${id}_assertion`,
          Destination: acs,
          Audience: SP,
          EntityID: SP,
          SubjectRecipient: acs,
          Issuer: IDP_ENTITY,
          IssueInstant: now.toISOString(),
          StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
          ConditionsNotBefore: now.toISOString(),
          ConditionsNotOnOrAfter: later,
          SubjectConfirmationDataNotOnOrAfter: later,
          NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          NameID: 'grace@samlify.test',
          InResponseTo: REQUEST_ID,
          AuthnStatement: '',
          attrEmail: 'grace@samlify.test',
          attrFirstName: 'Grace',
          attrDepartment: 'R&D <Compilers>',
        });
        return { id, context };
      },
    );
    return Buffer.from(res.context, 'base64').toString('utf8');
  }

  const expectedAttributes = {
    email: ['grace@samlify.test'],
    firstName: ['Grace'],
    department: ['R&D <Compilers>'],
  };

  it('signed assertion (wantAssertionsSigned)', async () => {
    const xml = await respond({ wantAssertionsSigned: true, wantMessageSigned: false });
    const { assertion } = validate(xml);
    expect(assertion).toMatchObject({
      nameId: 'grace@samlify.test',
      signed: 'assertion',
      inResponseTo: REQUEST_ID,
    });
    expect(assertion.attributes).toEqual(expectedAttributes);
    expect(assertion.certificateFingerprint).toBe(certificateFingerprint(keys.idp.cert));
  });

  it('signed response (wantMessageSigned)', async () => {
    const xml = await respond({ wantAssertionsSigned: false, wantMessageSigned: true });
    expect(validate(xml).assertion).toMatchObject({ signed: 'response', nameId: 'grace@samlify.test' });
  });

  it('both signed', async () => {
    const xml = await respond({ wantAssertionsSigned: true, wantMessageSigned: true });
    expect(validate(xml).assertion.signed).toBe('both');
  });

  it('signed then encrypted assertion (RSA-OAEP, AES-256-GCM)', async () => {
    const xml = await respond({ wantAssertionsSigned: true, wantMessageSigned: false, encrypt: true });
    expect(xml).toContain('EncryptedAssertion');
    const { assertion } = validate(xml);
    expect(assertion).toMatchObject({ encrypted: true, signed: 'assertion', nameId: 'grace@samlify.test' });
    expect(assertion.attributes).toEqual(expectedAttributes);
  });

  it("samlify's own default template (no custom tags), IdP clock", async () => {
    const { idp, sp } = entities({ wantAssertionsSigned: true, wantMessageSigned: false });
    const res = await idp.createLoginResponse(
      sp,
      { extract: { request: { id: REQUEST_ID } } } as never,
      'post',
      { email: 'grace@samlify.test' },
    );
    const xml = Buffer.from(res.context, 'base64').toString('utf8');
    expect(validate(xml).assertion).toMatchObject({ nameId: 'grace@samlify.test', inResponseTo: REQUEST_ID });
  });

  it('the binding-URN gotcha drops Destination and Recipient: refused, naming the missing Recipient', async () => {
    const xml = await respond({ wantAssertionsSigned: true, wantMessageSigned: false, acsBinding: POST });
    expect(xml).not.toContain('Destination=');
    expect(xml).not.toContain('Recipient=');
    const err = errorOf(() => validate(xml));
    expect(err.code).toBe('saml_recipient_mismatch');
    expect(err.message).toContain('has no Recipient');
    expect(err.fix).toContain(ACS);
  });
});

describe("auth0's saml package (Saml20.create) as the IdP", () => {
  const AUTH0_ENTITY = 'urn:acme.auth0.test';
  const attributes = {
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': 'linus@auth0.test',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': 'Linus Torvalds',
    'http://schemas.auth0.com/nickname': 'linus',
    groups: ['kernel', 'git', 'maintainers'],
  };

  function envelope(assertion: string, inResponseTo: string | null = REQUEST_ID, issued?: Date): string {
    // samlp (auth0's IdP middleware) wraps the assertion in an unsigned Response like this one.
    const now = issued?.toISOString() ?? /IssueInstant="([^"]+)"/.exec(assertion)![1];
    return (
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_auth0_response" ${inResponseTo ? `InResponseTo="${inResponseTo}" ` : ''}Version="2.0" IssueInstant="${now}" Destination="${ACS}">` +
      `<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${AUTH0_ENTITY}</saml:Issuer>` +
      '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
      `${assertion}</samlp:Response>`
    );
  }

  const base = () => ({
    cert: Buffer.from(keys.idp.cert),
    key: Buffer.from(keys.idp.key),
    issuer: AUTH0_ENTITY,
    lifetimeInSeconds: 3600,
    audiences: SP,
    recipient: ACS,
    inResponseTo: REQUEST_ID,
    attributes,
    nameIdentifier: 'linus@auth0.test',
    nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: '_auth0_session',
  });

  it('signed assertion (RSA-SHA256) with multi-valued attributes', () => {
    const xml = envelope(
      saml.Saml20.create({ ...base(), signatureAlgorithm: 'rsa-sha256', digestAlgorithm: 'sha256' }),
    );
    const { assertion } = validate(xml, { idpEntityId: AUTH0_ENTITY });
    expect(assertion).toMatchObject({
      nameId: 'linus@auth0.test',
      sessionIndex: '_auth0_session',
      signed: 'assertion',
      inResponseTo: REQUEST_ID,
    });
    expect(assertion.attributes).toEqual({
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['linus@auth0.test'],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': ['Linus Torvalds'],
      'http://schemas.auth0.com/nickname': ['linus'],
      groups: ['kernel', 'git', 'maintainers'],
    });
  });

  it('signed assertion with RSA-SHA1 (still accepted)', () => {
    const xml = envelope(
      saml.Saml20.create({ ...base(), signatureAlgorithm: 'rsa-sha1', digestAlgorithm: 'sha1' }),
    );
    expect(validate(xml, { idpEntityId: AUTH0_ENTITY }).assertion.signed).toBe('assertion');
  });

  it('signed and encrypted assertion', async () => {
    const encrypted = await new Promise<string>((resolve, reject) =>
      saml.Saml20.create(
        {
          ...base(),
          encryptionCert: Buffer.from(keys.sp.cert),
          encryptionPublicKey: Buffer.from(
            new X509Certificate(keys.sp.cert).publicKey.export({ type: 'spki', format: 'pem' }),
          ),
          encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
          keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        },
        (err, out) => (err || !out ? reject(err) : resolve(out)),
      ),
    );
    // The assertion (and its IssueInstant) is inside the ciphertext: validate at the current time.
    const now = new Date();
    const { assertion } = validate(envelope(encrypted, REQUEST_ID, now), { idpEntityId: AUTH0_ENTITY, now });
    expect(assertion).toMatchObject({ encrypted: true, signed: 'assertion', nameId: 'linus@auth0.test' });
  });

  it('IdP-initiated (no InResponseTo) when the connection allows it', () => {
    const { inResponseTo: _, ...unsolicited } = base();
    const xml = envelope(saml.Saml20.create(unsolicited), null);
    const ok = validate(xml, {
      idpEntityId: AUTH0_ENTITY,
      expectedInResponseTo: null,
      allowIdpInitiated: true,
    });
    expect(ok.assertion.inResponseTo).toBeNull();
    const err = errorOf(() => validate(xml, { idpEntityId: AUTH0_ENTITY, expectedInResponseTo: null }));
    expect(err.code).toBe('saml_unsolicited_response');
  });
});
