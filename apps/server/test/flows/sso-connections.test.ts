/**
 * SAML connections from an IdP metadata URL (fetched through the SSRF-safe client and refreshed
 * on schedule, so a rotated certificate is picked up), and the management API's refusals.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../src/platform/x509.ts';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
let server: Server;
let metadataUrl: string;
let served = '';

async function cert(cn: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return (
    await selfSignedCertificate(privateKey, publicKey, {
      commonName: cn,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      serial: '02',
    })
  ).x5c;
}

const metadata = (entityId: string, x5c: string) => `<?xml version="1.0"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${x5c}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/saml"/>
  </IDPSSODescriptor>
</EntityDescriptor>`;

beforeAll(async () => {
  h = await createHarness();
  server = createServer((req, res) => {
    if (req.url === '/metadata')
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(served);
    else res.writeHead(404).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await h.close();
});

describe('SAML connections from a metadata URL', () => {
  it('imports the metadata, activates, and picks up a rotated certificate on refresh', async () => {
    const first = await cert('IdP cert 1');
    served = metadata('https://idp.example.com/entity', first);
    const org = await json(await h.api('POST', '/organizations', { name: 'Meta Co' }));
    const res = await h.api('POST', '/connections', {
      name: 'Meta IdP',
      organization_id: org.id,
      connection_type: 'OktaSAML',
      saml: { idp_metadata_url: metadataUrl },
    });
    expect(res.status).toBe(201);
    const created = await json<{
      id: string;
      state: string;
      saml: { idp_entity_id: string; idp_sso_url: string; certificates: { fingerprint_sha256: string }[] };
    }>(res);
    expect(created.state).toBe('active');
    expect(created.saml.idp_entity_id).toBe('https://idp.example.com/entity');
    expect(created.saml.idp_sso_url).toBe('https://idp.example.com/sso/saml');
    // Fingerprints compared as plain hex, whatever the separators: SHA-256 of the DER the IdP serves.
    const fingerprints = (certs: { fingerprint_sha256: string }[]) =>
      certs.map((c) => c.fingerprint_sha256.replace(/:/g, '').toLowerCase());
    const sha256Of = (x5c: string) => createHash('sha256').update(Buffer.from(x5c, 'base64')).digest('hex');
    expect(fingerprints(created.saml.certificates)).toEqual([sha256Of(first)]);

    const second = await cert('IdP cert 2');
    served = metadata('https://idp.example.com/entity', second);
    expect(await h.portico.services.connections.refreshDueMetadata(12 * 3_600_000)).toBe(0); // not due yet
    h.testClock!.advance(13 * 3_600_000);
    expect(await h.portico.services.connections.refreshDueMetadata(12 * 3_600_000)).toBe(1);
    const after = await json<{ saml: { certificates: { fingerprint_sha256: string }[] } }>(
      await h.api('GET', `/connections/${created.id}/setup`),
    );
    expect(fingerprints(after.saml.certificates)).toEqual([sha256Of(second)]);

    // A broken refresh keeps the last good metadata.
    served = 'not xml';
    h.testClock!.advance(13 * 3_600_000);
    await h.portico.services.connections.refreshDueMetadata(12 * 3_600_000);
    const kept = await json<{ state: string; saml: { certificates: { fingerprint_sha256: string }[] } }>(
      await h.api('GET', `/connections/${created.id}/setup`),
    );
    expect(fingerprints(kept.saml.certificates)).toEqual(fingerprints(after.saml.certificates));
  });

  it('refuses unusable metadata, an unreachable or forbidden URL, and a bad certificate with clear codes', async () => {
    served = '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>';
    const bad = await h.api('POST', '/connections', {
      name: 'Bad',
      connection_type: 'GenericSAML',
      saml: { idp_metadata_url: metadataUrl },
    });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ code: 'invalid_idp_metadata' });
    const missing = await h.api('POST', '/connections', {
      name: 'Missing',
      connection_type: 'GenericSAML',
      saml: { idp_metadata_url: metadataUrl.replace('/metadata', '/nope') },
    });
    expect(await json(missing)).toMatchObject({ code: 'invalid_idp_metadata' });
    const metadataService = await h.api('POST', '/connections', {
      name: 'SSRF',
      connection_type: 'GenericSAML',
      saml: { idp_metadata_url: 'http://169.254.169.254/latest/meta-data' },
    });
    expect(metadataService.status).toBe(422);
    expect(String((await json(metadataService)).message)).toContain('metadata');
    const cert = await h.api('POST', '/connections', {
      name: 'Cert',
      connection_type: 'GenericSAML',
      saml: {
        idp_certificates: [
          '-----BEGIN CERTIFICATE-----\nnot a certificate at all\n-----END CERTIFICATE-----',
        ],
      },
    });
    expect(await json(cert)).toMatchObject({ code: 'invalid_certificate' });
    const wrongKind = await h.api('POST', '/connections', {
      name: 'Mixed',
      connection_type: 'GenericSAML',
      oidc: {
        discovery_url: 'https://x.example/.well-known/openid-configuration',
        client_id: 'a',
        client_secret: 'b',
      },
    });
    expect(wrongKind.status).toBe(422);
    const count = await h.portico.deps.db.selectFrom('connections').select('id').execute();
    expect(count).toHaveLength(1);
  });
});
