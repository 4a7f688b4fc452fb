/**
 * Passkey benchmark: assertion verifications per second against a same-run baseline of a plain
 * refresh (`grant_type=refresh_token`: rotation, session check, a signed access token).
 *
 * - The verification alone: `verifyAuthenticationResponse` (@simplewebauthn/server: clientDataJSON
 *   checks, RP id hash, flags, ES256 signature over authenticatorData ‖ SHA-256(clientDataJSON),
 *   counter) on pre-made assertions, one at a time on one core, in a bounded loop.
 * - The hosted sign-in round trip, through the server's own HTTP app in-process (`app.request`,
 *   no sockets): authorize → the sign-in page (which issues and stores a challenge) → POST
 *   /authkit/passkey (challenge lookup, credential lookup, verification, the sign-in transaction:
 *   challenge consumed, counter compare-and-set, success event, authorization code).
 *
 * The assertions come from an independent software authenticator (nid-webauthn-emulator); making
 * one is not timed. Requests are timed one at a time (concurrency 1) for both the round trip and
 * the baseline, so /s is requests completed per second of server time.
 *
 *   npm run bench:passkey                   # SQLite (memory), appends to bench/RESULTS.md
 *   npm run bench:passkey -- --db=postgres  # PostgreSQL at 127.0.0.1:5432 (own database, dropped after)
 *   npm run bench:passkey -- --no-write     # print only
 */
const argv = process.argv.slice(2);
const DB = argv.find((a) => a.startsWith('--db='))?.slice(5) ?? 'sqlite';
if (DB !== 'sqlite' && DB !== 'postgres') throw new Error('--db must be sqlite or postgres');
process.env.PORTICO_TEST_DIALECT = DB;
const write = !argv.includes('--no-write');
const PER_ROUND = Number(argv.find((a) => a.startsWith('--per-round='))?.slice(12) ?? 150);
const VERIFY_COUNT = Number(argv.find((a) => a.startsWith('--verify='))?.slice(9) ?? 1500);
const ROUNDS = 2;

const { join } = await import('node:path');
const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
const { AuthenticatorEmulator, PasskeysCredentialsMemoryRepository, WebAuthnEmulator } = await import(
  'nid-webauthn-emulator'
);
const { createHarness, REDIRECT_URI } = await import('../apps/server/test/harness.ts');
const { appendResults, machine } = await import('./lib/report.ts');

const h = await createHarness({
  clock: 'system',
  env: {
    PORTICO_VALIDATE_RESPONSES: '0',
    PORTICO_RATE_LIMIT_API: '100000000',
    PORTICO_RATE_LIMIT_CREDENTIALS: '100000000',
    PORTICO_PASSKEYS: 'true',
  },
});
const ORIGIN = h.portico.deps.config.publicUrl;
const secretBody = { client_id: h.clientId, client_secret: h.apiKey };
const emulator = new WebAuthnEmulator(
  new AuthenticatorEmulator({
    algorithmIdentifiers: ['ES256'],
    credentialsRepository: new PasskeysCredentialsMemoryRepository(),
  }),
);
const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

async function ok(res: Response, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

// ── seeding: a user with a passkey (registered through the service, as the hosted page does) ──
const PASSWORD = 'correct horse battery staple 42';
const user = await ok(
  await h.api('POST', '/user_management/users', { email: 'bench-passkey@example.com', password: PASSWORD }),
  'seed user',
);
const userRow = await h.portico.services.users.row(h.portico.deps.db, h.environmentId, String(user.id));
const passkeys = h.portico.services.passkeys;
const reg = await passkeys.registrationOptions(h.environmentId, 'bench-flow', userRow, 'Bench');
const store = await passkeys.verifyRegistration(
  h.environmentId,
  'bench-flow',
  userRow.id,
  emulator.createJSON(ORIGIN, reg as never),
);
const credential = await h.portico.deps.db.transaction().execute((tx) => store(tx));
const s = await ok(
  await h.api('POST', '/user_management/authenticate', {
    ...secretBody,
    grant_type: 'password',
    email: 'bench-passkey@example.com',
    password: PASSWORD,
  }),
  'password grant',
);
let refreshToken = String(s.refresh_token);

// ── the verification alone ───────────────────────────────────────────────────
// Pre-made assertions (counter 1…N) for one stored credential, verified in order.
const rpId = new URL(ORIGIN).hostname;
const made: { challenge: string; response: unknown }[] = [];
for (let i = 0; i < VERIFY_COUNT; i++) {
  const challenge = Buffer.from(`bench-challenge-${i}-${'x'.repeat(16)}`).toString('base64url');
  made.push({
    challenge,
    response: emulator.getJSON(ORIGIN, { challenge, rpId, userVerification: 'required' }),
  });
}
const publicKey = Buffer.from(credential.public_key, 'base64url');
let counter = Number(credential.counter);
const vStart = performance.now();
for (const m of made) {
  const r = await verifyAuthenticationResponse({
    response: m.response as never,
    expectedChallenge: m.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: rpId,
    requireUserVerification: true,
    credential: { id: credential.credential_id, publicKey, counter },
  });
  if (!r.verified) throw new Error('a fresh assertion did not verify');
  counter = r.authenticationInfo.newCounter;
}
const verifyPerSecond = made.length / ((performance.now() - vStart) / 1000);

// ── round trips ──────────────────────────────────────────────────────────────
const authorizeQuery = new URLSearchParams({
  client_id: h.clientId,
  provider: 'authkit',
  response_type: 'code',
  redirect_uri: REDIRECT_URI,
  state: 'bench',
}).toString();

const scenarios = {
  /** Baseline: one refresh of the session (rotation, session check, RS256 access token). */
  refresh: async () => {
    const t0 = performance.now();
    const r = await ok(
      await h.api('POST', '/user_management/authenticate', {
        ...secretBody,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      }),
      'refresh',
    );
    const ms = performance.now() - t0;
    refreshToken = String(r.refresh_token);
    return { ms, requests: 1 };
  },
  /** authorize → sign-in page (challenge issued) → POST /authkit/passkey (verified, code minted). */
  signIn: async () => {
    const t0 = performance.now();
    const auth = await h.portico.app.request(`/user_management/authorize?${authorizeQuery}`);
    const page = await h.portico.app.request(auth.headers.get('location')!);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const html = await page.text();
    let ms = performance.now() - t0;
    const tag = /<form id="passkey-sign-in"[^>]*>/.exec(html)?.[0];
    if (!tag) throw new Error(`no passkey form: ${page.status} ${html.slice(0, 500)}`);
    const action = unescapeHtml(/action="([^"]+)"/.exec(tag)![1]!);
    const options = JSON.parse(unescapeHtml(/data-options="([^"]*)"/.exec(tag)![1]!));
    const csrf = /name="csrf" value="([^"]+)"/.exec(html.slice(html.indexOf(tag)))![1]!;
    const body = new URLSearchParams({ csrf, credential: JSON.stringify(emulator.getJSON(ORIGIN, options)) });
    const t1 = performance.now();
    const r = await h.portico.app.request(action, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    ms += performance.now() - t1;
    if (r.status !== 302 || !r.headers.get('location')?.includes('code='))
      throw new Error(`passkey sign-in: ${r.status} ${(await r.text()).slice(0, 300)}`);
    return { ms, requests: 3 };
  },
};
type Scenario = keyof typeof scenarios;
const LABEL: Record<Scenario, string> = {
  refresh: 'Baseline: refresh grant (rotation, RS256 access token)',
  signIn: 'Passkey sign-in: authorize + sign-in page (challenge) + POST /authkit/passkey',
};

async function load(sc: Scenario, count: number) {
  const latencies: number[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const r = await scenarios[sc]();
    latencies.push(r.ms);
    total += r.ms;
  }
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / (total / 1000),
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!,
  };
}

const order: Scenario[] = ['refresh', 'signIn'];
for (const sc of order) await load(sc, 10); // warm-up
const runs: Record<Scenario, { perSecond: number; p99: number }[]> = { refresh: [], signIn: [] };
for (let round = 0; round < ROUNDS; round++) for (const sc of order) runs[sc].push(await load(sc, PER_ROUND));

await h.close();

const m = machine();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const base = mean(runs.refresh.map((r) => r.perSecond));
const baseP99 = mean(runs.refresh.map((r) => r.p99));
const lines = [
  `## ${m.date} — Passkeys: assertion verification vs refresh, in-process, ${DB === 'sqlite' ? 'SQLite (memory)' : 'PostgreSQL'}`,
  '',
  `Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.kernel}, Node ${m.node}. Server code: commit ${m.commit} (working tree).`,
  `Command: \`npm run bench:passkey${DB === 'postgres' ? ' -- --db=postgres' : ''}\`. One request at a time through \`app.request\` (no sockets), ${ROUNDS} rounds × ${PER_ROUND} iterations per scenario (alternating) after a warm-up; /s counts iterations per second of server time (making the assertion in the software authenticator is not timed).`,
  '',
  '| Scenario | run 1 /s | run 2 /s | mean /s | vs baseline | p99 ms (mean) | p99 vs baseline |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const sc of order) {
  const r = runs[sc];
  const rate = mean(r.map((x) => x.perSecond));
  const p99 = mean(r.map((x) => x.p99));
  lines.push(
    `| ${LABEL[sc]} | ${fmt(r[0]!.perSecond)} | ${fmt(r[1]!.perSecond)} | **${fmt(rate)}** | ${(rate / base).toFixed(2)} × | ${p99.toFixed(1)} | ${(p99 / baseP99).toFixed(2)} × |`,
  );
}
lines.push(
  '',
  `- The verification alone (\`verifyAuthenticationResponse\`, ES256, user verification required), ${fmt(made.length)} assertions one at a time: **${fmt(verifyPerSecond)}/s on one core** — ${(verifyPerSecond / base).toFixed(1)} × the baseline's refresh rate in the same run.`,
  '',
);
const section = lines.join('\n');
console.log(section);
if (write) appendResults(join(import.meta.dirname, 'RESULTS.md'), section);
process.exit(0);
