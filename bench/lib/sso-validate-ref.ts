/**
 * Reference rows for bench/sso.ts: SAML response validation alone, in one process on one CPU (the
 * parent starts it with taskset), over the same responses the servers receive, no HTTP and no
 * database. It separates what the XML-signature library costs from what each server adds.
 *
 *   - Portico: packages/saml validateSamlResponse (of the source under test);
 *   - xml-crypto alone: SignedXml.checkSignature on the response, as packages/saml calls it (same
 *     xml-crypto as packages/saml resolves), with its default ID attributes (Id, ID, id) and with
 *     ID only;
 *   - Jackson: @boxyhq/saml20 validate (the library Jackson's ACS calls), from bench/peers.
 *
 * Configuration in SSO_BENCH_VALIDATE (JSON): { samlEntry, peers, responsesFile, cert,
 * idpEntityId, spEntityId, acsUrl, seconds }. Prints one JSON line per row, then `{"done":true}`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Config {
  samlEntry: string;
  peers: string;
  responsesFile: string;
  cert: string;
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  seconds: number;
}

const cfg = JSON.parse(process.env.SSO_BENCH_VALIDATE ?? '{}') as Config;
const xmls = (JSON.parse(readFileSync(cfg.responsesFile, 'utf8')) as string[]).map((b) =>
  Buffer.from(b, 'base64').toString('utf8'),
);

async function measure(name: string, fn: (xml: string) => unknown) {
  for (let i = 0; i < 50; i++) await fn(xmls[i % xmls.length]!);
  let n = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < cfg.seconds * 1000) {
    await fn(xmls[n % xmls.length]!);
    n++;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({ name, n, perSecond: Math.round(n / wall), msEach: (wall * 1000) / n, cores: (cpu.user + cpu.system) / 1e6 / wall })}\n`,
  );
}

const saml = (await import(cfg.samlEntry)) as typeof import('../../packages/saml/src/index.ts');
const fromSaml = createRequire(cfg.samlEntry);
const { SignedXml } = fromSaml('xml-crypto') as typeof import('xml-crypto');
const { DOMParser } = fromSaml('@xmldom/xmldom') as typeof import('@xmldom/xmldom');
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

await measure('Portico: validateSamlResponse (packages/saml)', (xml) =>
  saml.validateSamlResponse({
    xml,
    now: new Date(),
    skewMs: 120_000,
    idpCertificates: [cfg.cert],
    idpEntityId: cfg.idpEntityId,
    spEntityId: cfg.spEntityId,
    acsUrl: cfg.acsUrl,
    expectedInResponseTo: null,
    allowIdpInitiated: true,
  }),
);
for (const ids of [null, ['ID']] as const) {
  await measure(
    `xml-crypto SignedXml.checkSignature alone${ids ? ', ID attribute "ID" only' : ' (ID attributes Id, ID, id)'}`,
    (xml) => {
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const signature = doc.getElementsByTagNameNS(DSIG, 'Signature')[0]!;
      const sx = new SignedXml({ publicCert: cfg.cert, getCertFromKeyInfo: () => null });
      if (ids) (sx as unknown as { idAttributes: string[] }).idAttributes = [...ids];
      sx.loadSignature(signature as unknown as Node);
      if (!sx.checkSignature(xml)) throw new Error('xml-crypto refused a benchmark response');
    },
  );
}
try {
  const fromPeers = createRequire(`${cfg.peers}/package.json`);
  const jacksonDir = fromPeers.resolve('@boxyhq/saml-jackson/package.json');
  const saml20Module = createRequire(jacksonDir)('@boxyhq/saml20') as {
    default?: { validate(xml: string, o: unknown): Promise<unknown> };
    validate?(xml: string, o: unknown): Promise<unknown>;
  };
  const saml20 = saml20Module.default ?? saml20Module;
  await measure('Jackson: @boxyhq/saml20 validate', (xml) =>
    saml20.validate!(xml, { publicKey: cfg.cert, audience: cfg.spEntityId }),
  );
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ name: 'Jackson: @boxyhq/saml20 validate', error: String(err) })}\n`,
  );
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
