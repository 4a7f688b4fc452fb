/**
 * The IdP-style golden corpus: test/corpus/<idp>/response.xml is an unsigned response in the exact
 * shape that IdP sends (prefixes, default namespaces, whitespace, timestamp precision, attribute
 * names), with {{PLACEHOLDERS}} for ids, times and URLs; params.json says how that IdP signs and
 * encrypts and what Portico must read from it. Signatures and encryption are made at test time
 * with keys made at test time, so no secret and no expiring certificate is committed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encryptAssertion,
  type SamlAssertion,
  type SignatureAlgorithm,
  signSamlXml,
} from '../../src/index.ts';
import { ACS, NOW, REQUEST_ID, SP } from './fixture.ts';
import type { TestKeys } from './keys.ts';

export interface CorpusParams {
  description: string;
  idpEntityId: string;
  sign: 'response' | 'assertion' | 'both';
  algorithm: SignatureAlgorithm;
  signaturePrefix?: string;
  fractionDigits: number;
  encrypt?: 'aes256-cbc' | 'aes256-gcm';
  expected: Pick<SamlAssertion, 'nameId' | 'nameIdFormat' | 'sessionIndex' | 'signed' | 'attributes'>;
}

export interface CorpusCase {
  idp: string;
  template: string;
  params: CorpusParams;
}

const ROOT = join(import.meta.dirname, '..', 'corpus');

export function corpus(): CorpusCase[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(ROOT, d.name)).includes('params.json'))
    .map((d) => ({
      idp: d.name,
      template: readFileSync(join(ROOT, d.name, 'response.xml'), 'utf8'),
      params: JSON.parse(readFileSync(join(ROOT, d.name, 'params.json'), 'utf8')) as CorpusParams,
    }));
}

export interface RenderOptions {
  /** Mutates the template before anything is filled in or signed. */
  template?: (t: string) => string;
  values?: Partial<Record<'SP' | 'DESTINATION' | 'RECIPIENT' | 'REQUEST_ID', string>>;
  /** 'none' leaves it unsigned; a key set signs with that key instead of the IdP's. */
  signer?: TestKeys | 'none';
  /** Mutates the signed XML (before encryption when the IdP encrypts). */
  afterSigning?: (xml: string) => string;
}

function instant(t: number, digits: number): string {
  const iso = new Date(t).toISOString();
  return digits === 3 ? iso : `${iso.slice(0, 23)}${'4'.repeat(Math.max(0, digits - 3))}Z`;
}

export function ids(c: CorpusCase) {
  return { response: `_${c.idp}-response-8c1f`, assertion: `_${c.idp}-assertion-2b7e` };
}

export function fill(text: string, c: CorpusCase, values: RenderOptions['values'] = {}): string {
  const issued = NOW.getTime() - 1_877;
  const table: Record<string, string> = {
    RESPONSE_ID: ids(c).response,
    ASSERTION_ID: ids(c).assertion,
    ISSUE_INSTANT: instant(issued, c.params.fractionDigits),
    NOT_BEFORE: instant(issued - 5 * 60_000, c.params.fractionDigits),
    NOT_ON_OR_AFTER: instant(issued + 60 * 60_000, c.params.fractionDigits),
    SP,
    DESTINATION: ACS,
    RECIPIENT: ACS,
    REQUEST_ID,
    ...values,
  };
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    const v = table[k];
    if (v === undefined) throw new Error(`corpus: unknown placeholder ${k}`);
    return v;
  });
}

export async function render(c: CorpusCase, keys: { idp: TestKeys; sp: TestKeys }, o: RenderOptions = {}) {
  const p = c.params;
  let xml = fill(o.template ? o.template(c.template) : c.template, c, o.values);
  const signer = o.signer === undefined ? keys.idp : o.signer;
  const sign = (target: 'response' | 'assertion') => {
    if (signer === 'none') return;
    xml = signSamlXml(xml, {
      signingKey: signer.key,
      certificate: signer.cert,
      target,
      algorithm: p.algorithm,
      ...(p.signaturePrefix !== undefined ? { prefix: p.signaturePrefix } : {}),
    });
  };
  if (p.sign !== 'response') sign('assertion');
  if (p.encrypt) {
    if (o.afterSigning) xml = o.afterSigning(xml);
    xml = await encryptAssertion(xml, { certificate: keys.sp.cert, algorithm: p.encrypt });
  }
  if (p.sign !== 'assertion') sign('response');
  if (!p.encrypt && o.afterSigning) xml = o.afterSigning(xml);
  return xml;
}
