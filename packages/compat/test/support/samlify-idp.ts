/**
 * A SAML IdP made with samlify (an independent implementation from npm), listening on
 * http://<host>:<port>: `/metadata` publishes the certificates in `published`, and `/sso`
 * answers Portico's AuthnRequest with a response signed by `signWith`, as an auto-submitting form
 * (the IdP's own page, not Portico's). Tests change what it publishes and which key it signs with
 * to stage certificate rotations and wrong-key failures; `now` follows the server's clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import validator from '@authenio/samlify-node-xmllint';
import samlify from 'samlify';
import { readAuthnRequest } from '../../../../apps/server/src/features/sso/service.ts';

samlify.setSchemaValidator(validator);

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface IdpKey {
  /** PKCS#8 PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
}

export class SamlifyIdp {
  server!: Server;
  origin = '';
  entityId = '';
  /** The certificates `/metadata` publishes (the first is samlify's signing certificate). */
  published: IdpKey[];
  /** The key `/sso` signs with. */
  signWith: IdpKey;

  constructor(
    key: IdpKey,
    private opts: { host?: string; email: string; firstName?: string; now?: () => Date },
  ) {
    this.published = [key];
    this.signWith = key;
  }

  private idp(key: IdpKey, certs: IdpKey[] = [key]) {
    return samlify.IdentityProvider({
      entityID: this.entityId,
      privateKey: key.key,
      signingCert: certs.length === 1 ? certs[0]!.cert : certs.map((c) => c.cert),
      singleSignOnService: [{ Binding: REDIRECT, Location: `${this.origin}/sso` }],
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
        ],
      },
    } as Parameters<typeof samlify.IdentityProvider>[0]);
  }

  async start() {
    this.server = createServer((req, res) => {
      this.handle(req.url ?? '/')
        .then(({ status, type, body }) => res.writeHead(status, { 'content-type': type }).end(body))
        .catch((err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.origin = `http://${this.opts.host ?? '127.0.0.1'}:${(this.server.address() as AddressInfo).port}`;
    this.entityId = `${this.origin}/metadata`;
  }

  get metadataUrl() {
    return `${this.origin}/metadata`;
  }

  private async handle(url: string) {
    const u = new URL(url, this.origin);
    if (u.pathname === '/metadata')
      return {
        status: 200,
        type: 'application/samlmetadata+xml',
        body: this.idp(this.published[0]!, this.published).getMetadata(),
      };
    if (u.pathname !== '/sso') return { status: 404, type: 'text/plain', body: 'not found' };
    const req = readAuthnRequest(u.searchParams.get('SAMLRequest') ?? '');
    if (!req.id || !req.acsUrl) return { status: 400, type: 'text/plain', body: 'no AuthnRequest' };
    const acs = req.acsUrl;
    const spEntity = acs.replace(/\/acs$/, '');
    const sp = samlify.ServiceProvider({
      entityID: spEntity,
      wantAssertionsSigned: true,
      assertionConsumerService: [{ Binding: POST, Location: acs }],
    });
    const { email, firstName = 'Grace' } = this.opts;
    const res = await this.idp(this.signWith).createLoginResponse(
      sp,
      { extract: { request: { id: req.id } } } as never,
      'post',
      { email },
      (template: string) => {
        const now = this.opts.now?.() ?? new Date();
        const later = new Date(now.getTime() + 5 * 60_000).toISOString();
        const id = `_samlify_${now.getTime()}_${Math.random().toString(36).slice(2)}`;
        const context = samlify.SamlLib.replaceTagsByValue(template, {
          ID: id,
          AssertionID: `${id}_assertion`,
          Destination: acs,
          Audience: spEntity,
          EntityID: spEntity,
          SubjectRecipient: acs,
          Issuer: this.entityId,
          IssueInstant: now.toISOString(),
          StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
          ConditionsNotBefore: now.toISOString(),
          ConditionsNotOnOrAfter: later,
          SubjectConfirmationDataNotOnOrAfter: later,
          NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          NameID: email,
          InResponseTo: req.id,
          AuthnStatement: '',
          attrEmail: email,
          attrFirstName: firstName,
        });
        return { id, context };
      },
    );
    const relay = u.searchParams.get('RelayState') ?? '';
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const body = `<!doctype html><html><body onload="document.forms[0].submit()">
<form method="post" action="${esc(acs)}"><input type="hidden" name="SAMLResponse" value="${esc(res.context)}">
<input type="hidden" name="RelayState" value="${esc(relay)}"><noscript><button>Continue</button></noscript></form></body></html>`;
    return { status: 200, type: 'text/html; charset=utf-8', body };
  }

  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}
