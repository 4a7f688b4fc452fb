/**
 * The signing ceiling: bare RS256 signing with jose on one Node process, the same claim shape the
 * server signs for an access token (iss, sub, sid, jti, org_id, role, roles, permissions, iat, exp;
 * header alg, kid, typ), with a 2048-bit RSA KeyObject and `concurrency` signs in flight.
 *
 * Runs as its own process (bench/run.ts starts it while the server is not under load) and prints one
 * JSON line: { signs, seconds, perSecond, p50Ms, p99Ms }. Bounded by --duration.
 *
 *   node --import tsx bench/sign-ceiling.ts --duration=10 --concurrency=50
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a) => /^--([^=]+)=(.*)$/.exec(a))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]),
) as Record<string, string | undefined>;
const durationMs = Math.min(Number(args.duration ?? 10), 120) * 1000;
const concurrency = Math.min(Math.max(Number(args.concurrency ?? 50), 1), 1000);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = `key_01${randomBytes(12).toString('hex').toUpperCase().slice(0, 24)}`;
const ulid = () => randomBytes(13).toString('base64url').toUpperCase().slice(0, 26);

function claims() {
  return {
    iss: 'http://localhost:8080',
    sub: `user_${ulid()}`,
    sid: `session_${ulid()}`,
    jti: ulid(),
    org_id: `org_${ulid()}`,
    role: 'admin',
    roles: ['admin'],
    permissions: ['organization:manage', 'members:manage', 'sso:manage', 'directory:manage'],
  };
}

async function signOne() {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT(claims())
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(privateKey);
}

// Warm the JIT and the key before timing.
for (let i = 0; i < 200; i++) await signOne();

const latencies: number[] = [];
let signs = 0;
const started = performance.now();
const deadline = started + durationMs;

async function worker() {
  // Bounded in time (deadline) and, as a backstop, in count.
  for (let i = 0; i < 10_000_000 && performance.now() < deadline; i++) {
    const t = performance.now();
    await signOne();
    latencies.push(performance.now() - t);
    signs++;
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    signs,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(signs / seconds),
    concurrency,
    p50Ms: Number(pct(50).toFixed(2)),
    p99Ms: Number(pct(99).toFixed(2)),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  }),
);
