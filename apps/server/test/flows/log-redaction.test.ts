/**
 * Log redaction by key (issue 11, item 7): secrets are hidden where they travel (authorization
 * codes in a logged request body or query, passwords, tokens, client secrets), but an error's
 * own `code` — PostgreSQL's SQLSTATE (`23505`) or SQLite's `SQLITE_CONSTRAINT_…` — stays
 * readable, because it is what an operator needs to diagnose the failure. Runs on both databases
 * with a real driver error.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app.ts';
import { createHarness, dialect, type Harness } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The app's logger writing into an array of parsed lines. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

/** A real unique-constraint violation from the database under test. */
async function uniqueViolation(): Promise<Error & { code?: string }> {
  const row = { bucket: 'log-redaction', window_start: 1, count: 1 };
  await h.portico.deps.db.insertInto('rate_limits').values(row).execute();
  try {
    await h.portico.deps.db.insertInto('rate_limits').values(row).execute();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('the second insert did not fail');
}

describe('log redaction', () => {
  it('keeps a database error’s code readable', async () => {
    const err = await uniqueViolation();
    expect(err.code).toBe(dialect === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_PRIMARYKEY');
    const { log, lines } = capture();
    log.error({ err, requestId: 'req_1', path: '/x' }, 'unhandled error');
    const logged = lines[0]!.err as { code?: string; message?: string };
    expect(logged.code).toBe(err.code);
    expect(logged.message).toBe(err.message);
  });

  it('still hides authorization codes in logged bodies and queries, and the other secrets', () => {
    const { log, lines } = capture();
    log.info(
      {
        body: {
          grant_type: 'authorization_code',
          code: 'auth-code-secret',
          client_secret: 'sk_test_x',
          code_verifier: 'v',
        },
        query: { code: 'auth-code-secret', state: 's', token: 'reset-token-secret' },
        form: { code: 'auth-code-secret', token: 'reset-token-secret', new_password: 'hunter2' },
        reset: { password_reset_token: 'reset-token-secret' },
        req: {
          body: { code: 'auth-code-secret' },
          headers: { authorization: 'Bearer sk_test_x', cookie: 'c=1' },
        },
        user: { password: 'hunter2' },
        tokens: { refresh_token: 'rt', access_token: 'at' },
      },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('auth-code-secret');
    expect(text).not.toContain('sk_test_x');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('reset-token-secret');
    expect(text).not.toContain('"rt"');
    expect(text).not.toContain('"at"');
    expect(text).not.toContain('"v"');
    const line = lines[0] as { body: Record<string, unknown>; query: Record<string, unknown> };
    expect(line.body.grant_type).toBe('authorization_code');
    expect(line.query.state).toBe('s');
  });
});
