/**
 * SAML certificate rotation without a hole, on SQLite and PostgreSQL, against a samlify IdP (an
 * independent implementation) whose metadata URL the connection was registered with:
 * - the IdP's next certificate, added through the API before its metadata publishes it, survives
 *   the 12-hour metadata refresh and signs in once the IdP switches keys (before: the refresh
 *   replaced the trusted set with the metadata's, and the sign-in failed for up to 12 hours);
 * - each certificate's expiry and source (metadata / added / configured) in the connection API;
 * - `connection.saml_certificate_renewal_required` from 90 days before the last certificate
 *   expires, once per reminder, and `connection.saml_certificate_renewed` when a later one is
 *   trusted — in the Events API;
 * - adding and removing one certificate, with the refusals: the last one, one the metadata
 *   publishes, an expired or invalid one, a sixth one, an unknown fingerprint.
 * The server runs on a steppable clock; the IdP dates its assertions by the same clock.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../apps/server/src/platform/x509.ts';
import { createHarness, freePort, type Harness, json, listen } from '../../../apps/server/test/harness.ts';
import { Browser } from './support/http-browser.ts';
import { type IdpKey, SamlifyIdp } from './support/samlify-idp.ts';

const DAY = 86_400_000;
const REDIRECT = 'http://localhost:3000/callback';
const EMAIL = 'rota@rotation.example';

let h: Harness;
let server: { url: string; close(): Promise<void> };
let idp: SamlifyIdp;
let orgId: string;
let connId: string;
let current: IdpKey & { der: string };
let next: IdpKey & { der: string };
let stranger: IdpKey & { der: string };

async function keyPair(cn: string, from: Date, days: number) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = await selfSignedCertificate(privateKey, publicKey, {
    commonName: cn,
    notBefore: new Date(from.getTime() - DAY),
    notAfter: new Date(from.getTime() + days * DAY),
    serial: '03',
  });
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.x5c.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), cert: pem, der: cert.x5c };
}
const fingerprint = (der: string) => createHash('sha256').update(Buffer.from(der, 'base64')).digest('hex');

type Cert = { fingerprint_sha256: string; source: string; not_after: string; days_until_expiry: number };
const setup = async () =>
  (await json<{ saml: { certificates: Cert[] } }>(await h.api('GET', `/connections/${connId}/setup`))).saml
    .certificates;
const events = async (type: string) =>
  (
    await json<{ data: { event: string; data: Record<string, unknown> }[] }>(
      await h.api('GET', `/events?events=${type}&limit=100`),
    )
  ).data;

/** SSO API sign-in through the IdP: the code on success, the ACS page otherwise. */
async function signIn() {
  const b = new Browser();
  const start = new URL(`${server.url}/sso/authorize`);
  start.search = new URLSearchParams({
    connection: connId,
    client_id: h.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    state: 'rot',
  }).toString();
  let res = await b.get(start.toString());
  while (res.status === 302 && !res.location!.startsWith(REDIRECT)) res = await b.get(res.location!);
  expect(res.status, res.body.slice(0, 300)).toBe(200); // the IdP's auto-submitting page
  const acs = await b.submit(res, {});
  if (acs.status === 302 && acs.location!.startsWith(REDIRECT)) {
    const code = new URL(acs.location!).searchParams.get('code');
    if (code) {
      const token = await fetch(`${server.url}/sso/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: h.clientId,
          client_secret: h.apiKey,
          code,
        }),
      });
      return {
        ok: token.status === 200,
        email: ((await token.json()) as { profile?: { email: string } }).profile?.email,
      };
    }
  }
  return { ok: false, page: `${acs.status} ${acs.location ?? acs.body.slice(0, 300)}` };
}

beforeAll(async () => {
  const port = await freePort();
  h = await createHarness({
    publicUrl: `http://127.0.0.1:${port}`,
    env: { PORTICO_REDIRECT_URIS: REDIRECT },
  });
  server = await listen(h, port);
  const t0 = h.testClock!.now();
  // The IdP's current certificate runs out in 120 days; the next one in two years.
  [current, next, stranger] = await Promise.all([
    keyPair('idp current', t0, 120),
    keyPair('idp next', t0, 730),
    keyPair('someone else', t0, 730),
  ]);
  idp = new SamlifyIdp(current, { email: EMAIL, now: () => h.testClock!.now() });
  await idp.start();
  orgId = String(
    (
      await json(
        await h.api('POST', '/organizations', {
          name: 'Rotation Co',
          domain_data: [{ domain: 'rotation.example', state: 'verified' }],
        }),
      )
    ).id,
  );
  const created = await h.api('POST', '/connections', {
    name: 'Rotating IdP',
    organization_id: orgId,
    connection_type: 'GenericSAML',
    saml: { idp_metadata_url: idp.metadataUrl },
  });
  expect(created.status).toBe(201);
  connId = String((await json(created)).id);
});
afterAll(async () => {
  await idp?.close();
  await server?.close();
  await h?.close();
});

describe('SAML certificate rotation', () => {
  it('shows each certificate with its expiry and where it came from', async () => {
    const certs = await setup();
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({
      fingerprint_sha256: fingerprint(current.der),
      source: 'metadata',
      days_until_expiry: 120,
      expired: false,
    });
    expect((await signIn()).ok).toBe(true);
  });

  it('reminds from 90 days before the last certificate expires, once per reminder', async () => {
    const connections = h.portico.services.connections;
    expect(await connections.remindCertificateRenewals()).toBe(0); // 120 days left
    h.testClock!.advance(31 * DAY); // 89 days left
    expect(await connections.remindCertificateRenewals()).toBe(1);
    expect(await connections.remindCertificateRenewals()).toBe(0);
    h.testClock!.advance(30 * DAY); // 59 days left
    expect(await connections.remindCertificateRenewals()).toBe(1);
    expect(await connections.remindCertificateRenewals()).toBe(0);
    const sent = await events('connection.saml_certificate_renewal_required');
    expect(sent.map((e) => e.data.days_until_expiry)).toEqual(expect.arrayContaining([89, 59]));
    expect(sent).toHaveLength(2);
    expect(sent[0]!.data).toMatchObject({
      connection: { id: connId, organization_id: orgId },
      certificate: { certificate_type: 'ResponseSigning', is_expired: false },
    });
  });

  it('keeps an added certificate across metadata refreshes, so the IdP can switch keys at any time', async () => {
    const added = await h.api('POST', `/connections/${connId}/certificates`, { certificate: next.cert });
    expect(added.status).toBe(201);
    const sources = (await json<{ saml: { certificates: Cert[] } }>(added)).saml.certificates.map((c) => [
      c.fingerprint_sha256,
      c.source,
    ]);
    expect(sources).toEqual([
      [fingerprint(current.der), 'metadata'],
      [fingerprint(next.der), 'added'],
    ]);
    // Adding it again changes nothing.
    expect(
      (await h.api('POST', `/connections/${connId}/certificates`, { certificate: next.cert })).status,
    ).toBe(201);
    expect(await setup()).toHaveLength(2);
    const renewed = await events('connection.saml_certificate_renewed');
    expect(renewed).toHaveLength(1);
    expect(renewed[0]!.data).toMatchObject({
      connection: { id: connId, organization_id: orgId },
      certificate: { certificate_type: 'ResponseSigning', is_expired: false },
      days_until_expiry: 730 - 61,
    });
    expect(renewed[0]!.data.renewed_at).toBe(h.testClock!.now().toISOString());
    // The later certificate ends the reminders.
    expect(await h.portico.services.connections.remindCertificateRenewals()).toBe(0);

    // The IdP still publishes only its current certificate; the 12-hour refresh runs.
    h.testClock!.advance(13 * 3_600_000);
    expect(await h.portico.services.connections.refreshDueMetadata(12 * 3_600_000)).toBe(1);
    expect((await setup()).map((c) => c.source)).toEqual(['metadata', 'added']);

    // The IdP switches keys before its metadata says so: sign-ins go on.
    idp.signWith = next;
    expect(await signIn()).toMatchObject({ ok: true, email: EMAIL });
    // A key nobody added is still refused.
    idp.signWith = stranger;
    expect((await signIn()).ok).toBe(false);
    idp.signWith = next;
  });

  it('removes one certificate at a time, never the last one nor one the metadata publishes', async () => {
    const gone = await h.api('DELETE', `/connections/${connId}/certificates/${fingerprint(current.der)}`);
    expect(gone.status).toBe(409);
    expect((await json(gone)).code).toBe('certificate_in_idp_metadata');
    const unknown = await h.api('DELETE', `/connections/${connId}/certificates/${'0'.repeat(64)}`);
    expect(unknown.status).toBe(404);
    expect(await setup()).toHaveLength(2);

    // The IdP now publishes the next certificate only: the metadata governs it from here.
    idp.published = [next];
    h.testClock!.advance(13 * 3_600_000);
    expect(await h.portico.services.connections.refreshDueMetadata(12 * 3_600_000)).toBe(1);
    const after = await setup();
    expect(after.map((c) => [c.fingerprint_sha256, c.source])).toEqual([[fingerprint(next.der), 'metadata']]);
    expect(await signIn()).toMatchObject({ ok: true, email: EMAIL });
    const last = await h.api('DELETE', `/connections/${connId}/certificates/${fingerprint(next.der)}`);
    expect(last.status).toBe(409);
    expect((await json(last)).code).toBe('last_certificate');
  });

  it('refuses an expired, an invalid and a sixth certificate, and an unknown connection', async () => {
    const now = h.testClock!.now();
    const [a, expired] = await Promise.all([keyPair('configured a', now, 400), keyPair('old', now, -2)]);
    const manual = await h.api('POST', '/connections', {
      name: 'Manual IdP',
      organization_id: orgId,
      connection_type: 'GenericSAML',
      saml: {
        idp_entity_id: 'https://manual.example/idp',
        idp_sso_url: 'https://manual.example/sso',
        idp_certificates: [a.cert],
      },
    });
    expect(manual.status).toBe(201);
    const id = String((await json(manual)).id);
    const add = (certificate: string) => h.api('POST', `/connections/${id}/certificates`, { certificate });

    const old = await add(expired.cert);
    expect(old.status).toBe(422);
    expect(await json(old)).toMatchObject({ code: 'invalid_certificate' });
    const junk = await add(
      '-----BEGIN CERTIFICATE-----\nnot a certificate at all\n-----END CERTIFICATE-----',
    );
    expect(junk.status).toBe(422);
    expect(await json(junk)).toMatchObject({ code: 'invalid_certificate' });

    const more = await Promise.all([1, 2, 3, 4, 5].map((i) => keyPair(`more ${i}`, now, 400)));
    for (const k of more.slice(0, 4)) expect((await add(k.cert)).status).toBe(201);
    const sixth = await add(more[4]!.cert);
    expect(sixth.status).toBe(422);
    expect(await json(sixth)).toMatchObject({ code: 'too_many_certificates' });
    const certs = (
      await json<{ saml: { certificates: Cert[] } }>(await h.api('GET', `/connections/${id}/setup`))
    ).saml.certificates;
    expect(certs).toHaveLength(5);
    expect(certs[0]!.source).toBe('configured');
    expect(certs.slice(1).every((c) => c.source === 'added')).toBe(true);

    // A configured one can go when others remain.
    expect((await h.api('DELETE', `/connections/${id}/certificates/${fingerprint(a.der)}`)).status).toBe(200);

    // Another environment's API key cannot see it.
    const other = await h.api(
      'DELETE',
      `/connections/conn_01NOTHERE0000000000000000/certificates/${'a'.repeat(64)}`,
    );
    expect(other.status).toBe(404);
  });
});
