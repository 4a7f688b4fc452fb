/**
 * The sweeper, in-process on both databases: dashboard sessions go an hour after they end, Admin
 * Portal links a day after they expire (their sessions an hour after theirs), and nothing live is
 * touched; a swept link's page still says "expired", not "invalid".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/sweep.ts';
import { createHarness, type Harness, json } from '../harness.ts';

let h: Harness;
let orgId: string;

beforeAll(async () => {
  h = await createHarness({ env: { PORTICO_ADMIN_EMAIL: 'sweep@portico.test' } });
  orgId = String((await json(await h.api('POST', '/organizations', { name: 'Sweep Co' }))).id);
});
afterAll(() => h.close());

const count = async (table: 'admin_sessions' | 'portal_links' | 'portal_sessions') =>
  Number(
    (
      await h.portico.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function link() {
  const res = await h.api('POST', '/portal/generate_link', { organization: orgId, intent: 'sso' });
  expect(res.status).toBe(201);
  return String((await json(res)).link);
}

describe('sweeper', () => {
  it('removes ended dashboard sessions and old portal links and sessions, and keeps live ones', async () => {
    const { password } = await h.portico.services.admin.bootstrap();
    const signIn = () =>
      h.portico.app.request('/_admin/session', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: h.portico.deps.config.publicUrl,
          'x-forwarded-for': '203.0.113.9',
        },
        body: JSON.stringify({ email: 'sweep@portico.test', password }),
      });
    expect((await signIn()).status).toBe(201);

    const used = await link();
    const launched = await h.portico.app.request(new URL(used).pathname + new URL(used).search);
    expect(launched.status).toBe(302);
    await link(); // never opened
    expect(await count('admin_sessions')).toBe(1);
    expect(await count('portal_links')).toBe(2);
    expect(await count('portal_sessions')).toBe(1);

    // Two hours on: the portal session (1 h) is gone; links (5 min) are kept for a day.
    h.testClock!.advance(2 * 3_600_000);
    await sweepOnce(h.portico.deps);
    expect(await count('portal_sessions')).toBe(0);
    expect(await count('portal_links')).toBe(2);
    expect(await count('admin_sessions')).toBe(1); // 12 h session still live
    expect((await signIn()).status).toBe(201); // a fresh one, to outlive the sweep below

    // Thirteen hours after the first sign-in: that session ended over an hour ago; links are a day old next.
    h.testClock!.advance(11 * 3_600_000);
    await sweepOnce(h.portico.deps);
    expect(await count('admin_sessions')).toBe(1);
    h.testClock!.advance(12 * 3_600_000);
    await sweepOnce(h.portico.deps);
    expect(await count('portal_links')).toBe(0);

    // A swept link is still refused as expired (its MAC names it), not as invalid.
    const page = await h.portico.app.request(new URL(used).pathname + new URL(used).search);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('portal_link_expired');
  });
});
