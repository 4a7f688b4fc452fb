/**
 * Imported password hashes, checked against independent implementations: published test vectors
 * (Firebase's scrypt README, jBCrypt's suite) and hashes made by Python's hashlib at test time.
 * After the first sign-in, the stored hash is argon2id at OWASP parameters.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const unpad = (s: string) => s.replace(/=+$/, '');
function python(code: string): string {
  return execFileSync('python3', ['-c', code], { encoding: 'utf8' }).trim();
}

const FIREBASE = `$firebase-scrypt$m=14,r=8,ss=${unpad('Bw==')},sk=${unpad('jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==')}$${unpad('42xEC+ixf3L2lw==')}$${unpad('lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==')}`;

const cases: { type: string; hash: () => string; password: string }[] = [
  { type: 'firebase-scrypt', hash: () => FIREBASE, password: 'user1password' },
  {
    type: 'bcrypt',
    hash: () => '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i',
    password: 'abc',
  },
  {
    type: 'scrypt',
    password: 'scrypt secret 1',
    hash: () =>
      python(
        "import hashlib,base64;s=b'NaClNaClNaCl';h=hashlib.scrypt(b'scrypt secret 1',salt=s,n=2**14,r=8,p=1,dklen=32);b=lambda x:base64.b64encode(x).decode().rstrip('=');print('$scrypt$ln=14,r=8,p=1$'+b(s)+'$'+b(h))",
      ),
  },
  {
    type: 'pbkdf2',
    password: 'pbkdf2 secret 1',
    hash: () =>
      python(
        "import hashlib,base64;s=b'saltsaltsalt';h=hashlib.pbkdf2_hmac('sha256',b'pbkdf2 secret 1',s,100000);b=lambda x:base64.b64encode(x).decode().rstrip('=');print('$pbkdf2-sha256$i=100000$'+b(s)+'$'+b(h))",
      ),
  },
];

async function passwordGrant(email: string, password: string) {
  return h.portico.app.request('/user_management/authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: h.clientId,
      client_secret: h.apiKey,
      grant_type: 'password',
      email,
      password,
    }),
  });
}

describe('imported password hashes', () => {
  it.each(cases)(
    '$type: verifies, refuses a wrong password, and upgrades to argon2id',
    async ({ type, hash, password }) => {
      const email = `${type}@example.com`;
      const created = await h.api('POST', '/user_management/users', {
        email,
        password_hash: hash(),
        password_hash_type: type,
      });
      expect(created.status).toBe(201);
      const wrong = await passwordGrant(email, `${password}x`);
      expect(wrong.status).toBe(400);
      expect(await json(wrong)).toMatchObject({ code: 'invalid_credentials' });
      const ok = await passwordGrant(email, password);
      expect(ok.status).toBe(200);
      expect((await json(ok)).authentication_method).toBe('Password');
      const row = await h.portico.deps.db
        .selectFrom('users')
        .select('password_hash')
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      h.testClock!.advance(61_000);
      expect((await passwordGrant(email, password)).status).toBe(200);
    },
  );

  it('refuses a malformed hash with invalid_password_hash and creates nothing', async () => {
    const res = await h.api('POST', '/user_management/users', {
      email: 'bad-hash@example.com',
      password_hash: '$scrypt$nonsense',
      password_hash_type: 'scrypt',
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body).toMatchObject({ code: 'invalid_password_hash' });
    expect(body.errors).toEqual([
      {
        field: 'password_hash',
        code: 'invalid_password_hash',
        message: expect.stringContaining('$scrypt$ln='),
      },
    ]);
    expect((await h.api('GET', '/user_management/users?email=bad-hash@example.com').then(json)).data).toEqual(
      [],
    );
  });

  it('refuses a weak password with password_strength_error', async () => {
    const res = await h.api('POST', '/user_management/users', {
      email: 'weak@example.com',
      password: 'password',
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({
      code: 'password_strength_error',
      errors: [{ field: 'password', code: 'password_breached' }],
    });
    expect((await h.api('GET', '/user_management/users?email=weak@example.com').then(json)).data).toEqual([]);
  });

  it('stores new passwords as argon2id, never in clear', async () => {
    await h.api('POST', '/user_management/users', {
      email: 'fresh@example.com',
      password: 'a fresh long password',
    });
    const row = await h.portico.deps.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'fresh@example.com')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.password_hash).not.toContain('a fresh long password');
  });
});
