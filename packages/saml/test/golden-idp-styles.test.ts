/**
 * Golden corpus, IdP styles: Okta, Entra ID, Google Workspace and AD FS responses (see
 * test/corpus/<idp>/params.json) validate, and Portico reads exactly the expected NameID,
 * session index and multi-valued attributes from them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint, validateSamlResponse } from '../src/index.ts';
import { corpus, fill, render } from './helpers/corpus.ts';
import { options } from './helpers/fixture.ts';
import { type TestKeys, testKeys } from './helpers/keys.ts';

let keys: { idp: TestKeys; idpNext: TestKeys; sp: TestKeys };
beforeAll(async () => {
  keys = await testKeys('idp', 'idpNext', 'sp');
});

const cases = corpus();

describe('IdP-style golden corpus', () => {
  it('has the four IdP styles', () => {
    expect(cases.map((c) => c.idp).sort()).toEqual(['adfs', 'entra', 'google', 'okta']);
  });

  for (const c of cases) {
    it(`${c.idp}: ${c.params.description}`, async () => {
      const xml = await render(c, keys);
      const { assertion, steps } = validateSamlResponse(
        options(keys.idp, xml, {
          idpEntityId: c.params.idpEntityId,
          // The IdP rotated: the old certificate is still trusted next to the new one, given as base64 DER.
          idpCertificates: [keys.idpNext.der, keys.idp.der],
          decryptionKey: keys.sp.key,
        }),
      );
      const expected = JSON.parse(fill(JSON.stringify(c.params.expected), c)) as typeof c.params.expected;
      expect(assertion).toMatchObject({
        issuer: c.params.idpEntityId,
        nameId: expected.nameId,
        nameIdFormat: expected.nameIdFormat,
        sessionIndex: expected.sessionIndex,
        signed: expected.signed,
        encrypted: !!c.params.encrypt,
        certificateFingerprint: certificateFingerprint(keys.idp.cert),
      });
      expect(assertion.attributes).toEqual(expected.attributes);
      expect(steps.every((s) => s.ok)).toBe(true);
      expect(steps.map((s) => s.step)).toContain(c.params.encrypt ? 'decrypt' : 'issuer');
    });
  }
});
