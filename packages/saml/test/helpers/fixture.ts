/** The SP and IdP of most tests, and a builder of their valid responses. */
import { type BuildSamlResponseOptions, buildSamlResponse, type ValidateOptions } from '../../src/index.ts';
import type { TestKeys } from './keys.ts';

export const NOW = new Date('2026-03-02T10:00:00.000Z');
export const SP = 'https://auth.portico.test/sso/saml/conn_01/metadata';
export const ACS = 'https://auth.portico.test/sso/saml/conn_01/acs';
export const IDP = 'https://idp.example.com/saml/metadata';
export const REQUEST_ID = '_request_4f1e2d';

export function build(idp: TestKeys, over: Partial<BuildSamlResponseOptions> = {}): string {
  return buildSamlResponse({
    idpEntityId: IDP,
    spEntityId: SP,
    acsUrl: ACS,
    inResponseTo: REQUEST_ID,
    nameId: 'ada@example.com',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: '_session_1',
    attributes: { email: 'ada@example.com', groups: ['engineering', 'admins'] },
    now: NOW,
    validityMs: 5 * 60_000,
    signingKey: idp.key,
    certificate: idp.cert,
    sign: 'assertion',
    id: '_response_1',
    assertionId: '_assertion_1',
    ...over,
  });
}

export function options(idp: TestKeys, xml: string, over: Partial<ValidateOptions> = {}): ValidateOptions {
  return {
    xml,
    now: NOW,
    skewMs: 120_000,
    idpCertificates: [idp.cert],
    idpEntityId: IDP,
    spEntityId: SP,
    acsUrl: ACS,
    expectedInResponseTo: REQUEST_ID,
    ...over,
  };
}
