/**
 * Worker thread for bench/sso.ts: signs a slice of the SAML response pool with the response
 * builder of the source under test (packages/saml's buildSamlResponse, loaded from the path the
 * parent passes) and posts back the base64 responses.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SignJob } from './sso-responses.ts';

const job = workerData as SignJob;
const saml = (await import(job.samlEntry)) as typeof import('../../packages/saml/src/index.ts');
const out: string[] = [];
const now = new Date(job.nowMs);
for (let i = job.start; i < job.start + job.count; i++) {
  const email = job.emails[i % job.emails.length]!;
  const n = i % job.emails.length;
  const xml = saml.buildSamlResponse({
    idpEntityId: job.idpEntityId,
    spEntityId: job.spEntityId,
    acsUrl: job.acsUrl,
    inResponseTo: null,
    nameId: email,
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: `_session_${job.run}_${i}`,
    attributes: {
      email,
      firstName: 'Bench',
      lastName: `User ${n}`,
      groups: ['Everyone', n % 2 ? 'Engineering' : 'Sales'],
    },
    now,
    validityMs: job.validityMs,
    signingKey: job.key,
    certificate: job.cert,
    sign: job.sign,
    id: `_resp_${job.run}_${String(i).padStart(7, '0')}`,
    assertionId: `_assert_${job.run}_${String(i).padStart(7, '0')}`,
  });
  out.push(Buffer.from(xml, 'utf8').toString('base64'));
}
parentPort!.postMessage(out);
