/**
 * Password hashing. New passwords use argon2id with OWASP's parameters (19 MiB, t=2, p=1).
 * Imported hashes are verified in their own scheme and upgraded to argon2id at the next
 * successful sign-in (the caller sees `needsRehash`).
 *
 * Accepted imports (`password_hash_type`):
 * - `bcrypt`: `$2a$` / `$2b$` / `$2y$` modular crypt strings.
 * - `scrypt`: PHC `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64>$<hash b64>`.
 * - `pbkdf2`: PHC `$pbkdf2-sha256$i=<iterations>$<salt b64>$<hash b64>` (sha1 / sha512 too; passlib's
 *   bare-iterations form and its `.` for `+` alphabet are accepted).
 * - `firebase-scrypt`: PHC `$firebase-scrypt$m=<mem_cost>,r=<rounds>,ss=<salt separator>,sk=<signer key>$<salt>$<hash>`,
 *   as WorkOS documents it (base64 values, padding optional).
 * - `argon2`: PHC `$argon2id$…` / `$argon2i$…`.
 */
import { createCipheriv, pbkdf2 as pbkdf2Cb, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { type Algorithm, hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { checkPassword } from './password-policy.ts';

const pbkdf2 = promisify(pbkdf2Cb);
const scrypt = promisify(scryptCb) as (
  pw: Buffer | string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;

// 2 is Algorithm.Argon2id (a const enum, which isolatedModules cannot read).
export const ARGON2_OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export type HashType = 'bcrypt' | 'scrypt' | 'pbkdf2' | 'firebase-scrypt' | 'argon2' | 'ssha';

export class InvalidHashError extends Error {}

export async function hashPassword(password: string): Promise<string> {
  return argonHash(password, ARGON2_OPTIONS);
}

/**
 * The first thing wrong with a new password under the default policy, or null (the dashboard's
 * admin accounts use it; AuthKit users get the configured policy through `checkPassword`).
 */
export function passwordProblem(password: string): string | null {
  return checkPassword(password)[0]?.message ?? null;
}

/** Parses an imported hash enough to know it can be verified later; throws InvalidHashError. */
export function normaliseImportedHash(type: HashType, value: string): string {
  switch (type) {
    case 'bcrypt':
      if (!/^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/.test(value))
        throw new InvalidHashError('expected a $2b$<cost>$<53 chars> bcrypt string');
      return value;
    case 'argon2':
      if (!/^\$argon2(id|i|d)\$/.test(value)) throw new InvalidHashError('expected a PHC $argon2id$… string');
      return value;
    case 'scrypt':
      parseScrypt(value);
      return value;
    case 'pbkdf2':
      parsePbkdf2(value);
      return value;
    case 'firebase-scrypt':
      parseFirebase(value);
      return value;
    default:
      throw new InvalidHashError(`password_hash_type '${type}' is not supported by Portico`);
  }
}

export interface VerifyResult {
  ok: boolean;
  needsRehash: boolean;
}

export async function verifyPassword(stored: string, password: string): Promise<VerifyResult> {
  try {
    if (stored.startsWith('$argon2')) {
      const ok = await argonVerify(stored, password);
      const needsRehash = ok && !stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$');
      return { ok, needsRehash };
    }
    let ok = false;
    if (/^\$2[abxy]?\$/.test(stored)) ok = await bcrypt.compare(password, stored);
    else if (stored.startsWith('$scrypt$')) ok = await verifyScrypt(stored, password);
    else if (stored.startsWith('$pbkdf2')) ok = await verifyPbkdf2(stored, password);
    else if (stored.startsWith('$firebase-scrypt$')) ok = await verifyFirebase(stored, password);
    return { ok, needsRehash: ok };
  } catch {
    return { ok: false, needsRehash: false };
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────

function b64(s: string): Buffer {
  return Buffer.from(s.replace(/\./g, '+').replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function params(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const [k, v] = part.split('=');
    if (k && v !== undefined) out[k] = v;
  }
  return out;
}

function equal(a: Buffer, b: Buffer) {
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseScrypt(value: string) {
  const parts = value.split('$');
  // ['', 'scrypt', 'ln=..,r=..,p=..', salt, hash]
  if (parts.length !== 5 || parts[1] !== 'scrypt')
    throw new InvalidHashError('expected $scrypt$ln=…,r=…,p=…$salt$hash');
  const p = params(parts[2]!);
  const ln = Number(p.ln);
  const r = Number(p.r ?? 8);
  const pp = Number(p.p ?? 1);
  if (!Number.isInteger(ln) || ln < 1 || ln > 24 || !Number.isInteger(r) || !Number.isInteger(pp)) {
    throw new InvalidHashError('scrypt parameters ln, r and p must be integers (ln between 1 and 24)');
  }
  const salt = b64(parts[3]!);
  const hash = b64(parts[4]!);
  if (hash.length < 16) throw new InvalidHashError('scrypt hash is too short');
  return { N: 2 ** ln, r, p: pp, salt, hash };
}

async function verifyScrypt(stored: string, password: string) {
  const s = parseScrypt(stored);
  const out = await scrypt(password, s.salt, s.hash.length, {
    N: s.N,
    r: s.r,
    p: s.p,
    maxmem: 256 * s.N * s.r + 1024 * 1024,
  });
  return equal(out, s.hash);
}

function parsePbkdf2(value: string) {
  const parts = value.split('$');
  const m = /^pbkdf2(?:-(sha1|sha256|sha512))?$/.exec(parts[1] ?? '');
  if (parts.length !== 5 || !m) throw new InvalidHashError('expected $pbkdf2-sha256$i=…$salt$hash');
  const digest = m[1] ?? 'sha1';
  const raw = parts[2]!;
  const iterations = /^\d+$/.test(raw) ? Number(raw) : Number(params(raw).i);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
    throw new InvalidHashError('pbkdf2 iterations must be a positive integer');
  }
  const salt = b64(parts[3]!);
  const hash = b64(parts[4]!);
  if (hash.length < 16) throw new InvalidHashError('pbkdf2 hash is too short');
  return { digest, iterations, salt, hash };
}

async function verifyPbkdf2(stored: string, password: string) {
  const s = parsePbkdf2(stored);
  const out = await pbkdf2(password, s.salt, s.iterations, s.hash.length, s.digest);
  return equal(out, s.hash);
}

function parseFirebase(value: string) {
  const parts = value.split('$');
  if (parts.length !== 5 || parts[1] !== 'firebase-scrypt') {
    throw new InvalidHashError('expected $firebase-scrypt$m=…,r=…,ss=…,sk=…$salt$hash');
  }
  const p = params(parts[2]!);
  const memCost = Number(p.m);
  const rounds = Number(p.r);
  if (
    !Number.isInteger(memCost) ||
    memCost < 1 ||
    memCost > 20 ||
    !Number.isInteger(rounds) ||
    rounds < 1 ||
    rounds > 64
  ) {
    throw new InvalidHashError('firebase-scrypt needs integer m (mem_cost, 1–20) and r (rounds, 1–64)');
  }
  if (!p.ss || !p.sk)
    throw new InvalidHashError('firebase-scrypt needs ss (salt separator) and sk (signer key)');
  return {
    memCost,
    rounds,
    saltSeparator: b64(p.ss),
    signerKey: b64(p.sk),
    salt: b64(parts[3]!),
    hash: b64(parts[4]!),
  };
}

/** Firebase's scrypt: scrypt(password, salt‖separator) keys AES-256-CTR over the signer key. */
async function verifyFirebase(stored: string, password: string) {
  const f = parseFirebase(stored);
  const N = 2 ** f.memCost;
  const derived = await scrypt(password, Buffer.concat([f.salt, f.saltSeparator]), 64, {
    N,
    r: f.rounds,
    p: 1,
    maxmem: 256 * N * f.rounds + 1024 * 1024,
  });
  const cipher = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16, 0));
  const out = Buffer.concat([cipher.update(f.signerKey), cipher.final()]);
  return equal(out, f.hash);
}
