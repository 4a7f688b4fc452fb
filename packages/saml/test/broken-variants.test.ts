/**
 * One broken variant per check of issue #4 item 2, applied to every IdP style of the golden corpus
 * (Okta, Entra ID, Google Workspace, AD FS): each is refused with its own code, a message naming
 * the actual and expected values, a fix, and the trace up to the failing step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type SamlErrorCode, type ValidateOptions, validateSamlResponse } from '../src/index.ts';
import { type CorpusCase, corpus, type RenderOptions, render } from './helpers/corpus.ts';
import { samlError } from './helpers/expect-error.ts';
import { ACS, NOW, options, SP } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

let keys: { idp: TestKeys; attacker: TestKeys; sp: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'attacker', 'sp');
});

interface Variant {
  name: string;
  code: SamlErrorCode;
  render?: (k: typeof keys) => RenderOptions;
  validate?: Partial<ValidateOptions>;
  /** Strings the message must contain. */
  says?: string[];
}

const OTHER_SP = 'https://other-app.example/saml/metadata';
const OTHER_ACS = 'https://other-app.example/saml/acs';

const variants: Variant[] = [
  { name: 'unsigned', code: 'saml_signature_missing', render: () => ({ signer: 'none' }) },
  {
    name: 'attribute changed after signing',
    code: 'saml_signature_invalid',
    render: () => ({ afterSigning: (x) => x.replace('>Lovelace<', '>Byron<') }),
    says: ['changed after the IdP signed it'],
  },
  {
    name: 'signed by a certificate the connection does not trust',
    code: 'saml_certificate_untrusted',
    render: (k) => ({ signer: k.attacker }),
    says: ['SHA-256 fingerprint', 'not among this connection'],
  },
  {
    name: 'status Responder',
    code: 'saml_status_not_success',
    render: () => ({
      template: (t) =>
        t.replace(
          'urn:oasis:names:tc:SAML:2.0:status:Success',
          'urn:oasis:names:tc:SAML:2.0:status:Responder',
        ),
    }),
    says: ['Responder'],
  },
  {
    name: 'issuer other than the configured IdP',
    code: 'saml_issuer_mismatch',
    validate: { idpEntityId: 'https://sts.example.net/another-tenant/' },
    says: ['https://sts.example.net/another-tenant/'],
  },
  {
    name: 'audience of another SP',
    code: 'saml_audience_mismatch',
    render: () => ({ values: { SP: OTHER_SP } }),
    says: [OTHER_SP, SP],
  },
  {
    name: 'Destination of another ACS',
    code: 'saml_destination_mismatch',
    render: () => ({ values: { DESTINATION: OTHER_ACS } }),
    says: [OTHER_ACS, ACS],
  },
  {
    name: 'Recipient of another ACS',
    code: 'saml_recipient_mismatch',
    render: () => ({ values: { RECIPIENT: OTHER_ACS } }),
    says: [OTHER_ACS, ACS],
  },
  {
    name: 'answer to another request',
    code: 'saml_in_response_to_mismatch',
    validate: { expectedInResponseTo: '_a_different_request' },
    says: ['_request_4f1e2d', '_a_different_request'],
  },
  {
    name: 'answer to a request when none is pending',
    code: 'saml_in_response_to_mismatch',
    validate: { expectedInResponseTo: null, allowIdpInitiated: true },
  },
  {
    name: 'IdP-initiated on a connection that does not allow it',
    code: 'saml_unsolicited_response',
    render: () => ({ template: (t) => t.replace(/ InResponseTo="\{\{REQUEST_ID\}\}"/g, '') }),
    validate: { expectedInResponseTo: null },
  },
  {
    name: 'expired (two hours later)',
    code: 'saml_assertion_expired',
    validate: { now: new Date(NOW.getTime() + 2 * 3_600_000) },
    says: ['NotOnOrAfter'],
  },
  {
    name: 'not yet valid (IdP clock an hour ahead)',
    code: 'saml_assertion_not_yet_valid',
    validate: { now: new Date(NOW.getTime() - 3_600_000) },
    says: ['NotBefore'],
  },
  {
    name: 'holder-of-key instead of bearer',
    code: 'saml_subject_confirmation_invalid',
    render: () => ({ template: (t) => t.replace('cm:bearer', 'cm:holder-of-key') }),
    says: ['holder-of-key'],
  },
  {
    name: 'no NameID',
    code: 'saml_nameid_missing',
    render: () => ({ template: (t) => t.replace(/<(\w+:)?NameID [^>]*>[^<]*<\/(\w+:)?NameID>/, '') }),
  },
  {
    name: 'comment injected into the NameID after signing',
    code: 'saml_nameid_comment',
    render: () => ({ afterSigning: (x) => x.replace(/(<(?:\w+:)?NameID [^>]*>[^<]{3})/, '$1<!-- -->') }),
  },
];

const positive: { name: string; render: RenderOptions }[] = [
  {
    name: 'no Destination (it is optional)',
    render: { template: (t) => t.replace(/ Destination="[^"]*"/, '') },
  },
];

function run(c: CorpusCase, xml: string, over: Partial<ValidateOptions> = {}) {
  return validateSamlResponse(
    options(keys.idp, xml, { idpEntityId: c.params.idpEntityId, decryptionKey: keys.sp.key, ...over }),
  );
}

for (const c of corpus()) {
  describe(`broken ${c.idp} responses`, () => {
    for (const v of variants) {
      it(`${v.name} → ${v.code}`, async () => {
        const xml = await render(c, keys, v.render?.(keys));
        const err = samlError(() => run(c, xml, v.validate));
        expect(`${err.code}: ${err.message}`).toMatch(new RegExp(`^${v.code}: `));
        for (const s of v.says ?? []) expect(err.message).toContain(s);
        expect(err.fix.length).toBeGreaterThan(20);
        const steps = err.details.steps as { step: string; ok: boolean }[];
        expect(steps.at(-1)?.ok).toBe(false);
        expect(steps.slice(0, -1).every((s) => s.ok)).toBe(true);
      });
    }
    for (const p of positive) {
      it(`accepted: ${p.name}`, async () => {
        const xml = await render(c, keys, p.render);
        expect(run(c, xml).assertion.nameId).toBe(c.params.expected.nameId);
      });
    }
  });
}
